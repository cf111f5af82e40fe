//! Fuzz targets: every parser that reads what a stranger, a tenant or TikTok
//! sends, driven with arbitrary bytes.
//!
//! A target must never panic (a panic in a function is an abort and a cold
//! start), and where a parser accepts, it checks what acceptance promises: a
//! canonical form, a round trip, a signature that really verifies. A failed
//! check panics: that is what the fuzzer reports.
//!
//! Two runners share these targets:
//! - `make fuzz`: cargo-fuzz (libFuzzer, coverage-guided) in
//!   `infra/fuzz/libfuzzer`, for a bounded time per target, growing the corpus;
//! - `make test`: `tests/it` replays the committed corpus
//!   (`infra/fuzz/corpus/<target>/`) and a seeded mutation pass of it on the
//!   stable toolchain, a few seconds per target.

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{Body, Request, RequestExt};
use shared::http_surface::json_body;
use shared::ids::{AccountId, MediaId, PostId};
use shared::media::ContentType;
use shared::post::intake::ScheduleWindow;
use shared::post::queue::PublishMessage;
use shared::post::store::PostQuery;
use shared::post::{cursor, PostStatus};
use shared::tenant::TenantId;
use shared::vault::KeyRing;
use time::OffsetDateTime;

/// A target: arbitrary bytes in, a panic only when a promise is broken.
pub type Target = fn(&[u8]);

/// Every target by name: the names of the corpus folders and of the
/// libFuzzer binaries.
pub const TARGETS: &[(&str, Target)] = &[
    ("webhook_signature", webhook_signature),
    ("media_id", media_id),
    ("hashtag", hashtag),
    ("api_bodies", api_bodies),
    ("query_params", query_params),
    ("sqs_message", sqs_message),
    ("webhook_event", webhook_event),
];

/// The largest body the API accepts by default.
const MAX_BODY: usize = 64 * 1024;

// This crate is fuzz tooling, never part of a Lambda: a panic here is the
// fuzzer's report of a broken promise. The `expect`s below on fixed values
// (the tenant, the clock, the key ring) cannot fail; each other one states
// the promise it checks.

/// The tenant every target acts for (a fixed, valid id).
fn tenant() -> TenantId {
    TenantId::parse("fuzz-tenant").expect("\"fuzz-tenant\" is a valid tenant id")
}

/// The fixed clock of the targets: 2027-01-15T08:00:00Z.
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a time inside the calendar")
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The value of `key` in a `t=…,s=…` header, as TikTok's format reads it.
fn field(header: &str, key: &str) -> Option<String> {
    header
        .split(',')
        .find_map(|part| part.trim().split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v.to_owned()))
}

/// `TikTok-Signature` parsing and verification. The input is a header line,
/// a newline, then the raw body: whatever it holds, verification answers
/// without panicking; an accepted header is one TikTok's signing of that body
/// at its time would give; our own signature of the body always verifies and
/// a changed body never does.
pub fn webhook_signature(data: &[u8]) {
    let secret = tiktok::ClientSecret::new("fuzz-client-secret");
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let tolerance = Duration::from_secs(300);
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (header, body) = (text(&data[..split]), data.get(split + 1..).unwrap_or_default());
    if tiktok::webhook::verify(Some(&header), body, &secret, now, tolerance).is_ok() {
        let t =
            // The promise checked: verify accepts only a header with a numeric `t`.
            field(&header, "t").and_then(|t| t.parse::<u64>().ok()).expect("an accepted header has a time");
        let signed = tiktok::webhook::sign(body, &secret, UNIX_EPOCH + Duration::from_secs(t));
        assert_eq!(
            field(&signed, "s"),
            field(&header, "s").map(|s| s.to_ascii_lowercase()),
            "accepted a signature TikTok would not send"
        );
    }
    let ours = tiktok::webhook::sign(body, &secret, now);
    assert!(
        tiktok::webhook::verify(Some(&ours), body, &secret, now, tolerance).is_ok(),
        "own signature refused"
    );
    let mut changed = body.to_vec();
    changed.push(b' ');
    assert!(
        tiktok::webhook::verify(Some(&ours), &changed, &secret, now, tolerance).is_err(),
        "a signature verified a different body"
    );
}

/// Media, post and account ids and content types: an accepted id is a
/// canonical ULID (it prints back as given), and the object key built from
/// it stays inside the tenant's media prefix.
pub fn media_id(data: &[u8]) {
    let raw = text(data);
    let tenant = tenant();
    for candidate in [raw.as_str(), raw.trim()] {
        if let Ok(id) = MediaId::parse(candidate) {
            assert_eq!(id.to_string(), candidate, "an accepted id is canonical");
            assert!(id.as_str().bytes().all(|b| b.is_ascii_alphanumeric()), "ids hold no separators");
            for content_type in ContentType::ALL {
                let key = shared::media::MediaKey::new(&tenant, &id, content_type);
                assert_eq!(
                    key.as_str(),
                    format!("media/fuzz-tenant/{candidate}.{}", content_type.extension())
                );
            }
        }
        if let Ok(id) = PostId::parse(candidate) {
            assert_eq!(id.as_str(), candidate);
        }
        if let Ok(id) = AccountId::parse(candidate) {
            assert_eq!(id.as_str(), candidate);
        }
        if let Some(content_type) = ContentType::parse(candidate) {
            assert_eq!(content_type.as_str(), candidate);
        }
    }
}

