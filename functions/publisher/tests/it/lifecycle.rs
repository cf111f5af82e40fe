//! What happens to an account and its posts around the pipeline: a token
//! that expires at TikTok between queueing and init, a refresh TikTok
//! refuses, a message no publisher can read, and a creator who removes the
//! app and connects again.

use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::{json, Value};
use shared::account::{Account, AccountStatus};
use shared::media::ContentType;
use shared::post::{Post, PostKind, PostMode, PostStatus};
use shared::tenant::{TenantId, TenantStore};

use crate::limits::{clear_rules, Rule};
use crate::world::World;

const DONE: &[PostStatus] = &[
    PostStatus::Published,
    PostStatus::InboxDelivered,
    PostStatus::Failed,
    PostStatus::NeedsAttention,
    PostStatus::Held,
];

async fn account(w: &World, id: &str) -> Account {
    w.accounts.get(id).await.expect("read").expect("account")
}

async fn read(w: &World, post: &Post) -> Post {
    w.posts.get(&post.tenant, &post.id).await.expect("read").expect("post")
}

/// Ticks the dispatcher until the post has left `SCHEDULED`.
async fn queued(w: &World, post: &Post) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while read(w, post).await.status == PostStatus::Scheduled {
        assert!(tokio::time::Instant::now() < deadline, "never queued");
        w.tick().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Polls `check` until it holds.
async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn sandbox_post(w: &World, path: &str) -> Value {
    let answer = w.http.post(format!("{}{path}", w.sandbox)).send().await.expect("sandbox");
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
    answer.json().await.expect("json")
}

#[tokio::test]
async fn an_access_token_expiring_at_tiktok_after_queueing_is_refreshed_and_the_post_published_once() {
    let w = World::start().await;
    let (tenant, connected) = w.connect("pool_03").await;
    clear_rules(&w, &connected.open_id).await;
    let inits = Rule::counter(&w, &connected.open_id, "video_init").await;
    let refreshes = Rule::counter(&w, &connected.open_id, "token").await;
    let video = w.media(&tenant, ContentType::Mp4, testkit::media_files::mp4(320, 240, 30, 30, true)).await;
    // Far enough ahead that the message is still delayed in the queue when
    // the token runs out, on a runner busy with other tests too.
    let post = w.post(&tenant, &connected, PostKind::Video, PostMode::DirectPost, &[video], 60).await;
    queued(&w, &post).await;
    // Queued, not yet initiated: TikTok's side of the access token runs out
    // although our record says it still lives for a day.
    assert_eq!(read(&w, &post).await.status, PostStatus::Queued);
    let expired = sandbox_post(&w, &format!("/_sandbox/accounts/{}/expire", connected.open_id)).await;
    assert!(expired["expired_tokens"].as_u64().unwrap_or(0) >= 1, "{expired}");

    let done = w.until(&post, DONE, Duration::from_secs(180)).await;
    let (inits, refreshes) = (inits.fired(&w).await, refreshes.fired(&w).await);
    clear_rules(&w, &connected.open_id).await;
    assert_eq!(done.status, PostStatus::Published, "{:?} {:?}", done.status_reason, done.history);
    let publish_id = done.publish_id.clone().expect("publish id");
    assert_eq!(w.ledger(&publish_id).await.len(), 1, "exactly one TikTok post");
    assert_eq!(inits, 1, "one init");
    assert_eq!(refreshes, 1, "one refresh through the token vault");
    let now = account(&w, &connected.id).await;
    assert_eq!(now.status, AccountStatus::Active);
    assert!(now.token_version > connected.token_version, "the rotated tokens are stored");
}

#[tokio::test]
async fn a_revoked_refresh_token_holds_the_post_and_the_account_needs_reauthorisation() {
    let w = World::start().await;
    let (tenant, connected) = w.connect("pool_04").await;
    clear_rules(&w, &connected.open_id).await;
    let inits = Rule::counter(&w, &connected.open_id, "video_init").await;
    let video = w.media(&tenant, ContentType::Mp4, testkit::media_files::mp4(320, 240, 30, 30, true)).await;
    // The creator's tokens are revoked at TikTok when the publisher asks
    // for creator_info (after the post was queued, before init): that call
    // fails with 401, and so does the refresh.
    let revoke = json!({"endpoint": "creator_info", "kind": "revoke_token", "count": 1});
    let revoked = Rule::add(&w, &connected.open_id, revoke).await;
    let published_before = w.ledger_of(&connected.open_id).await.len();
    let post = w.post(&tenant, &connected, PostKind::Video, PostMode::DirectPost, &[video], 6).await;
    queued(&w, &post).await;

    let done = w.until(&post, DONE, Duration::from_secs(180)).await;
    let (inits, revoked) = (inits.fired(&w).await, revoked.used_up(&w).await);
    clear_rules(&w, &connected.open_id).await;
    assert!(revoked, "the revocation happened during the run");
    assert_eq!(done.status, PostStatus::Held, "{:?} {:?}", done.status_reason, done.history);
    let reason = done.status_reason.clone().unwrap_or_default();
    assert!(reason.starts_with("the account needs to be connected again"), "{reason}");
    assert!(!done.history.iter().any(|h| h.to == PostStatus::Failed), "never failed");
    assert_eq!(inits, 0, "no init after the revocation");
    assert_eq!(w.ledger_of(&connected.open_id).await.len(), published_before, "nothing published");
    eventually("REAUTH_REQUIRED", Duration::from_secs(30), || async {
        account(&w, &connected.id).await.status == AccountStatus::ReauthRequired
    })
    .await;
}

#[tokio::test]
async fn a_poison_message_reaches_the_dead_letter_queue_after_max_receive_count() {
    let w = World::start().await;
    let queue = std::env::var("PUBLISH_QUEUE_URL").expect("PUBLISH_QUEUE_URL");
    let dlq = std::env::var("PUBLISH_DEAD_LETTER_QUEUE_URL").expect("PUBLISH_DEAD_LETTER_QUEUE_URL");
    // Not a publish message: no publisher can ever handle it.
    let body = format!("{{\"kind\":\"Unpublishable\",\"marker\":\"poison-{}\"}}", ulid::Ulid::new());
    w.aws.sqs().send_message().queue_url(&queue).message_body(&body).send().await.expect("send");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(200);
    let found = loop {
        // Peek without hiding other tests' dead letters from them.
        let answer = w
            .aws
            .sqs()
            .receive_message()
            .queue_url(&dlq)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .wait_time_seconds(2)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await
            .expect("receive");
        if let Some(m) = answer.messages().iter().find(|m| m.body() == Some(body.as_str())) {
            break m.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "the poison message never reached the DLQ");
    };
    let received = found
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount))
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    let max: u32 = std::env::var("STACK_PARAMETER_OVERRIDES")
        .ok()
        .and_then(|o| {
            o.split_whitespace().find_map(|kv| kv.strip_prefix("PublishMaxReceiveCount=").map(str::to_owned))
        })
        .and_then(|n| n.trim_matches('"').parse().ok())
        .unwrap_or(3);
    assert!(received >= max, "received {received} times before the DLQ (maxReceiveCount {max})");
    // Out of the publish queue for good.
    w.aws
        .sqs()
        .delete_message()
        .queue_url(&dlq)
        .receipt_handle(found.receipt_handle().expect("handle"))
        .send()
        .await
        .expect("delete");
}

