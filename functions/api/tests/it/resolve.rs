//! `POST /posts/{id}/resolve` and the timeline `GET /posts/{id}` shows: a
//! post created through the API is walked by the pipeline's own store moves
//! to NEEDS_ATTENTION, then settled by its tenant — or by a webhook first.

use crate::common;

use common::{Call, Reply, World};
use serde_json::{json, Value};
use shared::post::{PostStatus, Transition};
use shared::schema::keys::due_shard;
use shared::tenant::TenantId;
use testkit::posts::walk;
use time::OffsetDateTime;

use PostStatus::*;

/// Stands for a publisher's lease owner: internal, never shown.
const LEASE_OWNER: &str = "publisher:lambda-7f3a9c:msg-0042";

const RETRY_REASON: &str = "resolved by the tenant: retry accepted, a duplicate on TikTok is possible";

/// A post created through the API, then moved by the pipeline to NEEDS_ATTENTION.
async fn post_needing_attention(w: &World) -> String {
    let id = w.created_post().await;
    let path = [Queued, Publishing, Initiating, NeedsAttention];
    let post = walk(&w.deps.posts, &w.tenant.id, &id, LEASE_OWNER, &path).await;
    assert_eq!(post.status, NeedsAttention);
    id
}

async fn resolve(w: &World, key: &str, id: &str, body: Value) -> Reply {
    w.call("POST", &format!("/posts/{id}/resolve"), Some(key), Some(body), &[]).await
}

async fn status_of(w: &World, id: &str) -> PostStatus {
    w.deps.posts.get(&w.tenant.id, id).await.expect("get").expect("post").status
}

