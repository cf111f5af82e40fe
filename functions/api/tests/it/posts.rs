//! Posts end to end through the handler: validation against the real media
//! records and the creator's live creator_info (private sandbox), the
//! idempotency key, edits, cancel, listing and tenant isolation.

use crate::common;

use common::{in_minutes, media_files, video_post, World};
use serde_json::{json, Value};

#[tokio::test]
async fn a_valid_post_is_scheduled_with_its_history_and_listed() {
    let w = World::start().await;
    let account = w.connect(&w.tenant, "travel_tom").await;
    let media = w.ready_video(&w.tenant, 10).await;
    let created =
        w.call("POST", "/posts", Some(&w.tenant.key), Some(video_post(&account, &media)), &[]).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["status"], "SCHEDULED");
    let id = created.body["id"].as_str().expect("id");
    let got = w.call("GET", &format!("/posts/{id}"), Some(&w.tenant.key), None, &[]).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["history"][0]["to"], "SCHEDULED");
    assert_eq!(got.body["history"][0]["reason"], "created");
    let listed = w
        .call("GET", &format!("/posts?account_id={account}&status=SCHEDULED"), Some(&w.tenant.key), None, &[])
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["posts"].as_array().expect("posts").len(), 1);
}

#[tokio::test]
async fn every_post_rule_answers_with_its_exact_error() {
    let w = World::start().await;
    let account = w.connect(&w.tenant, "travel_tom").await;
    let private = w.connect(&w.tenant, "private_pat").await;
    let video = w.ready_video(&w.tenant, 10).await;
    let long_video = w.ready_video(&w.tenant, 90).await;
    let photo = w.media(&w.tenant, "photo", "image/jpeg", media_files::jpeg(1080, 1350)).await;
    let pending = {
        let r = w
            .call(
                "POST",
                "/media",
                Some(&w.tenant.key),
                Some(json!({"kind": "video", "content_type": "video/mp4", "size_bytes": 100})),
                &[],
            )
            .await;
        r.body["media_id"].as_str().expect("id").to_owned()
    };
    let rejected =
        w.media(&w.tenant, "video", "video/mp4", media_files::mp4(1080, 1920, 120, 600, true)).await;
    let base = video_post(&account, &video);
    let with = |patch: Value| {
        let mut body = base.clone();
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (with(json!({"caption": "😀".repeat(1101)})), 400, "caption is 2202 UTF-16 units; the limit is 2200"),
        (with(json!({"scheduled_at": in_minutes(-5)})), 400, "must be at least 60 s in the future"),
        (
            with(json!({"scheduled_at": in_minutes(60 * 24 * 100)})),
            400,
            "beyond the scheduling horizon of 90 days",
        ),
        (with(json!({"scheduled_at": "next tuesday"})), 400, "is not an RFC 3339 time"),
        (with(json!({"privacy_level": "EVERYONE"})), 400, "privacy_level \"EVERYONE\" is not one of"),
        (with(json!({"media_ids": [pending]})), 422, "is not uploaded yet"),
        (with(json!({"media_ids": [rejected]})), 422, "was rejected: video runs at 120.00 fps"),
        (with(json!({"media_ids": [video, video]})), 400, "takes 1..=1 media ids, got 2"),
        (with(json!({"media_ids": [photo]})), 400, "is a photo, not a video"),
        (
            with(json!({"kind": "photo", "media_ids": vec![photo.clone(); 36]})),
            400,
            "takes 1..=35 media ids, got 36",
        ),
        (
            with(json!({"kind": "photo", "media_ids": [photo], "caption": "t".repeat(91)})),
            400,
            "caption (photo title) is 91",
        ),
        (with(json!({"description": "only for photos"})), 400, "description is for photo posts"),
        (with(json!({"media_ids": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]})), 422, "does not exist"),
        (
            with(json!({"account_id": private})),
            422,
            "privacy_level PUBLIC_TO_EVERYONE is not offered by this creator now",
        ),
        (
            with(
                json!({"account_id": private, "privacy_level": "SELF_ONLY", "media_ids": [long_video], "disable_duet": true, "disable_stitch": true}),
            ),
            422,
            "the video lasts 90.0 s; this creator may post at most 60 s",
        ),
        (
            with(json!({"account_id": private, "privacy_level": "SELF_ONLY"})),
            422,
            "the creator has duets turned off; set disable_duet to true",
        ),
        (
            with(json!({"privacy_level": "SELF_ONLY", "brand_content_toggle": true})),
            422,
            "branded content cannot be private",
        ),
        (with(json!({"account_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})), 404, "no such account"),
        (with(json!({"surprise": true})), 400, "unknown field `surprise`"),
        (with(json!({"post_mode": "LATER"})), 400, "unknown variant `LATER`"),
    ];
    for (body, status, expected) in cases {
        let reply = w.call("POST", "/posts", Some(&w.tenant.key), Some(body.clone()), &[]).await;
        assert_eq!(reply.status, status, "{expected}: {}", reply.text);
        assert!(reply.message().contains(expected), "expected {expected:?} in {:?}", reply.message());
    }
    let listed = w.call("GET", "/posts", Some(&w.tenant.key), None, &[]).await;
    assert_eq!(listed.body["posts"], json!([]), "nothing was half-written");
}

#[tokio::test]
async fn idempotency_key_replays_the_first_post_and_refuses_another_body() {
    let w = World::start().await;
    let account = w.connect(&w.tenant, "travel_tom").await;
    let media = w.ready_video(&w.tenant, 10).await;
    let body = video_post(&account, &media);
    let key = [("Idempotency-Key", "order-42")];
    let first = w.call("POST", "/posts", Some(&w.tenant.key), Some(body.clone()), &key).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = w.call("POST", "/posts", Some(&w.tenant.key), Some(body.clone()), &key).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["id"], first.body["id"], "the same post, not a second");
    let mut changed = body.clone();
    changed["caption"] = "another caption".into();
    let conflict = w.call("POST", "/posts", Some(&w.tenant.key), Some(changed), &key).await;
    assert_eq!(conflict.status, 422);
    assert_eq!(conflict.message(), "this Idempotency-Key was used with a different request body");
    let listed = w.call("GET", "/posts", Some(&w.tenant.key), None, &[]).await;
    assert_eq!(listed.body["posts"].as_array().expect("posts").len(), 1);
    let bad_key =
        w.call("POST", "/posts", Some(&w.tenant.key), Some(body), &[("Idempotency-Key", "a b")]).await;
    assert_eq!(bad_key.status, 400);
}

#[tokio::test]
async fn scheduled_posts_can_be_edited_and_cancelled_once() {
    let w = World::start().await;
    let id = w.created_post().await;
    let later = in_minutes(120);
    let edited = w
        .call(
            "PATCH",
            &format!("/posts/{id}"),
            Some(&w.tenant.key),
            Some(json!({"scheduled_at": later, "caption": "new words"})),
            &[],
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.body["settings"]["caption"], "new words");
    let bad_edit = w
        .call(
            "PATCH",
            &format!("/posts/{id}"),
            Some(&w.tenant.key),
            Some(json!({"caption": "x".repeat(2201)})),
            &[],
        )
        .await;
    assert_eq!(bad_edit.status, 400);
    let cancelled = w.call("DELETE", &format!("/posts/{id}"), Some(&w.tenant.key), None, &[]).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "CANCELLED");
    let twice = w.call("DELETE", &format!("/posts/{id}"), Some(&w.tenant.key), None, &[]).await;
    assert_eq!(twice.status, 409);
    let edit_cancelled = w
        .call("PATCH", &format!("/posts/{id}"), Some(&w.tenant.key), Some(json!({"caption": "y"})), &[])
        .await;
    assert_eq!(edit_cancelled.status, 409);
    assert!(edit_cancelled.message().contains("only SCHEDULED posts can be edited"));
}

#[tokio::test]
async fn accounts_and_creator_info_are_served_to_their_tenant_only() {
    let w = World::start().await;
    let account = w.connect(&w.tenant, "private_pat").await;
    let other = w.new_tenant().await;
    let list = w.call("GET", "/accounts", Some(&w.tenant.key), None, &[]).await;
    assert_eq!(list.body["accounts"][0]["id"], account.as_str());
    let info =
        w.call("GET", &format!("/accounts/{account}/creator-info"), Some(&w.tenant.key), None, &[]).await;
    assert_eq!(info.status, 200, "{}", info.text);
    assert_eq!(info.body["privacy_level_options"], json!(["SELF_ONLY", "FOLLOWER_OF_CREATOR"]));
    assert_eq!(info.body["max_video_post_duration_sec"], 60);
    for path in [format!("/accounts/{account}"), format!("/accounts/{account}/creator-info")] {
        let reply = w.call("GET", &path, Some(&other.key), None, &[]).await;
        assert_eq!(reply.status, 404, "{path}");
    }
    assert_eq!(w.call("GET", "/accounts", Some(&other.key), None, &[]).await.body["accounts"], json!([]));
}

#[tokio::test]
async fn another_tenants_post_is_a_404_on_every_route() {
    let w = World::start().await;
    let account = w.connect(&w.tenant, "travel_tom").await;
    let media = w.ready_video(&w.tenant, 10).await;
    let created =
        w.call("POST", "/posts", Some(&w.tenant.key), Some(video_post(&account, &media)), &[]).await;
    let id = created.body["id"].as_str().expect("id");
    let other = w.new_tenant().await;
    for (method, body) in [("GET", None), ("PATCH", Some(json!({"caption": "mine now"}))), ("DELETE", None)] {
        let reply = w.call(method, &format!("/posts/{id}"), Some(&other.key), body, &[]).await;
        assert_eq!(reply.status, 404, "{method}");
    }
    let steal = w.call("POST", "/posts", Some(&other.key), Some(video_post(&account, &media)), &[]).await;
    assert_eq!(steal.status, 422, "another tenant's media: {}", steal.text);
    assert!(steal.message().contains("does not exist"));
    let own_media = w.ready_video(&other, 10).await;
    let steal = w.call("POST", "/posts", Some(&other.key), Some(video_post(&account, &own_media)), &[]).await;
    assert_eq!(steal.status, 404, "another tenant's account: {}", steal.text);
    assert_eq!(steal.message(), "no such account");
    assert_eq!(w.call("GET", "/posts", Some(&other.key), None, &[]).await.body["posts"], json!([]));
    let still = w.call("GET", &format!("/posts/{id}"), Some(&w.tenant.key), None, &[]).await;
    assert_eq!(still.body["status"], "SCHEDULED");
}

#[tokio::test]
async fn the_traversal_corpus_is_a_400_on_every_id() {
    let w = World::start().await;
    let corpus =
        ["..", "%2e%2e%2f", "..%5c", "....%2f%2f", "%2fetc%2fpasswd", "%00", "%ef%bc%8e%ef%bc%8e", "../../x"];
    for raw in corpus {
        for (method, path) in [
            ("GET", format!("/posts/{raw}")),
            ("DELETE", format!("/posts/{raw}")),
            ("GET", format!("/accounts/{raw}")),
            ("GET", format!("/media/{raw}")),
        ] {
            let reply = w.call(method, &path, Some(&w.tenant.key), None, &[]).await;
            assert_eq!(reply.status, 400, "{method} {path}: {}", reply.text);
        }
        let body = json!({"account_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "kind": "video", "media_ids": [raw],
            "privacy_level": "SELF_ONLY", "post_mode": "DIRECT_POST", "scheduled_at": in_minutes(30)});
        let reply = w.call("POST", "/posts", Some(&w.tenant.key), Some(body), &[]).await;
        assert_eq!(reply.status, 400, "media id {raw:?} in a body: {}", reply.text);
    }
    let cursor = w.call("GET", "/posts?cursor=eyJwayI6IlRFTkFOVCN4In0", Some(&w.tenant.key), None, &[]).await;
    assert_eq!(cursor.status, 400, "a forged cursor");
}
