//! Property tests over the hashtags function's surface: arbitrary strings in
//! the tag segment and in every query parameter of
//! `GET /hashtags/{tag}/analysis`, through the handler against the local
//! stack and a private sandbox. Never a 5xx (nor a panic); every 4xx is the
//! JSON error shape. Valid values may be drawn, so a 2xx is allowed.

use crate::common;

use common::{Call, Reply, Setup, Tenant, World};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn hostile() -> BoxedStrategy<String> {
    let corpus = vec![
        "",
        "..",
        "%00",
        "\u{0}",
        "\u{202e}fyp",
        "fyp",
        "#fyp",
        "own",
        "research",
        "json",
        "svg",
        "7",
        "30",
        "0",
        "-1",
        "1e9",
        "US",
        "usa",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "a#b",
    ];
    prop_oneof![
        3 => any::<String>(),
        3 => proptest::sample::select(corpus).prop_map(str::to_owned),
        1 => "[0-9A-Za-z_]{0,30}",
        1 => proptest::collection::vec(any::<char>(), 500..2000).prop_map(|c| c.into_iter().collect()),
    ]
    .boxed()
}

/// Everything but RFC 3986's unreserved characters, percent-encoded.
fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
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

#[test]
fn any_tag_or_query_parameter_is_answered_without_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let (h, tenant): (World, Tenant) = rt.block_on(async {
        let h = World::start(Setup { dataset_size: 300, ..Setup::default() }).await;
        let tenant = h.tenant().await;
        (h, tenant)
    });
    let names = ["source", "days", "region", "account_id", "format", "other"];
    let param = (proptest::sample::select(names.to_vec()), hostile());
    let strategy = (hostile(), proptest::collection::vec(param, 0..4));
    let config = Config { cases: 40, failure_persistence: None, ..Config::default() };
    let result = TestRunner::new(config).run(&strategy, |(tag, params)| {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let path = format!("/hashtags/{}/analysis?{}", encode(&tag), query.join("&"));
        let reply = rt.block_on(h.send(Call::new("GET", &path).bearer(&tenant.key)));
        check(&reply, &path)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
