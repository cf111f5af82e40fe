//! What the seed decides before anything runs: each post (account, shape,
//! privacy, caption, due time) and each account's TikTok faults.

use serde_json::{json, Value};
use shared::post::{PostKind, PostMode};
use testkit::rng::Rng;
use time::OffsetDateTime;

use crate::setup::Cast;
use crate::Size;

/// TikTok keeps at most five pending inbox drafts per creator per 24 h (the
/// sandbox too, with its rolling window): a run of the same stack stays under.
const INBOX_PER_ACCOUNT: usize = 3;

#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `media` indexes the tenant's videos; the last one is two chunks.
    Video { media: usize, inbox: bool },
    /// `count` photos from the tenant's photos starting at `first`.
    Photo { first: usize, count: usize, inbox: bool },
}

impl Shape {
    pub fn kind(self) -> PostKind {
        match self {
            Shape::Video { .. } => PostKind::Video,
            Shape::Photo { .. } => PostKind::Photo,
        }
    }

    pub fn mode(self) -> PostMode {
        match self {
            Shape::Video { inbox: true, .. } | Shape::Photo { inbox: true, .. } => PostMode::MediaUpload,
            _ => PostMode::DirectPost,
        }
    }
}

pub struct Planned {
    pub account: usize,
    pub shape: Shape,
    pub privacy: &'static str,
    pub caption: String,
    pub due: OffsetDateTime,
}

pub struct Plan {
    pub posts: Vec<Planned>,
    pub first_due: String,
    pub last_due: OffsetDateTime,
    /// Per account: the fault rules put in force for its creator.
    pub faults: Vec<Vec<Value>>,
    /// The account whose authorization is revoked mid-run.
    pub revoked: usize,
}

const WORDS: [&str; 8] =
    ["harbour", "lantern", "meadow", "granite", "orchard", "saffron", "tundra", "velvet"];

impl Plan {
    pub fn new(size: &Size, cast: &Cast) -> Self {
        let mut rng = Rng::new(size.seed);
        let accounts = cast.accounts.len();
        let start = OffsetDateTime::now_utc() + time::Duration::seconds(size.lead_secs as i64);
        let per_account = size.posts.div_ceil(accounts).max(1);
        let mut inbox = vec![0usize; accounts];
        let mut posts = Vec::with_capacity(size.posts);
        for n in 0..size.posts {
            let account = n % accounts;
            let slot = (n / accounts) as f64;
            let offset = slot * size.spread_secs as f64 / per_account as f64 + rng.unit() * 8.0;
            let roll = rng.unit();
            let wants_inbox = roll < 0.06 && inbox[account] < INBOX_PER_ACCOUNT;
            if wants_inbox {
                inbox[account] += 1;
            }
            let shape = if rng.unit() < 0.25 {
                Shape::Photo { first: rng.below(4), count: 1 + rng.below(3), inbox: wants_inbox }
            } else if !wants_inbox && rng.unit() < 0.03 {
                Shape::Video { media: 3, inbox: false }
            } else {
                Shape::Video { media: rng.below(3), inbox: wants_inbox }
            };
            let privacy = if rng.unit() < 0.5 { "PUBLIC_TO_EVERYONE" } else { "SELF_ONLY" };
            let word = WORDS[rng.below(WORDS.len())];
            posts.push(Planned {
                account,
                shape,
                privacy,
                caption: format!("chaos {:x} post {n:05} {word} #chaos", size.seed),
                due: start + time::Duration::milliseconds((offset * 1000.0) as i64),
            });
        }
        let last_due = posts.iter().map(|p| p.due).max().unwrap_or(start);
        let faults = (0..accounts).map(|_| faults(&mut rng)).collect();
        Self {
            posts,
            first_due: foundation::time_format::rfc3339(start),
            last_due,
            faults,
            revoked: accounts - 1,
        }
    }
}

/// The endpoints whose lost answer leaves us not knowing what TikTok did.
pub const AMBIGUOUS_ENDPOINTS: [&str; 4] = ["video_init", "inbox_init", "content_init", "upload"];

/// One account's fault rules, rates varied by the seed. Order matters: the
/// sandbox applies the first terminal rule that fires (latency adds up).
fn faults(rng: &mut Rng) -> Vec<Value> {
    let p = |rng: &mut Rng, base: f64| (base * (0.5 + rng.unit())).min(1.0);
    let mut rules =
        vec![json!({"endpoint": "*", "kind": "latency", "latency_ms": 150, "probability": p(rng, 0.1)})];
    for init in ["video_init", "inbox_init", "content_init"] {
        rules.extend([
            // A slow init: kills land between the request and the stored publish_id.
            json!({"endpoint": init, "kind": "latency", "latency_ms": 2500, "probability": p(rng, 0.2)}),
            json!({"endpoint": init, "kind": "drop", "probability": p(rng, 0.01)}),
            json!({"endpoint": init, "kind": "drop_unprocessed", "probability": p(rng, 0.005)}),
            json!({"endpoint": init, "kind": "http_429", "probability": p(rng, 0.03)}),
            json!({"endpoint": init, "kind": "http_5xx", "status": 503, "probability": p(rng, 0.03)}),
        ]);
    }
    rules.extend([
        json!({"endpoint": "upload", "kind": "drop", "probability": p(rng, 0.01)}),
        json!({"endpoint": "upload", "kind": "http_5xx", "status": 502, "probability": p(rng, 0.03)}),
        json!({"endpoint": "status", "kind": "drop", "probability": p(rng, 0.04)}),
        json!({"endpoint": "status", "kind": "http_5xx", "probability": p(rng, 0.04)}),
        json!({"endpoint": "status", "kind": "http_429", "probability": p(rng, 0.02)}),
        json!({"endpoint": "creator_info", "kind": "http_5xx", "probability": p(rng, 0.03)}),
        json!({"endpoint": "creator_info", "kind": "http_429", "probability": p(rng, 0.02)}),
    ]);
    rules
}
