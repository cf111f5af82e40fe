//! TikTok's limits as the pipeline meets them: the per-token init rate
//! shared by concurrent publisher invocations, and the creator's daily cap.
//! A full window or day is a wait (`RETRY_WAIT`), never a failure.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use foundation::time_format::{iso_date, minute_bucket};
use serde_json::{json, Value};
use shared::dynamo::s;
use shared::media::ContentType;
use shared::post::{Post, PostKind, PostMode, PostStatus, Transition};
use shared::schema;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, Time};

use crate::world::World;

const DONE: &[PostStatus] =
    &[PostStatus::Published, PostStatus::InboxDelivered, PostStatus::Failed, PostStatus::NeedsAttention];

/// A sandbox fault rule scoped to one creator, tagged so this test finds
/// (and counts) its own rule among those of tests running beside it.
pub struct Rule {
    pub tag: String,
}

impl Rule {
    /// Adds `spec` for calls made for `open_id` only.
    pub async fn add(w: &World, open_id: &str, mut spec: Value) -> Self {
        let tag = format!("h1-{}", ulid::Ulid::new());
        spec["open_id"] = json!(open_id);
        spec["message"] = json!(tag);
        let answer =
            w.http.post(format!("{}/_sandbox/faults", w.sandbox)).json(&spec).send().await.expect("fault");
        assert!(answer.status().is_success(), "fault {spec}: {}", answer.text().await.unwrap_or_default());
        Self { tag }
    }

    /// A rule that changes nothing and counts the creator's calls to `endpoint`.
    pub async fn counter(w: &World, open_id: &str, endpoint: &str) -> Self {
        let spec = json!({"endpoint": endpoint, "kind": "latency", "latency_ms": 0, "probability": 1.0});
        Self::add(w, open_id, spec).await
    }

    /// How often the rule fired (for a counter: the calls made); `None`
    /// once gone (a `count` rule is dropped when used up).
    pub async fn fired(&self, w: &World) -> u64 {
        self.listed(w).await.unwrap_or(0)
    }