/// Hashtags from a path segment (percent-encoded or not): an accepted tag is
/// 1–100 lower-case letters, digits and `_`, and parses again to itself.
pub fn hashtag(data: &[u8]) {
    let raw = text(data);
    if let Ok(tag) = hashtags::query::hashtag(&raw) {
        let s = tag.as_str();
        assert!(!s.is_empty() && s.chars().count() <= 100, "tag length {}", s.chars().count());
        assert!(s.chars().all(|c| c == '_' || (c.is_alphanumeric() && !c.is_uppercase())), "tag {s:?}");
        assert_eq!(hashtags::tag::Hashtag::parse(s).map(|t| t.as_str().to_owned()).ok().as_deref(), Some(s));
    }
    let _ = hashtags::tag::Hashtag::parse(&raw);
}

fn json_request(data: &[u8]) -> Request {
    let mut request = Request::new(Body::Binary(data.to_vec()));
    if let Ok(value) = "application/json".parse() {
        request.headers_mut().insert("content-type", value);
    }
    request
}

/// The API's request bodies, through the handlers' own decoder and the pure
/// checks that run before the first read. Whatever the body, the answer is a
/// value or a 4xx; an accepted post's due time is inside the schedule window.
pub fn api_bodies(data: &[u8]) {
    let request = json_request(data);
    let now = now();
    let window = ScheduleWindow { min_lead_secs: 60, horizon_days: 90 };
    match json_body::<api::decode::NewPost>(&request, MAX_BODY) {
        Ok(new) => {
            let account_id = new.account_id.clone();
            let (settings, scheduled_at) = new.into_settings();
            match api::decode::post_checks(&account_id, &settings, &scheduled_at, now, window) {
                Ok(checked) => {
                    assert!(checked.due >= now + time::Duration::seconds(60), "due before the lead");
                    assert!(checked.due <= now + time::Duration::days(90), "due past the horizon");
                }
                Err(e) => assert!(e.code.status().is_client_error(), "{:?}", e.code),
            }
        }
        Err(e) => assert!(e.code.status().is_client_error(), "{:?}", e.code),
    }
    match json_body::<api::decode::NewMedia>(&request, MAX_BODY) {
        Ok(new) => match api::decode::new_media(new) {
            Ok((content_type, size, _)) => assert!(size >= 1 && size <= content_type.kind().max_bytes()),
            Err(e) => assert!(e.code.status().is_client_error(), "{:?}", e.code),
        },
        Err(e) => assert!(e.code.status().is_client_error(), "{:?}", e.code),
    }
    if let Err(e) = json_body::<api::decode::PostEdit>(&request, MAX_BODY) {
        assert!(e.code.status().is_client_error(), "{:?}", e.code);
    }
}

fn query_map(data: &[u8]) -> QueryMap {
    let mut pairs: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(data) {
        pairs.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    QueryMap::from(pairs)
}

fn ring() -> KeyRing {
    let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".to_owned();
    // A fixed 32-byte key under its own id: a valid ring.
    KeyRing::new("k1", &[("k1".to_owned(), key)].into()).expect("a valid ring")
}

/// Query parameters: the post listing's (times, statuses, limit, cursor) and
/// the hashtag analysis's. The input is a URL query string. Every answer is
/// a query or a 4xx; an accepted listing query is within its bounds, and no
/// cursor the API did not seal for this tenant and query opens.
pub fn query_params(data: &[u8]) {
    let params = query_map(data);
    match api::decode::post_query(&params) {
        Ok(q) => {
            assert!((1..=100).contains(&q.limit), "limit {}", q.limit);
            assert!(q.statuses.len() <= PostStatus::ALL.len(), "statuses repeat");
            if let (Some(from), Some(to)) = (&q.from, &q.to) {
                assert!(from <= to, "from {from} after to {to}");
            }
            if let Some(raw) = params.first("cursor") {
                let forged = cursor::open(&ring(), "fuzz-tenant", &q, raw);
                assert!(forged.is_none(), "a cursor nobody sealed opened");
            }
        }
        Err(e) => assert!(e.code.status().is_client_error(), "{:?}", e.code),
    }
    let any = PostQuery { account_id: None, statuses: vec![], from: None, to: None, limit: 50 };
    let _ = cursor::open(&ring(), "fuzz-tenant", &any, &text(data));
    let _ = foundation::time_format::parse_client_instant(&text(data));

    let request = Request::default().with_query_string_parameters(params);
    if let Err(e) = hashtags::query::analysis_request(&request, "fyp", tenant(), now()) {
        assert!(e.code.status().is_client_error(), "{:?}", e.code);
    }
}

/// Publish queue messages: an accepted message names a canonical tenant and
/// post id and encodes back to a message that decodes to itself.
pub fn sqs_message(data: &[u8]) {
    if let Ok(message) = PublishMessage::decode(&text(data)) {
        // The promise checked: what the dispatcher encodes, the publisher decodes.
        let again = PublishMessage::decode(&message.encode()).expect("an encoded message decodes");
        assert_eq!(again, message, "the round trip changed the message");
        let (tenant, post) = message.post();
        assert!(TenantId::parse(tenant.as_str()).is_some());
        assert!(PostId::parse(post.as_str()).is_ok());
    }
}

/// Webhook bodies (after a valid signature): an event TikTok may send is
/// either acted on or refused as unusable, never a panic.
pub fn webhook_event(data: &[u8]) {
    if let Ok(body) = serde_json::from_slice::<tiktok::webhook::WebhookEvent>(data) {
        let _ = webhooks::event::Event::parse(&body);
    }
}
