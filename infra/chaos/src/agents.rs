//! The chaos itself, while the posts come due: TikTok's faults per account
//! (set once, read back at the end), publisher processes killed, publish
//! messages sent again, overlapping dispatcher ticks, cancels and
//! reschedules through the api, and one account's authorization revoked.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};
use shared::ids::PostId;
use shared::post::queue::PublishMessage;
use shared::post::Post;
use shared::tenant::TenantId;
use testkit::rng::Rng;
use time::OffsetDateTime;
use tokio::time::{sleep, Instant};

use crate::plan::{Plan, AMBIGUOUS_ENDPOINTS};
use crate::setup::{Cast, World};
use crate::Size;

/// What the harness did, for the table and the verdict.
#[derive(Default)]
pub struct Ledger {
    /// When each publisher process was killed.
    pub kills: Vec<OffsetDateTime>,
    /// When each in-process publisher invocation was abandoned (`crash`).
    pub crashes: Vec<OffsetDateTime>,
    /// Kill attempts that found no publisher process to kill.
    pub kills_missed: u32,
    pub duplicate_deliveries: u32,
    pub ticks: u32,
    /// api answers to DELETE / PATCH, by status.
    pub cancels: BTreeMap<u16, u32>,
    pub reschedules: BTreeMap<u16, u32>,
    /// Post ids the api accepted a cancel or a reschedule for.
    pub cancelled: Vec<String>,
    pub revoked_account: Option<String>,
    /// Fired faults by "endpoint kind".
    pub faults: BTreeMap<String, u64>,
    /// Per open_id: ambiguous faults that fired (a dropped init or chunk).
    pub ambiguous: BTreeMap<String, u64>,
}

pub struct Chaos;

impl Chaos {
    pub async fn run(world: &World, cast: &Cast, plan: &Plan, filed: &[Post], size: &Size) -> Ledger {
        for (member, rules) in cast.accounts.iter().zip(&plan.faults) {
            let open_id = &member.account.open_id;
            clear_faults(world, open_id).await;
            let rules: Vec<Value> = rules
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    r["open_id"] = json!(open_id);
                    r
                })
                .collect();
            world.sandbox_send(reqwest::Method::POST, "/_sandbox/faults", json!(rules)).await;
        }
        let until = Instant::now()
            + (plan.last_due - OffsetDateTime::now_utc()).try_into().unwrap_or(Duration::ZERO)
            + Duration::from_secs(45);
        let ledger = Mutex::new(Ledger::default());
        let seed = size.seed;
        let deps = crate::crash::deps(world);
        tokio::join!(
            kills(world, &ledger, Rng::new(seed ^ 1), until, size.real_kills),
            crate::crash::crashing_publisher(world, &deps, &ledger, Rng::new(seed ^ 5), until),
            crate::crash::crashing_publisher(world, &deps, &ledger, Rng::new(seed ^ 6), until),
            duplicates(world, filed, &ledger, Rng::new(seed ^ 2), until),
            ticks(world, &ledger, Rng::new(seed ^ 3), until, size.posts),
            edits(world, cast, filed, &ledger, Rng::new(seed ^ 4), until, size),
            revoke(world, cast, plan, &ledger, size),
        );
        let mut ledger = ledger.into_inner().unwrap_or_else(|e| e.into_inner());
        let rules = world.sandbox_get("/_sandbox/faults").await;
        for rule in rules["faults"].as_array().cloned().unwrap_or_default() {
            let spec = &rule["spec"];
            let (endpoint, kind) =
                (spec["endpoint"].as_str().unwrap_or(""), spec["kind"].as_str().unwrap_or(""));
            let fired = rule["fired"].as_u64().unwrap_or(0);
            let name = if kind == "latency" {
                format!("{endpoint} latency {} ms", spec["latency_ms"])
            } else {
                format!("{endpoint} {kind}")
            };
            *ledger.faults.entry(name).or_default() += fired;
            if AMBIGUOUS_ENDPOINTS.contains(&endpoint) && kind.starts_with("drop") {
                let open_id = spec["open_id"].as_str().unwrap_or("").to_string();
                *ledger.ambiguous.entry(open_id).or_default() += fired;
            }
        }
        // The drain runs without faults: what is left must settle by itself.
        for member in &cast.accounts {
            clear_faults(world, &member.account.open_id).await;
        }
        ledger
    }
}

async fn clear_faults(world: &World, open_id: &str) {
    let mut url = reqwest::Url::parse(&format!("{}/_sandbox/faults", world.sandbox)).expect("url");
    url.query_pairs_mut().append_pair("open_id", open_id);
    let answer = world.http.delete(url).send().await.expect("clear faults");
    assert!(answer.status().is_success(), "clear faults: {}", answer.status());
}

fn pause(rng: &mut Rng, from_ms: u64, to_ms: u64) -> Duration {
    Duration::from_millis(from_ms + rng.below((to_ms - from_ms) as usize) as u64)
}

/// Kills `budget` publisher instances in the middle of an invocation, at
/// random moments: SIGKILL through the stack's Lambda gateway, which knows
/// which instance is busy. The invocation fails with `Runtime.ExitError`, as
/// on Lambda, and its batch comes back after the visibility timeout.
async fn kills(world: &World, ledger: &Mutex<Ledger>, mut rng: Rng, until: Instant, budget: usize) {
    let every = until.saturating_duration_since(Instant::now()).as_millis() as u64 / (budget as u64 + 1);
    let mut done = 0;
    let mut missed = false;
    while Instant::now() < until && done < budget {
        // After a miss, look again soon: at CI size publishers are busy for
        // seconds a minute, and a kill that waits a whole period for its next
        // try may never find one (a CI run once made 3 tries and no kill).
        let wait =
            if missed { pause(&mut rng, 150, 600) } else { pause(&mut rng, every / 2, every.max(1) * 3 / 2) };
        sleep(wait).await;
        let answer = world.http.post(format!("{}/_gateway/kill/publisher", world.gateway)).send().await;
        let mut ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
        match answer.map(|a| a.status().as_u16()) {
            Ok(200) => {
                done += 1;
                missed = false;
                ledger.kills.push(OffsetDateTime::now_utc());
            }
            // 409: no publisher was in an invocation just then.
            _ => {
                missed = true;
                ledger.kills_missed += 1;
            }
        }
    }
}