/// A tenant that may connect `username` through the oauth function: the
/// creator's current owner if an earlier run connected it, else a new one.
async fn tenant_for(w: &World, tenants: &TenantStore, open_id: Option<&str>) -> (TenantId, String) {
    let owner = match open_id {
        Some(id) => w.accounts.by_open_id(id).await.expect("owner"),
        None => None,
    };
    match owner {
        Some(account) => {
            let tenant = TenantId::parse(&account.tenant).expect("tenant");
            let key = tenants.issue_key(&tenant).await.expect("key");
            (tenant, key.key.expose_secret().to_owned())
        }
        None => {
            let (tenant, key) = tenants.create_tenant("reconnect test").await.expect("tenant");
            (tenant, key.key.expose_secret().to_owned())
        }
    }
}

/// The whole browser flow through the oauth function under watch: start the
/// login with the tenant's key, consent at TikTok as `username`, follow
/// TikTok's redirect to the callback. Returns the connected account's id.
async fn oauth_connect(w: &World, key: &str, username: &str) -> String {
    let oauth = std::env::var("OAUTH_URL").expect("OAUTH_URL");
    let login: Value = w
        .http
        .get(format!("{oauth}/connect/tiktok?return_to=http://localhost:3000/connected"))
        .bearer_auth(key)
        .header("accept", "application/json")
        .send()
        .await
        .expect("connect")
        .json()
        .await
        .expect("json");
    let mut authorize =
        url::Url::parse(login["authorize_url"].as_str().expect("authorize_url")).expect("url");
    authorize.query_pairs_mut().append_pair("sandbox_user", username);
    let consent = w.http.get(authorize).send().await.expect("authorize");
    let back = consent.headers()["location"].to_str().expect("location").to_owned();
    let done = w.http.get(&back).send().await.expect("callback");
    assert_eq!(done.status(), 302, "{}", done.text().await.unwrap_or_default());
    let to = url::Url::parse(done.headers()["location"].to_str().expect("location")).expect("url");
    to.query_pairs()
        .find(|(k, _)| k == "account_id")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("not connected: {to}"))
}

