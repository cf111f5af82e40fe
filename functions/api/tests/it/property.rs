//! Property tests over the whole request surface: arbitrary strings in every
//! query parameter, path segment and body field of every route, sent through
//! the handler against the local stack. Whatever comes in, the answer is
//! never a 5xx (nor a panic), and every 4xx is the JSON error shape with the
//! security headers. Valid values may be drawn too, so a 2xx is allowed.
//!
//! Case counts are bounded so the whole file runs in seconds; proptest
//! prints the smallest failing input it finds.

use crate::common;

use common::{video_post, Call, Reply, World};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};

const CASES: u32 = 40;

/// Strings a hostile client would try, and arbitrary ones.
fn hostile() -> BoxedStrategy<String> {
    let corpus = vec![
        "",
        " ",
        "..",
        "../../etc/passwd",
        "%00",
        "\u{0}",
        "\u{202e}gnp.exe",
        "9999-12-31T23:59:59-23:59",
        "0000-01-01T00:00:00+01:00",
        "-0001-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "2026-12-01T10:00:00Z",
        "-1",
        "0",
        "101",
        "2147483648",
        "18446744073709551616",
        "1e309",
        "NaN",
        "null",
        "SCHEDULED,SCHEDULED,HELD",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "TENANT#x#POST#y",
        "eyJwayI6IiJ9",
        "v1.local-1.AAAA.AAAA",
        "video",
        "photo",
        "image/jpeg",
        "DIRECT_POST",
        "SELF_ONLY",
        "retry",
    ];
    prop_oneof![
        3 => any::<String>(),
        2 => proptest::sample::select(corpus).prop_map(str::to_owned),
        1 => instant(),
        1 => "[0-9A-Za-z]{0,30}",
        1 => "[0-9]{1,5}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
        1 => "[A-Z_,]{0,40}",
        1 => proptest::collection::vec(any::<char>(), 2000..4000).prop_map(|c| c.into_iter().collect()),
    ]
    .boxed()
}

/// RFC 3339 instants at the edges of the representable years, with any
/// offset: once in UTC, some leave year 0..=9999 (where the conversion used
/// to panic, or formatted as an empty key).
fn instant() -> BoxedStrategy<String> {
    (
        proptest::sample::select(vec![0, 9999, 1970, 2026]),
        proptest::sample::select(vec!["01-01T00:00:00", "12-31T23:59:59"]),
        proptest::sample::select(vec!['+', '-']),
        0..24u8,
        0..60u8,
    )
        .prop_map(|(y, rest, sign, h, m)| format!("{y:04}-{rest}{sign}{h:02}:{m:02}"))
        .boxed()
}

/// A value for one query parameter: time-shaped for the time bounds.
fn param_value(name: &str) -> BoxedStrategy<String> {
    match name {
        "from" | "to" => prop_oneof![3 => instant(), 1 => hostile()].boxed(),
        _ => hostile(),
    }
}

/// A hostile JSON value for a body field: mostly strings, some other types.
fn hostile_value() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => hostile().prop_map(Value::from),
        1 => proptest::sample::select(vec![
            json!(null), json!(-1), json!(1e300), json!(u64::MAX), json!(true), json!([]), json!({}),
            json!(["01ARZ3NDEKTSV4RRFFQ69G5FAV"]), json!([[]]),
        ]),
        1 => proptest::collection::vec(hostile(), 0..50).prop_map(Value::from),
    ]
    .boxed()
}