/// Sends copies of publish messages of posts due about now, as SQS's
/// at-least-once delivery does.
async fn duplicates(world: &World, filed: &[Post], ledger: &Mutex<Ledger>, mut rng: Rng, until: Instant) {
    while Instant::now() < until {
        sleep(pause(&mut rng, 500, 3_000)).await;
        let Some(post) = near_due(filed, &mut rng, -90, 5) else { continue };
        let message = PublishMessage::Publish {
            tenant: TenantId::parse(&post.tenant).expect("tenant"),
            post_id: PostId::parse(&post.id).expect("post id"),
        };
        let copies = 1 + rng.below(2);
        for _ in 0..copies {
            let sent = world
                .aws
                .sqs()
                .send_message()
                .queue_url(&world.queue)
                .message_body(message.encode())
                .delay_seconds(rng.below(4) as i32)
                .send()
                .await;
            if sent.is_ok() {
                ledger.lock().unwrap_or_else(|e| e.into_inner()).duplicate_deliveries += 1;
            }
        }
    }
}

/// A post due between `from` and `to` seconds from now, if one is.
fn near_due<'a>(filed: &'a [Post], rng: &mut Rng, from: i64, to: i64) -> Option<&'a Post> {
    let now = OffsetDateTime::now_utc();
    let window: Vec<&Post> = filed
        .iter()
        .filter(|p| {
            foundation::time_format::parse_client_instant(&p.scheduled_at).is_some_and(|at| {
                at >= now + time::Duration::seconds(from) && at <= now + time::Duration::seconds(to)
            })
        })
        .collect();
    (!window.is_empty()).then(|| window[rng.below(window.len())])
}

/// Two or three dispatcher ticks at once, besides the schedule's own.
async fn ticks(world: &World, ledger: &Mutex<Ledger>, mut rng: Rng, until: Instant, posts: usize) {
    // A tick's reads cost moto (one request at a time, each walking the
    // table) seconds per thousand posts: at 1,000 posts bursts every 8–25 s
    // asked moto for three times what it serves, no tick finished inside the
    // function's timeout and the run stalled. Bursts thin out with the size
    // (24 posts: 8–26 s apart; 1,000: 41–80 s).
    let (least, most) = (8_000 + posts as u64 * 33, 25_000 + posts as u64 * 55);
    while Instant::now() < until {
        sleep(pause(&mut rng, least, most)).await;
        let n = 2 + rng.below(2);
        let fired = futures::future::join_all((0..n).map(|_| async {
            world.http.post(format!("{}/tick/dispatcher", world.events)).send().await.is_ok()
        }))
        .await;
        ledger.lock().unwrap_or_else(|e| e.into_inner()).ticks +=
            fired.iter().filter(|ok| **ok).count() as u32;
    }
}

/// Cancels or reschedules posts about to be published or in flight, through
/// the api with their tenant's key (409 for a post already claimed).
async fn edits(
    world: &World,
    cast: &Cast,
    filed: &[Post],
    ledger: &Mutex<Ledger>,
    mut rng: Rng,
    until: Instant,
    size: &Size,
) {
    // About 6 % of the posts: half cancelled, half moved.
    let every_ms = (size.spread_secs * 1000 / (size.posts as u64 * 6 / 100).max(1)).max(500);
    while Instant::now() < until {
        sleep(pause(&mut rng, every_ms / 2, every_ms * 3 / 2)).await;
        let Some(post) = near_due(filed, &mut rng, -30, 60) else { continue };
        let tenant = cast.tenants.iter().find(|t| t.id.as_str() == post.tenant).expect("tenant");
        let path = format!("/posts/{}", post.id);
        if rng.unit() < 0.5 {
            let status = world.api(tenant, reqwest::Method::DELETE, &path, None).await;
            let mut ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
            *ledger.cancels.entry(status).or_default() += 1;
            if (200..300).contains(&status) {
                ledger.cancelled.push(post.id.clone());
            }
        } else {
            let at = OffsetDateTime::now_utc() + time::Duration::seconds(70 + rng.below(120) as i64);
            let body = json!({"scheduled_at": foundation::time_format::rfc3339(at)});
            let status = world.api(tenant, reqwest::Method::PATCH, &path, Some(body)).await;
            *ledger.lock().unwrap_or_else(|e| e.into_inner()).reschedules.entry(status).or_default() += 1;
        }
    }
}

/// Revokes one account's authorization at TikTok 40 % into the run.
async fn revoke(world: &World, cast: &Cast, plan: &Plan, ledger: &Mutex<Ledger>, size: &Size) {
    sleep(Duration::from_secs(size.lead_secs + size.spread_secs * 2 / 5)).await;
    let member = &cast.accounts[plan.revoked];
    let path = format!("/_sandbox/accounts/{}/revoke", member.username);
    world.sandbox_send(reqwest::Method::POST, &path, json!({"reason": 1})).await;
    ledger.lock().unwrap_or_else(|e| e.into_inner()).revoked_account = Some(member.username.to_string());
}