#[tokio::test]
async fn reconnecting_after_authorization_removed_resumes_held_posts_and_they_publish() {
    let w = World::start().await;
    let tenants = TenantStore::new(w.aws.dynamodb(), std::env::var("TABLE_NAME").expect("TABLE_NAME"));
    let creators: Value = w
        .http
        .get(format!("{}/_sandbox/creators", w.sandbox))
        .send()
        .await
        .expect("creators")
        .json()
        .await
        .expect("json");
    let open_id = creators
        .as_array()
        .or_else(|| creators["creators"].as_array())
        .and_then(|all| all.iter().find(|c| c["username"] == "pool_05"))
        .and_then(|c| c["open_id"].as_str())
        .map(str::to_owned);
    let (tenant, key) = tenant_for(&w, &tenants, open_id.as_deref()).await;
    let id = oauth_connect(&w, &key, "pool_05").await;
    let connected = account(&w, &id).await;
    assert_eq!(connected.tenant, tenant.as_str());
    assert_eq!(connected.status, AccountStatus::Active);

    let video = w.media(&tenant, ContentType::Mp4, testkit::media_files::mp4(320, 240, 30, 30, true)).await;
    // Far enough ahead to be held and resumed before its time.
    let post = w.post(&tenant, &connected, PostKind::Video, PostMode::DirectPost, &[video], 75).await;
    let due = time::OffsetDateTime::parse(&post.scheduled_at, &time::format_description::well_known::Rfc3339)
        .expect("due");

    // The creator removes the app at TikTok: TikTok revokes the tokens and
    // sends the signed authorization.removed webhook to the webhooks function.
    sandbox_post(&w, &format!("/_sandbox/accounts/{}/revoke", connected.open_id)).await;
    eventually("the account needs re-authorisation", Duration::from_secs(120), || async {
        account(&w, &id).await.status == AccountStatus::ReauthRequired
    })
    .await;
    eventually("the post is held", Duration::from_secs(30), || async {
        read(&w, &post).await.status == PostStatus::Held
    })
    .await;
    assert!(account(&w, &id).await.sealed_access_token.is_none(), "tokens deleted");

    // The same creator connects again to the same tenant.
    let again = oauth_connect(&w, &key, "pool_05").await;
    assert_eq!(again, id, "the same TikTok account is the same account");
    assert_eq!(account(&w, &id).await.status, AccountStatus::Active);
    let resumed = read(&w, &post).await;
    assert!(
        time::OffsetDateTime::now_utc() < due,
        "the test was too slow to resume the post before its time"
    );
    assert_eq!(resumed.status, PostStatus::Scheduled, "{:?}", resumed.history);
    let last = resumed.history.last().expect("history");
    assert_eq!((last.from, last.by.as_str()), (Some(PostStatus::Held), "reconnect"));

    // And the pipeline publishes it with the new tokens, once.
    let done = w.until(&post, DONE, Duration::from_secs(240)).await;
    assert_eq!(done.status, PostStatus::Published, "{:?} {:?}", done.status_reason, done.history);
    let trail: Vec<PostStatus> = done.history.iter().map(|h| h.to).collect();
    assert_eq!(
        trail[..3],
        [PostStatus::Scheduled, PostStatus::Held, PostStatus::Scheduled],
        "held, resumed, then published: {trail:?}"
    );
    assert_eq!(w.ledger(done.publish_id.as_deref().expect("publish id")).await.len(), 1);
}
