//! After the chaos: the drain (ticks until no post is between states, or a
//! deadline), then the verdict against TikTok's ledger, and the table.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures::StreamExt;
use sha2::{Digest, Sha256};
use shared::post::{Post, PostStatus};
use time::OffsetDateTime;

use crate::agents::Ledger;
use crate::setup::{Cast, World};
use crate::Size;

/// Where a post may end: anything else after the drain is a lost post.
const FINAL: [PostStatus; 6] = [
    PostStatus::Published,
    PostStatus::InboxDelivered,
    PostStatus::Failed,
    PostStatus::Held,
    PostStatus::Cancelled,
    PostStatus::NeedsAttention,
];

async fn read_all(world: &World, filed: &[Post]) -> Vec<Post> {
    futures::stream::iter(filed.iter())
        .map(|p| async move { world.posts.get(&p.tenant, &p.id).await.expect("read post").expect("post exists") })
        .buffered(16)
        .collect()
        .await
}

fn by_status(posts: &[Post]) -> BTreeMap<PostStatus, usize> {
    let mut counts = BTreeMap::new();
    for post in posts {
        *counts.entry(post.status).or_default() += 1;
    }
    counts
}

fn show(counts: &BTreeMap<PostStatus, usize>) -> String {
    counts.iter().map(|(s, n)| format!("{} {n}", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// Waits until every post is final or `limit` has passed; the posts as they
/// are then (read afresh). The dispatcher's own minute schedule does the
/// rest: no extra ticks (each is 16 due-index queries per minute looked
/// back, and moto walks the table for each), and only the posts still
/// moving are read again each round — at 1,000 posts, reading them all every
/// few seconds was a load of its own on moto.
pub async fn drain(world: &World, filed: &[Post], limit: Duration) -> Vec<Post> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut posts = read_all(world, filed).await;
    loop {
        let counts = by_status(&posts);
        let moving: Vec<usize> = (0..posts.len()).filter(|&i| !FINAL.contains(&posts[i].status)).collect();
        println!("chaos: drain: {} not final ({})", moving.len(), show(&counts));
        if moving.is_empty() || tokio::time::Instant::now() >= deadline {
            return read_all(world, filed).await;
        }
        tokio::time::sleep(Duration::from_secs(20)).await;
        let still: Vec<Post> = moving.iter().map(|&i| posts[i].clone()).collect();
        for (i, post) in moving.into_iter().zip(read_all(world, &still).await) {
            posts[i] = post;
        }
    }
}

fn at(raw: &str) -> Option<OffsetDateTime> {
    foundation::time_format::parse_client_instant(raw)
}

pub struct Report {
    statuses: BTreeMap<PostStatus, usize>,
    shapes: BTreeMap<String, usize>,
    ledger_entries: usize,
    duplicates: usize,
    /// Ledger entries that match no post (by publish_id or caption), by
    /// account, beyond the account's ambiguous posts without a publish_id.
    unexplained_ledger: usize,
    /// Posts PUBLISHED / INBOX_DELIVERED without any ledger entry.
    phantom: usize,
    /// Ledger entries of posts that ended neither published nor ambiguous.
    on_tiktok_not_published: usize,
    lost: Vec<(String, PostStatus)>,
    failed_without_reason: usize,
    needs_attention: usize,
    na_by_kill: usize,
    na_by_drop: usize,
    na_unexplained: Vec<String>,
    ambiguous_drops: u64,
    fail_reasons: BTreeMap<String, usize>,
}

impl Report {
    pub async fn build(world: &World, cast: &Cast, filed: &[Post], finals: &[Post], chaos: &Ledger) -> Self {
        let open_id_of: HashMap<&str, &str> =
            cast.accounts.iter().map(|m| (m.account.id.as_str(), m.account.open_id.as_str())).collect();
        let ledger = world.sandbox_get("/_sandbox/ledger").await;
        let entries = ledger["posts"].as_array().cloned().unwrap_or_default();
        let mut by_publish: HashMap<&str, usize> = HashMap::new();
        let mut by_caption: HashMap<String, usize> = HashMap::new();
        for (i, post) in finals.iter().enumerate() {
            if let Some(id) = post.publish_id.as_deref() {
                by_publish.insert(id, i);
            }
            by_caption.insert(hex::encode(Sha256::digest(post.settings.caption.as_bytes())), i);
        }
        let mut matched = vec![0usize; finals.len()];
        let mut unmatched: HashMap<String, usize> = HashMap::new();
        for entry in &entries {
            let found = entry["publish_id"]
                .as_str()
                .and_then(|id| by_publish.get(id))
                .or_else(|| entry["caption_sha256"].as_str().and_then(|c| by_caption.get(c)));
            match found {
                Some(&i) => matched[i] += 1,
                None => {
                    *unmatched.entry(entry["open_id"].as_str().unwrap_or("").to_string()).or_default() += 1
                }
            }
        }
        // An ambiguous post without a publish_id (an inbox video has no caption
        // at TikTok to match) may account for one unmatched entry of its creator.
        let mut unknown_ids: HashMap<&str, usize> = HashMap::new();
        for post in finals.iter().filter(|p| p.status == PostStatus::NeedsAttention && p.publish_id.is_none())
        {
            *unknown_ids
                .entry(open_id_of.get(post.account_id.as_str()).copied().unwrap_or(""))
                .or_default() += 1;
        }
        let unexplained_ledger = unmatched
            .iter()
            .map(|(open_id, n)| n.saturating_sub(unknown_ids.get(open_id.as_str()).copied().unwrap_or(0)))
            .sum();
        let published = |p: &Post| matches!(p.status, PostStatus::Published | PostStatus::InboxDelivered);
        let phantom = finals.iter().zip(&matched).filter(|(p, m)| published(p) && **m == 0).count();
        let on_tiktok_not_published = finals
            .iter()
            .zip(&matched)
            .filter(|(p, m)| **m > 0 && !published(p) && p.status != PostStatus::NeedsAttention)
            .count();
        let duplicates = matched.iter().map(|m| m.saturating_sub(1)).sum::<usize>();

        let lost: Vec<(String, PostStatus)> =
            finals.iter().filter(|p| !FINAL.contains(&p.status)).map(|p| (p.id.clone(), p.status)).collect();
        let failed_without_reason = finals
            .iter()
            .filter(|p| {
                p.status == PostStatus::Failed && p.status_reason.as_deref().is_none_or(str::is_empty)
            })
            .count();
        let mut fail_reasons = BTreeMap::new();
        for post in finals.iter().filter(|p| matches!(p.status, PostStatus::Failed | PostStatus::Held)) {
            let reason = post.status_reason.clone().unwrap_or_default();
            let short: String = reason.chars().take(70).collect();
            *fail_reasons.entry(format!("{}: {short}", post.status.as_str())).or_default() += 1;
        }

        // Every NEEDS_ATTENTION needs a cause: a kill between the status it
        // left and the moment it was marked, or a dropped answer (init or
        // chunk) injected for its creator, each drop explaining one post.
        let mut budget = chaos.ambiguous.clone();
        let (mut na_by_kill, mut na_by_drop, mut na_unexplained) = (0, 0, Vec::new());
        let attention: Vec<&Post> =
            finals.iter().filter(|p| p.status == PostStatus::NeedsAttention).collect();
        for post in &attention {
            let marked = post.history.iter().rposition(|h| h.to == PostStatus::NeedsAttention);
            let window = marked.and_then(|i| {
                let left = post.history[..i].last().and_then(|h| at(&h.at))?;
                Some((left - time::Duration::seconds(2), at(&post.history[i].at)?))
            });
            let killed = window.is_some_and(|(from, to)| {
                chaos.kills.iter().chain(&chaos.crashes).any(|k| *k >= from && *k <= to)
            });
            let open_id = open_id_of.get(post.account_id.as_str()).copied().unwrap_or("");
            if killed {
                na_by_kill += 1;
            } else if let Some(left) = budget.get_mut(open_id).filter(|n| **n > 0) {
                *left -= 1;
                na_by_drop += 1;
            } else {
                na_unexplained.push(post.id.clone());
            }
        }
        let mut shapes = BTreeMap::new();
        for post in filed {
            let label = format!("{:?} {:?}", post.settings.kind, post.settings.post_mode).to_lowercase();
            *shapes.entry(label).or_default() += 1;
        }
        Self {
            statuses: by_status(finals),
            shapes,
            ledger_entries: entries.len(),
            duplicates,
            unexplained_ledger,
            phantom,
            on_tiktok_not_published,
            lost,
            failed_without_reason,
            needs_attention: attention.len(),
            na_by_kill,
            na_by_drop,
            na_unexplained,
            ambiguous_drops: chaos.ambiguous.values().sum(),
            fail_reasons,
        }
    }

    pub fn passed(&self) -> bool {
        self.duplicates == 0
            && self.unexplained_ledger == 0
            && self.phantom == 0
            && self.lost.is_empty()
            && self.failed_without_reason == 0
            && self.na_unexplained.is_empty()
    }

    pub fn print(&self, size: &Size, chaos: &Ledger, elapsed: Duration) {
        let row = |name: &str, value: String| println!("| {name:<44} | {value:<60} |");
        let check = |ok: bool| if ok { "ok" } else { "FAIL" };
        println!();
        println!("| {:<44} | {:<60} |", "chaos run", format!("seed {}", size.seed));
        println!("|{}|{}|", "-".repeat(46), "-".repeat(62));
        row("posts / accounts / tenants", format!("{} / {} / {}", size.posts, size.accounts, size.tenants));
        for (shape, n) in &self.shapes {
            row(&format!("  posts: {shape}"), n.to_string());
        }
        for (status, n) in &self.statuses {
            row(&format!("  final: {}", status.as_str()), n.to_string());
        }
        for (reason, n) in &self.fail_reasons {
            row(&format!("    {n} ×"), reason.clone());
        }
        row("ledger entries (TikTok)", self.ledger_entries.to_string());
        row("duplicates on TikTok", format!("{} {}", self.duplicates, check(self.duplicates == 0)));
        row(
            "ledger entries matching no post",
            format!("{} unexplained {}", self.unexplained_ledger, check(self.unexplained_ledger == 0)),
        );
        row("published without a ledger entry", format!("{} {}", self.phantom, check(self.phantom == 0)));
        row("on TikTok, post ended otherwise (HELD, ...)", self.on_tiktok_not_published.to_string());
        row(
            "lost (not final after the drain)",
            format!("{} {}", self.lost.len(), check(self.lost.is_empty())),
        );
        for (id, status) in self.lost.iter().take(10) {
            row("  lost", format!("{id} {}", status.as_str()));
        }
        row(
            "FAILED without a reason",
            format!("{} {}", self.failed_without_reason, check(self.failed_without_reason == 0)),
        );
        row(
            "NEEDS_ATTENTION",
            format!(
                "{}: {} after a kill/crash, {} after a dropped answer, {} unexplained {}",
                self.needs_attention,
                self.na_by_kill,
                self.na_by_drop,
                self.na_unexplained.len(),
                check(self.na_unexplained.is_empty())
            ),
        );
        for id in self.na_unexplained.iter().take(10) {
            row("  unexplained", id.clone());
        }
        row(
            "ambiguous faults injected",
            format!(
                "{} dropped answers, {} crashes, {} kills",
                self.ambiguous_drops,
                chaos.crashes.len(),
                chaos.kills.len()
            ),
        );
        row(
            "publishers killed mid-invocation (misses)",
            format!("{} ({})", chaos.kills.len(), chaos.kills_missed),
        );
        row("in-process invocations crashed (abandoned)", chaos.crashes.len().to_string());
        row("duplicate deliveries sent", chaos.duplicate_deliveries.to_string());
        row("extra dispatcher ticks (2-3 at once)", chaos.ticks.to_string());
        row("cancels through the api, by status", format!("{:?}", chaos.cancels));
        row("reschedules through the api, by status", format!("{:?}", chaos.reschedules));
        row("revoked mid-run", chaos.revoked_account.clone().unwrap_or_else(|| "-".into()));
        for (fault, n) in &chaos.faults {
            row(&format!("  fault {fault}"), n.to_string());
        }
        row("elapsed", format!("{:.0} s", elapsed.as_secs_f64()));
        row("seed", size.seed.to_string());
        println!();
    }
}
