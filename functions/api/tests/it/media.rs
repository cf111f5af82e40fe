//! Media upload slots and the pre-flight checks, end to end: POST /media,
//! a real upload through the presigned PUT, GET /media/{id}.

use crate::common;

use common::{media_files, upload, World};
use serde_json::json;

async fn slot(w: &World, key: &str, kind: &str, content_type: &str, size: usize) -> serde_json::Value {
    let reply = w
        .call(
            "POST",
            "/media",
            Some(key),
            Some(json!({"kind": kind, "content_type": content_type, "size_bytes": size})),
            &[],
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

/// Declares, uploads and checks a file; returns the GET /media/{id} body.
async fn upload_and_check(
    w: &World,
    key: &str,
    kind: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> serde_json::Value {
    let created = slot(w, key, kind, content_type, bytes.len()).await;
    assert_eq!(created["status"], "PENDING_UPLOAD");
    assert_eq!(upload(&created["upload"], bytes).await, 200);
    let id = created["media_id"].as_str().expect("id");
    let reply = w.call("GET", &format!("/media/{id}"), Some(key), None, &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn presigned_upload_then_get_marks_a_valid_video_ready_with_its_facts() {
    let w = World::start().await;
    let tenant = &w.tenant;
    let video = media_files::mp4(1080, 1920, 30, 300, true);
    let checked = upload_and_check(&w, &tenant.key, "video", "video/mp4", video.clone()).await;
    assert_eq!(checked["status"], "READY", "{checked}");
    assert_eq!(checked["size_bytes"], video.len());
    assert_eq!(checked["facts"]["width"], 1080);
    assert_eq!(checked["facts"]["height"], 1920);
    assert_eq!(checked["facts"]["duration_seconds"], 10.0);
    assert_eq!(checked["facts"]["frame_rate"], 30.0);
}

#[tokio::test]
async fn generated_media_land_in_the_right_state_with_the_right_reason() {
    let w = World::start().await;
    let tenant = &w.tenant;
    let mut truncated = media_files::mp4(1280, 720, 30, 90, false);
    truncated.truncate(truncated.len() - 200);
    let cases: Vec<(&str, &str, Vec<u8>, &str, &str)> = vec![
        ("video", "video/mp4", media_files::mp4(1280, 720, 25, 250, false), "READY", ""),
        ("video", "video/quicktime", media_files::mp4(720, 1280, 120, 600, true), "REJECTED", "120.00 fps"),
        ("video", "video/mp4", media_files::mp4(1280, 720, 30, 30 * 601, true), "REJECTED", "601.0 s"),
        ("video", "video/mp4", media_files::mp4(320, 240, 30, 90, true), "REJECTED", "320x240"),
        ("video", "video/mp4", truncated, "REJECTED", "truncated"),
        ("photo", "image/jpeg", media_files::jpeg(1920, 1080), "READY", ""),
        ("photo", "image/jpeg", media_files::jpeg(1920, 1200), "REJECTED", "short side 1200 px exceeds 1080"),
        ("photo", "image/jpeg", media_files::png(800, 600), "REJECTED", "must be JPEG or WebP, found Png"),
        (
            "photo",
            "image/webp",
            media_files::jpeg(800, 600),
            "REJECTED",
            "declared image/webp but the file is image/jpeg",
        ),
    ];
    for (kind, content_type, bytes, status, reason) in cases {
        let checked = upload_and_check(&w, &tenant.key, kind, content_type, bytes).await;
        assert_eq!(checked["status"], status, "{content_type} {reason}: {checked}");
        if !reason.is_empty() {
            let got = checked["reason"].as_str().unwrap_or_default();
            assert!(got.contains(reason), "expected {reason:?} in {got:?}");
        }
    }
}

#[tokio::test]
async fn media_not_uploaded_yet_stays_pending() {
    let w = World::start().await;
    let tenant = &w.tenant;
    let created = slot(&w, &tenant.key, "photo", "image/jpeg", 1000).await;
    let id = created["media_id"].as_str().expect("id");
    let reply = w.call("GET", &format!("/media/{id}"), Some(&tenant.key), None, &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "PENDING_UPLOAD");
}

#[tokio::test]
async fn upload_slots_bind_a_server_generated_key_type_and_length() {
    let w = World::start().await;
    let tenant = &w.tenant;
    let created = slot(&w, &tenant.key, "video", "video/mp4", 12345).await;
    let url = created["upload"]["url"].as_str().expect("url");
    let id = created["media_id"].as_str().expect("id");
    assert!(url.contains(&format!("/media/{}/{id}.mp4", tenant.id)), "{url}");
    let signed =
        url.split("X-Amz-SignedHeaders=").nth(1).expect("signed headers").split('&').next().unwrap_or("");
    assert!(signed.contains("content-length") && signed.contains("content-type"), "{signed}");
    assert_eq!(created["upload"]["method"], "PUT");
    assert!(created["upload"]["expires_in_seconds"].as_u64().expect("expiry") <= 3600);
}

#[tokio::test]
async fn every_media_validation_rule_answers_400_with_its_reason() {
    let w = World::start().await;
    let tenant = &w.tenant;
    let cases = [
        (
            json!({"kind": "video", "content_type": "video/avi", "size_bytes": 10}),
            "content_type must be one of",
        ),
        (json!({"kind": "photo", "content_type": "video/mp4", "size_bytes": 10}), "does not fit kind"),
        (json!({"kind": "video", "content_type": "video/mp4", "size_bytes": 0}), "outside 1..=4294967296"),
        (
            json!({"kind": "video", "content_type": "video/mp4", "size_bytes": 4_294_967_297u64}),
            "outside 1..=4294967296",
        ),
        (
            json!({"kind": "photo", "content_type": "image/jpeg", "size_bytes": 20_971_521}),
            "outside 1..=20971520",
        ),
        (
            json!({"kind": "photo", "content_type": "image/jpeg", "size_bytes": 10, "sha256": "XYZ"}),
            "sha256 must be",
        ),
        (
            json!({"kind": "photo", "content_type": "image/jpeg", "size_bytes": 10, "key": "../x"}),
            "unknown field",
        ),
        (json!({"kind": "gif", "content_type": "image/jpeg", "size_bytes": 10}), "unknown variant"),
        (json!({"content_type": "image/jpeg", "size_bytes": 10}), "missing field"),
    ];
    for (body, expected) in cases {
        let reply = w.call("POST", "/media", Some(&tenant.key), Some(body.clone()), &[]).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(reply.error_code(), "bad_request");
        assert!(reply.message().contains(expected), "{body}: {:?} lacks {expected:?}", reply.message());
    }
}

#[tokio::test]
async fn the_traversal_corpus_is_a_400_wherever_a_media_id_is_accepted() {
    let w = World::start().await;
    let tenant = &w.tenant;
    let corpus = [
        "..",
        "..%2f",
        "%2e%2e%2f",
        "%2E%2E",
        "..%5c",
        "....%2f%2f",
        "%2fetc%2fpasswd",
        "%00",
        "%e2%80%a4%e2%80%a4",
        "%ef%bc%8e%ef%bc%8e",
        "01ARZ3NDEKTSV4RRFFQ69G5FA%00",
        "../../etc/passwd",
        "..\\..\\win.ini",
    ];
    let long = "A".repeat(5000);
    for raw in corpus.iter().copied().chain([long.as_str()]) {
        let reply = w.call("GET", &format!("/media/{raw}"), Some(&tenant.key), None, &[]).await;
        assert_eq!(reply.status, 400, "{raw:?}: {}", reply.body);
        assert_eq!(reply.error_code(), "bad_request");
    }
}

#[tokio::test]
async fn another_tenants_media_is_a_404() {
    let w = World::start().await;
    let owner = &w.tenant;
    let other = w.new_tenant().await;
    let created = slot(&w, &owner.key, "photo", "image/jpeg", 100).await;
    let id = created["media_id"].as_str().expect("id");
    let reply = w.call("GET", &format!("/media/{id}"), Some(&other.key), None, &[]).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "not_found");
}