/// Percent-encodes everything but RFC 3986's unreserved characters, as a
/// client must to put a string in a path segment or query.
fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Never a 5xx; a 4xx is the JSON error shape with the security headers.
fn check(reply: &Reply, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(reply.status < 500, "{what} → {}: {}", reply.status, reply.text);
    if reply.status >= 400 {
        let error = &reply.body["error"];
        prop_assert!(error["code"].is_string() && error["message"].is_string(), "{what}: {}", reply.text);
        prop_assert!(error["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{what}: {}", reply.text);
        prop_assert_eq!(reply.header("content-type"), Some("application/json"), "{}", what);
        prop_assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{}", what);
    }
    Ok(())
}

/// The world every property drives: a tenant with a connected account, a
/// ready video and a scheduled post, and a runtime to call the handler from
/// proptest's synchronous closures.
struct Surface {
    rt: tokio::runtime::Runtime,
    w: World,
    account: String,
    media: String,
    post: String,
}

impl Surface {
    fn start() -> Self {
        let rt =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
        let (w, account, media, post) = rt.block_on(async {
            let w = World::start().await;
            let account = w.connect(&w.tenant, "travel_tom").await;
            let media = w.ready_video(&w.tenant, 10).await;
            let created =
                w.call("POST", "/posts", Some(&w.tenant.key), Some(video_post(&account, &media)), &[]).await;
            assert_eq!(created.status, 201, "{}", created.text);
            let post = created.body["id"].as_str().expect("id").to_owned();
            (w, account, media, post)
        });
        Self { rt, w, account, media, post }
    }

    fn send(&self, call: Call<'_>) -> Reply {
        let call = call.bearer(&self.w.tenant.key);
        self.rt.block_on(self.w.send(call))
    }

    fn run<S: Strategy>(&self, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
    where
        S::Value: std::fmt::Debug,
    {
        self.run_cases(CASES, strategy, test)
    }

    fn run_cases<S: Strategy>(
        &self,
        cases: u32,
        strategy: S,
        test: impl Fn(S::Value) -> Result<(), TestCaseError>,
    ) where
        S::Value: std::fmt::Debug,
    {
        let config = Config { cases, failure_persistence: None, ..Config::default() };
        let result = TestRunner::new(config).run(&strategy, test);
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}

fn field(names: &[&'static str]) -> BoxedStrategy<&'static str> {
    proptest::sample::select(names.to_vec()).boxed()
}

#[test]
fn any_query_parameters_on_the_post_listing_are_answered_without_a_5xx() {
    let s = Surface::start();
    let names = ["account_id", "status", "from", "to", "limit", "cursor", "other"];
    let param = field(&names).prop_flat_map(|name| (Just(name), param_value(name)));
    // A listing costs one query: enough cases that the time edges are hit.
    s.run_cases(150, proptest::collection::vec(param, 1..4), |params| {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let path = format!("/posts?{}", query.join("&"));
        check(&s.send(Call::new("GET", &path)), &path)
    });
}

#[test]
fn any_path_segment_on_every_id_route_is_answered_without_a_5xx() {
    let s = Surface::start();
    let routes = [
        ("GET", "/media/{}"),
        ("GET", "/posts/{}"),
        ("PATCH", "/posts/{}"),
        ("DELETE", "/posts/{}"),
        ("POST", "/posts/{}/resolve"),
        ("GET", "/accounts/{}"),
        ("GET", "/accounts/{}/creator-info"),
    ];
    s.run((proptest::sample::select(routes.to_vec()), hostile()), |((method, template), raw)| {
        let path = template.replace("{}", &encode(&raw));
        let body = match method {
            "PATCH" => Some(json!({"caption": "edited"})),
            "POST" => Some(json!({"outcome": "failed"})),
            _ => None,
        };
        let mut call = Call::new(method, &path);
        call.json = body;
        check(&s.send(call), &format!("{method} {path}"))
    });
}

#[test]
fn any_media_body_field_is_answered_without_a_5xx() {
    let s = Surface::start();
    let names = ["kind", "content_type", "size_bytes", "sha256", "extra"];
    s.run((field(&names), hostile_value()), |(name, value)| {
        let mut body = json!({"kind": "photo", "content_type": "image/jpeg", "size_bytes": 1000});
        body[name] = value;
        check(&s.send(Call::new("POST", "/media").json(body.clone())), &body.to_string())
    });
}

#[test]
fn any_post_body_field_is_answered_without_a_5xx() {
    let s = Surface::start();
    let names = [
        "account_id",
        "kind",
        "media_ids",
        "caption",
        "description",
        "privacy_level",
        "disable_comment",
        "disable_duet",
        "disable_stitch",
        "brand_content_toggle",
        "brand_organic_toggle",
        "is_aigc",
        "post_mode",
        "scheduled_at",
        "extra",
    ];
    s.run((field(&names), hostile_value()), |(name, value)| {
        let mut body = video_post(&s.account, &s.media);
        body[name] = value;
        check(&s.send(Call::new("POST", "/posts").json(body.clone())), name)
    });
}

#[test]
fn any_edit_or_resolution_field_is_answered_without_a_5xx() {
    let s = Surface::start();
    let edits = [
        "media_ids",
        "caption",
        "description",
        "privacy_level",
        "disable_comment",
        "disable_duet",
        "disable_stitch",
        "brand_content_toggle",
        "brand_organic_toggle",
        "is_aigc",
        "scheduled_at",
        "extra",
    ];
    let patch = format!("/posts/{}", s.post);
    s.run((field(&edits), hostile_value()), |(name, value)| {
        let body = json!({ name: value });
        check(&s.send(Call::new("PATCH", &patch).json(body.clone())), &body.to_string())
    });
    let resolve = format!("/posts/{}/resolve", s.post);
    s.run((field(&["outcome", "note", "extra"]), hostile_value()), |(name, value)| {
        let mut body = json!({"outcome": "failed"});
        body[name] = value;
        check(&s.send(Call::new("POST", &resolve).json(body.clone())), &body.to_string())
    });
}

#[test]
fn any_raw_body_on_every_body_route_is_answered_without_a_5xx() {
    let s = Surface::start();
    let routes = vec![
        format!("POST /media"),
        format!("POST /posts"),
        format!("PATCH /posts/{}", s.post),
        format!("POST /posts/{}/resolve", s.post),
    ];
    s.run((proptest::sample::select(routes), hostile()), |(route, body)| {
        let (method, path) = route.split_once(' ').unwrap_or(("POST", "/posts"));
        check(&s.send(Call::new(method, path).raw("application/json", &body)), &route)
    });
}