    async fn listed(&self, w: &World) -> Option<u64> {
        let faults: Value = w
            .http
            .get(format!("{}/_sandbox/faults", w.sandbox))
            .send()
            .await
            .expect("faults")
            .json()
            .await
            .expect("json");
        faults["faults"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .find(|r| r["spec"]["message"] == self.tag.as_str())
            .map(|r| r["fired"].as_u64().unwrap_or(0))
    }

    /// Whether a `count` rule has fired as often as it was set to.
    pub async fn used_up(&self, w: &World) -> bool {
        self.listed(w).await.is_none()
    }
}

/// Clears every sandbox fault scoped to `open_id` (left by an earlier run).
pub async fn clear_rules(w: &World, open_id: &str) {
    let mut url = url::Url::parse(&format!("{}/_sandbox/faults", w.sandbox)).expect("url");
    url.query_pairs_mut().append_pair("open_id", open_id);
    let answer = w.http.delete(url).send().await.expect("clear faults");
    assert!(answer.status().is_success(), "clear faults: {}", answer.status());
}

fn table() -> String {
    std::env::var("TABLE_NAME").expect("TABLE_NAME")
}

/// The shared limiter counter of `account` (`kind`: init, posts, ...) in `window`.
pub async fn counter(w: &World, account: &str, kind: &str, window: &str) -> u64 {
    let (pk, sk) = schema::keys::account_calls(account, kind, window);
    let item = w
        .aws
        .dynamodb()
        .get_item()
        .table_name(table())
        .key(schema::PK, s(pk))
        .key(schema::SK, s(sk))
        .consistent_read(true)
        .send()
        .await
        .expect("counter")
        .item;
    item.and_then(|i| i.get("count").and_then(|c| c.as_n().ok()).and_then(|n| n.parse().ok())).unwrap_or(0)
}

fn at(entry: &str) -> OffsetDateTime {
    OffsetDateTime::parse(entry, &Rfc3339).expect("rfc3339")
}

fn minute_start(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_time(Time::from_hms(t.hour(), t.minute(), 0).expect("time"))
}

/// The times the post was moved to `to`.
fn moves_to(post: &Post, to: PostStatus) -> Vec<OffsetDateTime> {
    post.history.iter().filter(|h| h.to == to).map(|h| at(&h.at)).collect()
}

/// Ticks the dispatcher until none of `posts` is `SCHEDULED` any more (each
/// tick queues what is due within the next minute).
pub async fn queue_all(w: &World, posts: &[Post], limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let mut waiting = 0;
        for post in posts {
            let now = w.posts.get(&post.tenant, &post.id).await.expect("read").expect("post");
            waiting += usize::from(now.status == PostStatus::Scheduled);
        }
        if waiting == 0 {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{waiting} posts never queued");
        w.tick().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Ticks until every post reaches one of `statuses`.
async fn until_all(w: &World, posts: &[Post], statuses: &[PostStatus], limit: Duration) -> Vec<Post> {
    let mut done = Vec::new();
    for post in posts {
        done.push(w.until(post, statuses, limit).await);
    }
    done
}

#[tokio::test]
async fn seven_posts_due_in_one_minute_get_six_inits_across_concurrent_publishers_and_the_seventh_waits() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_01").await;
    clear_rules(&w, &account.open_id).await;
    let video = w.media(&tenant, ContentType::Mp4, testkit::media_files::mp4(320, 240, 30, 30, true)).await;

    // Seven posts one second apart, early in a minute at least 20 s away, so
    // every init of the first attempt falls in that minute (the window).
    let now = OffsetDateTime::now_utc();
    let minute = minute_start(now + time::Duration::seconds(20)) + time::Duration::minutes(1);
    let first = minute + time::Duration::seconds(5);
    // A slow init keeps each invocation busy for seconds: the pollers pick
    // the later messages up in other invocations running at the same time.
    let slow = Rule::add(
        &w,
        &account.open_id,
        json!({"endpoint": "video_init", "kind": "latency", "latency_ms": 8000, "probability": 1.0}),
    )
    .await;
    let day = iso_date(first.date());
    let daily_before = counter(&w, &account.id, "posts", &day).await;
    let mut posts = Vec::new();
    for i in 0..7 {
        let in_secs = (first + time::Duration::seconds(i) - OffsetDateTime::now_utc()).whole_seconds();
        posts.push(
            w.post(
                &tenant,
                &account,
                PostKind::Video,
                PostMode::DirectPost,
                std::slice::from_ref(&video),
                in_secs,
            )
            .await,
        );
    }

    queue_all(&w, &posts, Duration::from_secs(150)).await;
    let done = until_all(&w, &posts, DONE, Duration::from_secs(240)).await;
    let slow_inits = slow.fired(&w).await;
    clear_rules(&w, &account.open_id).await;

    for post in &done {
        assert_eq!(post.status, PostStatus::Published, "{}: {:?}", post.id, post.status_reason);
        assert!(moves_to(post, PostStatus::Failed).is_empty(), "never failed: {:?}", post.history);
    }
    // Six inits in the minute.
    let next = minute + time::Duration::minutes(1);
    let initiated_in_minute =
        done.iter().flat_map(|p| moves_to(p, PostStatus::Initiating)).filter(|t| *t >= minute && *t < next);
    assert_eq!(initiated_in_minute.count(), 6, "inits in {}", minute_bucket(minute));

    // The seventh waited for the next window: RETRY_WAIT (not a failure),
    // queued again by the dispatcher, claimed and initiated from then on.
    let waited: Vec<&Post> = done.iter().filter(|p| !moves_to(p, PostStatus::RetryWait).is_empty()).collect();
    assert_eq!(
        waited.len(),
        1,
        "exactly one post waited: {:?}",
        done.iter().map(|p| &p.history).collect::<Vec<_>>()
    );
    let seventh = waited[0];
    let wait = seventh.history.iter().find(|h| h.to == PostStatus::RetryWait).expect("retry wait");
    assert_eq!(wait.from, Some(PostStatus::Publishing), "stopped before init");
    assert!(wait.reason.contains("init rate limit"), "{}", wait.reason);
    assert!(at(&wait.at) < next, "limited within the minute");
    let initiated = moves_to(seventh, PostStatus::Initiating);
    assert_eq!(initiated.len(), 1, "initiated once: {:?}", seventh.history);
    assert!(initiated[0] >= next, "the seventh init waited for {}", minute_bucket(next));
    // Claimed, limited, claimed again — perhaps limited once more: a slot
    // counts from its init's answer, which can come after the seventh was
    // told when the window would open. Every wait is the init limit's.
    let claims = moves_to(seventh, PostStatus::Publishing);
    assert!(claims.len() >= 2, "claimed, limited, claimed again: {:?}", seventh.history);
    for wait in seventh.history.iter().filter(|h| h.to == PostStatus::RetryWait) {
        assert_eq!(wait.from, Some(PostStatus::Publishing), "{:?}", seventh.history);
        assert!(wait.reason.contains("init rate limit"), "{:?}", seventh.history);
    }
    // Each wait ends when a slot frees and the next dispatcher tick requeues
    // the post: a few minutes at most, on a busy runner too.
    let last = claims.last().copied().expect("claims");
    assert!(last >= next && last < next + time::Duration::minutes(3), "retried at the next windows: {last}");

    // Exactly one TikTok post per scheduled post, and one init each.
    let ledger = w.ledger_of(&account.open_id).await;
    let mut ids = HashSet::new();
    for post in &done {
        let publish_id = post.publish_id.clone().expect("publish id");
        let entries = ledger.iter().filter(|e| e["publish_id"] == publish_id.as_str()).count();
        assert_eq!(entries, 1, "ledger entries of {publish_id}");
        ids.insert(publish_id);
    }
    assert_eq!(ids.len(), 7);
    assert_eq!(slow_inits, 7, "video inits made for the creator");
    // The daily count holds the seven posts, not the refused attempt.
    assert_eq!(counter(&w, &account.id, "posts", &day).await - daily_before, 7, "posts counted for the day");

    // At least three publisher invocations ran at once: each invocation is
    // one function process (`publisher:{ulid}` in the lease owner) handling
    // its batch, and three claims by three processes overlapped in time.
    let mut spans: BTreeMap<String, Vec<(OffsetDateTime, OffsetDateTime)>> = BTreeMap::new();
    for post in done.iter().filter(|p| moves_to(p, PostStatus::RetryWait).is_empty()) {
        let owner = post.lease_owner.clone().expect("lease owner");
        let process = owner.rsplit_once(':').map(|(p, _)| p.to_owned()).expect("process");
        let claimed = moves_to(post, PostStatus::Publishing)[0];
        let handed_over = moves_to(post, PostStatus::Processing)[0];
        spans.entry(process).or_default().push((claimed, handed_over));
    }
    let most = done
        .iter()
        .flat_map(|p| moves_to(p, PostStatus::Publishing))
        .map(|t| spans.values().filter(|s| s.iter().any(|(a, b)| *a <= t && t <= *b)).count())
        .max()
        .unwrap_or(0);
    assert!(most >= 3, "at most {most} publisher invocations overlapped: {spans:?}");
}

#[tokio::test]
async fn a_creator_at_the_daily_cap_waits_for_the_next_utc_day_without_an_init() {
    let w = World::start().await;
    // Too close to midnight the day would change under the test.
    let now = OffsetDateTime::now_utc();
    let midnight = now.replace_time(Time::MIDNIGHT) + time::Duration::days(1);
    if midnight - now < time::Duration::minutes(2) {
        tokio::time::sleep(Duration::try_from(midnight - now).expect("wait") + Duration::from_secs(5)).await;
    }
    let (tenant, account) = w.connect("pool_02").await;
    clear_rules(&w, &account.open_id).await;
    let cap: u64 = std::env::var("LIMIT_POSTS_PER_DAY").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    let today = OffsetDateTime::now_utc();
    let (pk, sk) = schema::keys::account_calls(&account.id, "posts", &iso_date(today.date()));
    w.aws
        .dynamodb()
        .put_item()
        .table_name(table())
        .item(schema::PK, s(pk))
        .item(schema::SK, s(sk))
        .item("count", AttributeValue::N(cap.to_string()))
        .item(schema::TTL_ATTRIBUTE, AttributeValue::N((today.unix_timestamp() + 2 * 86_400).to_string()))
        .send()
        .await
        .expect("the day's posts");
    let inits = Rule::counter(&w, &account.open_id, "video_init").await;
    let published_before = w.ledger_of(&account.open_id).await.len();

    let video = w.media(&tenant, ContentType::Mp4, testkit::media_files::mp4(320, 240, 30, 30, true)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let mut waiting = DONE.to_vec();
    waiting.push(PostStatus::RetryWait);
    let waiting = w.until(&post, &waiting, Duration::from_secs(180)).await;
    let fired = inits.fired(&w).await;
    clear_rules(&w, &account.open_id).await;

    assert_eq!(waiting.status, PostStatus::RetryWait, "{:?}", waiting.status_reason);
    let reason = waiting.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("daily post cap"), "{reason}");
    assert!(moves_to(&waiting, PostStatus::Initiating).is_empty(), "no init: {:?}", waiting.history);
    assert_eq!(fired, 0, "no init reached TikTok");
    assert_eq!(w.ledger_of(&account.open_id).await.len(), published_before, "nothing published");
    // Filed for the dispatcher at the next UTC midnight, plus a few seconds
    // of jitter so a creator's posts do not all come back at once.
    let (pk, sk) = schema::keys::post(&post.tenant, &post.id);
    let item = w
        .aws
        .dynamodb()
        .get_item()
        .table_name(table())
        .key(schema::PK, s(pk))
        .key(schema::SK, s(sk))
        .consistent_read(true)
        .send()
        .await
        .expect("post item")
        .item
        .expect("post");
    let filed = item.get(schema::GSI_BY_TIME_SK).and_then(|v| v.as_s().ok()).expect("in the due index");
    let retry_at = at(filed.split_once('#').expect("sort key").0);
    let day = at(&waiting.history.last().expect("history").at).replace_time(Time::MIDNIGHT);
    let next_day = day + time::Duration::days(1);
    assert!(
        retry_at >= next_day && retry_at < next_day + time::Duration::seconds(6),
        "retry at {retry_at}, the next day starts {next_day}"
    );
    // The day's count is not raised by a post that did not start.
    assert_eq!(counter(&w, &account.id, "posts", &iso_date(today.date())).await, cap);

    // Leave the stack as found: the tenant cancels the waiting post.
    let cancel = Transition::new(PostStatus::Cancelled, "test", "cancelled by the test");
    w.posts.transition(&post.tenant, &post.id, PostStatus::RetryWait, cancel).await.expect("cancel");
}

/// A slot counts from the init's answer, not from when it was taken: TikTok's
/// minute starts when the call arrives, which on a busy publisher can be
/// seconds after the slot was taken.
#[tokio::test]
async fn an_init_slot_reopens_a_window_after_tiktoks_answer_not_after_it_was_taken() {
    use publisher::config::Limits;
    use publisher::limits::{Call, Limiter, WINDOW};

    let w = World::start().await;
    let table = std::env::var("TABLE_NAME").expect("TABLE_NAME");
    let limits =
        Limits { init_per_minute: 1, creator_info_per_minute: 1, status_per_minute: 1, posts_per_day: 1 };
    let limiter = Limiter::new(w.aws.dynamodb(), table, limits);
    let account = format!("limits-{}", ulid::Ulid::new());
    let taken = OffsetDateTime::now_utc().replace_nanosecond(0).expect("whole second");
    let answered = taken + time::Duration::seconds(9);

    assert_eq!(limiter.take(&account, Call::Init, taken).await.expect("take"), None, "the one slot");
    limiter.settle(&account, Call::Init, taken, answered).await.expect("settle");
    let after_taken = taken + WINDOW + time::Duration::seconds(1);
    let refused = limiter.take(&account, Call::Init, after_taken).await.expect("take");
    assert_eq!(refused, Some(answered + WINDOW), "still counted a window after the answer");
    let after_answer = answered + WINDOW + time::Duration::seconds(1);
    assert_eq!(limiter.take(&account, Call::Init, after_answer).await.expect("take"), None);

    // A slot already reused keeps its new holder's time.
    limiter.settle(&account, Call::Init, taken, answered + time::Duration::hours(1)).await.expect("settle");
    let refused =
        limiter.take(&account, Call::Init, after_answer + time::Duration::seconds(1)).await.expect("take");
    assert_eq!(refused, Some(after_answer + WINDOW));
}
