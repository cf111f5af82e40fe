//! Property tests over the oauth function's surface: arbitrary strings in
//! every query parameter and path segment of its routes, through the
//! handler against the local stack. Never a 5xx (nor a panic); every 4xx
//! is the JSON error shape. Redirects (302) are the callback's answers to
//! refusals and are fine.

use crate::common;

use common::{Tenant, World, CALLBACK, CONNECT, DISCONNECT};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use testkit::{Call, Reply};

fn hostile() -> BoxedStrategy<String> {
    let corpus = vec![
        "",
        "..",
        "%00",
        "\u{0}",
        "\u{202e}",
        "http://localhost:3000/connected",
        "https://evil.example/",
        "//evil.example",
        "javascript:alert(1)",
        "access_denied",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "user.info.basic,video.publish",
    ];
    prop_oneof![
        3 => any::<String>(),
        2 => proptest::sample::select(corpus).prop_map(str::to_owned),
        1 => "[0-9A-Za-z_-]{0,64}",
        1 => proptest::collection::vec(any::<char>(), 2000..4000).prop_map(|c| c.into_iter().collect()),
    ]
    .boxed()
}

fn encode(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

fn check(reply: &Reply, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(reply.status < 500, "{what} → {}: {}", reply.status, reply.text);
    if reply.status >= 400 {
        let error = &reply.body["error"];
        prop_assert!(error["code"].is_string() && error["message"].is_string(), "{what}: {}", reply.text);
        prop_assert_eq!(reply.header("content-type"), Some("application/json"), "{}", what);
    }
    Ok(())
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let config = Config { cases: 40, failure_persistence: None, ..Config::default() };
    if let Err(e) = TestRunner::new(config).run(&strategy, test) {
        panic!("{e}");
    }
}

fn world() -> (tokio::runtime::Runtime, World, Tenant) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let (w, tenant) = rt.block_on(async {
        let w = World::start(86_400).await;
        let tenant = w.tenant().await;
        (w, tenant)
    });
    (rt, w, tenant)
}

#[test]
fn any_query_or_path_on_every_oauth_route_is_answered_without_a_5xx() {
    let (rt, w, tenant) = world();
    let names = ["code", "state", "error", "error_description", "scopes", "return_to", "other"];
    let param = (proptest::sample::select(names.to_vec()), hostile());
    run((0..3usize, proptest::collection::vec(param, 1..4), hostile()), |(route, params, segment)| {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let query = query.join("&");
        let (call, what) = match route {
            0 => (
                Call::new("GET", "").fixture(CONNECT).bearer(&tenant.key),
                format!("/connect/tiktok?{query}"),
            ),
            1 => (Call::new("GET", "").fixture(CALLBACK), format!("/oauth/tiktok/callback?{query}")),
            _ => (
                Call::new("DELETE", "").fixture(DISCONNECT).bearer(&tenant.key),
                format!("/accounts/{}", encode(&segment).replace('+', "%20")),
            ),
        };
        let call = Call { path_and_query: &what, ..call };
        check(&rt.block_on(w.send(call)), &what)
    });
}