/// Whether the post is filed in the due index between `from` and now.
async fn due_since(w: &World, id: &str, from: OffsetDateTime) -> bool {
    for minute in [from, OffsetDateTime::now_utc()] {
        let due = w.deps.posts.due_in(minute, due_shard(id), 1_000).await.expect("due index");
        if due.iter().any(|p| p.id == id) {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn each_outcome_settles_the_post_and_records_the_tenants_word() {
    let w = World::start().await;
    for (outcome, status, reason) in [
        ("published", "PUBLISHED", "resolved by the tenant: published on TikTok (note: seen on the profile)"),
        ("failed", "FAILED", "resolved by the tenant: failed (note: seen on the profile)"),
        ("retry", "SCHEDULED", &format!("{RETRY_REASON} (note: seen on the profile)")),
    ] {
        let id = post_needing_attention(&w).await;
        let before = OffsetDateTime::now_utc();
        let body = json!({"outcome": outcome, "note": "seen on the profile"});
        let reply = resolve(&w, &w.tenant.key, &id, body).await;
        assert_eq!(reply.status, 200, "{outcome}: {}", reply.text);
        assert_eq!(reply.body["status"], status, "{outcome}");
        assert_eq!(reply.body["status_reason"], reason, "{outcome}");
        assert_eq!(reply.body["resolve"], Value::Null, "{outcome}: settled, no hint");
        let last = reply.body["history"].as_array().expect("history").last().cloned().expect("a move");
        assert_eq!(last["from"], "NEEDS_ATTENTION");
        assert_eq!(last["to"], status);
        assert_eq!(last["by"], "api", "the tenant id is not shown");
        assert_eq!(last["reason"], reason);
        let stored = w.deps.posts.get(&w.tenant.id, &id).await.expect("get").expect("post");
        assert_eq!(stored.history.last().expect("a move").by, format!("api:{}", w.tenant.id));
        // Only a retry is filed for the dispatcher, due now.
        assert_eq!(due_since(&w, &id, before).await, outcome == "retry", "{outcome}");
    }
}

#[tokio::test]
async fn a_retry_without_a_note_says_a_duplicate_is_possible() {
    let w = World::start().await;
    let id = post_needing_attention(&w).await;
    let reply = resolve(&w, &w.tenant.key, &id, json!({"outcome": "retry"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["status"], "SCHEDULED");
    assert_eq!(reply.body["status_reason"], RETRY_REASON);
    assert_eq!(status_of(&w, &id).await, Scheduled);
}

#[tokio::test]
async fn only_a_post_that_needs_attention_can_be_resolved() {
    let w = World::start().await;
    let scheduled = w.created_post().await;
    let reply = resolve(&w, &w.tenant.key, &scheduled, json!({"outcome": "published"})).await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(reply.error_code(), "conflict");
    assert_eq!(reply.message(), "the post is SCHEDULED; only NEEDS_ATTENTION posts can be resolved");
    assert_eq!(status_of(&w, &scheduled).await, Scheduled);

    let id = post_needing_attention(&w).await;
    assert_eq!(resolve(&w, &w.tenant.key, &id, json!({"outcome": "failed"})).await.status, 200);
    let again = resolve(&w, &w.tenant.key, &id, json!({"outcome": "retry"})).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.message(), "the post is FAILED; only NEEDS_ATTENTION posts can be resolved");
    assert_eq!(status_of(&w, &id).await, Failed, "a resolution is final");
}

#[tokio::test]
async fn a_post_a_webhook_settled_meanwhile_is_a_409_naming_what_it_became() {
    let w = World::start().await;
    let id = post_needing_attention(&w).await;
    let read = w.deps.posts.get(&w.tenant.id, &id).await.expect("get").expect("post");
    let webhook = Transition::new(Published, "webhook", "published on TikTok");
    w.deps.posts.transition(&w.tenant.id, &id, NeedsAttention, webhook).await.expect("webhook settles");

    let tenant = TenantId::parse(&w.tenant.id).expect("tenant id");
    let retry = serde_json::from_value(json!({"outcome": "retry"})).expect("resolution");
    let err = api::resolve::apply(&w.deps, &tenant, read, &retry).await.expect_err("settled first");
    assert_eq!(err.code, shared::http_surface::ErrorCode::Conflict);
    assert_eq!(err.message, "the post was already settled as PUBLISHED meanwhile");
    let post = w.deps.posts.get(&w.tenant.id, &id).await.expect("get").expect("post");
    assert_eq!(post.status, Published);
    assert_eq!(post.history.last().expect("a move").by, "webhook", "the tenant's retry was not written");
}

#[tokio::test]
async fn concurrent_resolutions_settle_once_and_the_others_learn_the_outcome() {
    let w = World::start().await;
    let id = post_needing_attention(&w).await;
    let key = w.tenant.key.as_str();
    let (a, b, c, d) = tokio::join!(
        resolve(&w, key, &id, json!({"outcome": "published"})),
        resolve(&w, key, &id, json!({"outcome": "failed"})),
        resolve(&w, key, &id, json!({"outcome": "retry"})),
        resolve(&w, key, &id, json!({"outcome": "published"})),
    );
    let replies = [a, b, c, d];
    let winners: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(winners.len(), 1, "{replies:?}");
    let settled = winners[0].body["status"].as_str().expect("status").to_owned();
    for loser in replies.iter().filter(|r| r.status != 200) {
        assert_eq!(loser.status, 409, "{}", loser.text);
        assert!(loser.message().contains(&settled), "{} names {settled}", loser.message());
    }
    let post = w.deps.posts.get(&w.tenant.id, &id).await.expect("get").expect("post");
    assert_eq!(post.status.as_str(), settled);
    let resolutions = post.history.iter().filter(|e| e.from == Some(NeedsAttention)).count();
    assert_eq!(resolutions, 1, "one resolution in the history");
}

#[tokio::test]
async fn malformed_resolutions_are_refused_and_change_nothing() {
    let w = World::start().await;
    let id = post_needing_attention(&w).await;
    let path = format!("/posts/{id}/resolve");
    let long_note = "n".repeat(501);
    let cases: Vec<(String, &str)> = vec![
        (json!({"outcome": "maybe"}).to_string(), "unknown variant `maybe`"),
        (json!({"outcome": "PUBLISHED"}).to_string(), "unknown variant `PUBLISHED`"),
        (json!({}).to_string(), "missing field `outcome`"),
        (json!({"outcome": "retry", "force": true}).to_string(), "unknown field `force`"),
        (json!({"outcome": "retry", "note": 7}).to_string(), "invalid type"),
        (
            json!({"outcome": "retry", "note": long_note}).to_string(),
            "note is 501 characters; the limit is 500",
        ),
        (r#"{"outcome": "failed", "outcome": "retry"}"#.to_owned(), "duplicate field `outcome`"),
        (r#"{"outcome": "failed", "note": "a", "note": "b"}"#.to_owned(), "duplicate field `note`"),
        ("[\"retry\"]".to_owned(), "expected a JSON object"),
        ("[\"retry\", \"a note\"]".to_owned(), "expected a JSON object"),
        ("\"retry\"".to_owned(), "expected a JSON object"),
        ("outcome=retry".to_owned(), "invalid body"),
    ];
    for (body, expected) in &cases {
        let call = Call::new("POST", &path).bearer(&w.tenant.key).raw("application/json", body);
        let reply = w.send(call).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert_eq!(reply.error_code(), "bad_request");
        assert!(reply.message().contains(expected), "{body}: {:?} lacks {expected:?}", reply.message());
    }
    let form = Call::new("POST", &path).bearer(&w.tenant.key).raw("application/x-www-form-urlencoded", "a=b");
    assert_eq!(w.send(form).await.status, 415);
    let note_at_the_limit = json!({"outcome": "failed", "note": "é".repeat(500)});
    assert_eq!(status_of(&w, &id).await, NeedsAttention, "nothing was written");
    assert_eq!(resolve(&w, &w.tenant.key, &id, note_at_the_limit).await.status, 200, "500 characters fit");
}

#[tokio::test]
async fn another_tenants_post_is_a_404_and_ids_and_methods_are_checked() {
    let w = World::start().await;
    let id = post_needing_attention(&w).await;
    let other = w.new_tenant().await;
    let reply = resolve(&w, &other.key, &id, json!({"outcome": "retry"})).await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    assert_eq!(reply.message(), "no such post");
    let reply = resolve(&w, &w.tenant.key, "not-a-post", json!({"outcome": "retry"})).await;
    assert_eq!(reply.status, 400);
    let unauthenticated = w.call("POST", &format!("/posts/{id}/resolve"), None, Some(json!({})), &[]).await;
    assert_eq!(unauthenticated.status, 401);
    let get = w.call("GET", &format!("/posts/{id}/resolve"), Some(&w.tenant.key), None, &[]).await;
    assert_eq!(get.status, 405);
    assert_eq!(status_of(&w, &id).await, NeedsAttention);
}

#[tokio::test]
async fn the_timeline_shows_every_move_in_order_with_roles_only() {
    let w = World::start().await;
    let id = w.created_post().await;
    let (posts, tenant) = (&w.deps.posts, w.tenant.id.as_str());
    let s = shared::dynamo::s;
    let moves = [
        (Scheduled, Transition::new(Queued, "dispatcher", "due: sent to the publish queue")),
        (
            Queued,
            Transition::new(Publishing, LEASE_OWNER, "claimed for publishing")
                .with("lease_owner", s(LEASE_OWNER)),
        ),
        (
            Publishing,
            Transition::new(Initiating, LEASE_OWNER, "calling TikTok's init (attempt 1)")
                .with("attempts", aws_sdk_dynamodb::types::AttributeValue::N("1".into())),
        ),
        (
            Initiating,
            Transition::new(Uploading, LEASE_OWNER, "uploading").with("publish_id", s("v_pub_file~v2.7301")),
        ),
        (Uploading, Transition::new(NeedsAttention, "publisher", "the upload's outcome is unknown")),
    ];
    for (from, t) in moves {
        posts.transition(tenant, &id, from, t).await.expect("move");
    }

    let got = w.call("GET", &format!("/posts/{id}"), Some(&w.tenant.key), None, &[]).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert!(!got.text.contains("lambda-7f3a9c") && !got.text.contains(&w.tenant.id), "{}", got.text);
    let history = got.body["history"].as_array().expect("history");
    let seen: Vec<(Value, Value, Value)> =
        history.iter().map(|e| (e["from"].clone(), e["to"].clone(), e["by"].clone())).collect();
    assert_eq!(
        seen,
        vec![
            (Value::Null, json!("SCHEDULED"), json!("api")),
            (json!("SCHEDULED"), json!("QUEUED"), json!("dispatcher")),
            (json!("QUEUED"), json!("PUBLISHING"), json!("publisher")),
            (json!("PUBLISHING"), json!("INITIATING"), json!("publisher")),
            (json!("INITIATING"), json!("UPLOADING"), json!("publisher")),
            (json!("UPLOADING"), json!("NEEDS_ATTENTION"), json!("publisher")),
        ]
    );
    assert_eq!(history[3]["reason"], "calling TikTok's init (attempt 1)");
    let rfc3339 = time::format_description::well_known::Rfc3339;
    let times: Vec<OffsetDateTime> = history
        .iter()
        .map(|e| OffsetDateTime::parse(e["at"].as_str().expect("at"), &rfc3339).expect("time"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in order: {times:?}");
    assert_eq!(got.body["publish_id"], "v_pub_file~v2.7301");
    assert_eq!(got.body["attempts"], 1);
    assert_eq!(got.body["post_ids"], json!([]));
    assert_eq!(got.body["status_reason"], "the upload's outcome is unknown");
    assert_eq!(
        got.body["resolve"],
        json!({"method": "POST", "path": format!("/posts/{id}/resolve"),
               "outcomes": ["published", "failed", "retry"]})
    );

    let resolved = resolve(&w, &w.tenant.key, &id, json!({"outcome": "published"})).await;
    let post = posts.get(tenant, &id).await.expect("get").expect("post");
    assert!(posts.add_public_post_id(&post, "7301000000000000001").await.expect("post id"));
    let got = w.call("GET", &format!("/posts/{id}"), Some(&w.tenant.key), None, &[]).await;
    assert_eq!(got.body["history"].as_array().expect("history").len(), 7);
    assert_eq!(got.body["history"][6], resolved.body["history"][6]);
    assert_eq!(got.body["post_ids"], json!(["7301000000000000001"]));
    assert_eq!(got.body["resolve"], Value::Null);
    let listed = w.call("GET", "/posts", Some(&w.tenant.key), None, &[]).await;
    assert_eq!(listed.body["posts"][0], got.body, "the list shows the same view");
}

#[tokio::test]
async fn the_openapi_document_describes_the_resolution_and_the_timeline() {
    let w = World::start().await;
    let doc = w.call("GET", "/openapi.json", None, None, &[]).await.body;
    let op = &doc["paths"]["/posts/{id}/resolve"]["post"];
    assert!(op["responses"]["409"].is_object(), "{op}");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["Outcome"]["enum"], json!(["published", "failed", "retry"]), "{}", schemas["Outcome"]);
    assert_eq!(schemas["Resolution"]["required"], json!(["outcome"]));
    for field in ["history", "publish_id", "post_ids", "attempts", "status_reason", "resolve"] {
        assert!(schemas["PostView"]["properties"][field].is_object(), "PostView.{field}");
    }
    for field in ["from", "to", "at", "by", "reason"] {
        assert!(schemas["TimelineEntry"]["properties"][field].is_object(), "TimelineEntry.{field}");
    }
}
