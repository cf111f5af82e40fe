//! In-process: the routes, headers and caching of the embedded files. The
//! browser tests (`console/e2e`) drive the same function through the stack.
//! Test code only (`#[cfg(test)]`): its `expect`s fail a test, never a Lambda.

use lambda_http::http::{self, StatusCode};
use lambda_http::{Body, Request, Response};

use super::*;
use crate::config::Bases;

const MEDIA: &str = "http://127.0.0.1:4566";

fn deps() -> Deps {
    Deps::new(ConsoleConfig {
        bases: Bases {
            api_base: "/lambda-url/api".into(),
            oauth_base: "/lambda-url/oauth".into(),
            hashtags_base: "/lambda-url/hashtags".into(),
        },
        media_origin: MEDIA.into(),
    })
    .expect("a valid policy")
}

fn call(method: &str, path: &str, headers: &[(&str, &str)]) -> Response<Body> {
    let mut builder = http::Request::builder().method(method).uri(format!("https://console.example{path}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request: Request = builder.body(Body::Empty).expect("request");
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(handle(request, &deps())).expect("handled")
}

fn get(path: &str) -> Response<Body> {
    call("GET", path, &[])
}

fn bytes(response: &Response<Body>) -> &[u8] {
    match response.body() {
        Body::Binary(b) => b,
        Body::Text(t) => t.as_bytes(),
        _ => &[],
    }
}

fn header<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn index() -> String {
    String::from_utf8(find("index.html").expect("index.html is embedded").body.to_vec()).expect("utf-8")
}

#[test]
fn the_bare_path_is_sent_on_to_the_slash_so_relative_asset_urls_resolve() {
    let response = get("/console");
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header(&response, "location"), "console/");
}

#[test]
fn the_page_is_served_under_its_own_strict_csp_and_the_security_headers() {
    let response = get("/console/");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
    assert_eq!(bytes(&response), index().as_bytes());
    let csp = header(&response, "content-security-policy");
    assert_eq!(csp, page_policy(MEDIA));
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self' http://127.0.0.1:4566;",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(header(&response, "x-frame-options"), "DENY");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert!(header(&response, "strict-transport-security").starts_with("max-age="));
    assert_eq!(header(&response, "cache-control"), "no-cache");
}

#[test]
fn the_built_page_has_no_inline_script_or_style_for_the_csp_to_block() {
    let page = index().to_ascii_lowercase();
    let mut rest = page.as_str();
    while let Some(at) = rest.find("<script") {
        let tag = rest.get(at..).unwrap_or_default();
        let end = tag.find('>').expect("a closed tag");
        let open = tag.get(..end).unwrap_or_default();
        assert!(open.contains(" src="), "an inline script: {open}");
        rest = tag.get(end..).unwrap_or_default();
    }
    assert!(!page.contains("<style"), "an inline style element");
    assert!(!page.contains(" style="), "a style attribute");
    let handler = page.split(' ').find(|word| {
        word.strip_prefix("on")
            .and_then(|rest| rest.split_once('='))
            .is_some_and(|(name, _)| !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase()))
    });
    assert_eq!(handler, None, "an inline event handler");
}

#[test]
fn every_file_the_page_references_is_embedded_and_hashed_files_are_cached_for_good() {
    let page = index();
    let referenced: Vec<&str> = page
        .split(['"', '\''])
        .filter(|part| part.starts_with("./assets/"))
        .map(|part| part.trim_start_matches("./"))
        .collect();
    assert!(referenced.iter().any(|p| p.ends_with(".js")), "a script: {page}");
    assert!(referenced.iter().any(|p| p.ends_with(".css")), "a stylesheet: {page}");
    for path in referenced {
        let response = get(&format!("/console/{path}"));
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&response, "cache-control"), "public, max-age=31536000, immutable");
        let expected =
            if path.ends_with(".js") { "text/javascript; charset=utf-8" } else { "text/css; charset=utf-8" };
        assert_eq!(header(&response, "content-type"), expected, "{path}");
        assert_eq!(header(&response, "content-security-policy"), page_policy(MEDIA));
    }
}

#[test]
fn a_known_etag_is_answered_304_without_a_body_and_head_has_no_body() {
    let first = get("/console/");
    let etag = header(&first, "etag").to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let again = call("GET", "/console/", &[("if-none-match", &format!("W/\"x\", {etag}"))]);
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(bytes(&again).is_empty());
    assert_eq!(header(&again, "etag"), etag);
    let stale = call("GET", "/console/", &[("if-none-match", "\"0000\"")]);
    assert_eq!(stale.status(), StatusCode::OK);
    let head = call("HEAD", "/console/", &[]);
    assert_eq!(head.status(), StatusCode::OK);
    assert!(bytes(&head).is_empty());
    assert_eq!(header(&head, "content-type"), "text/html; charset=utf-8");
}

#[test]
fn the_configuration_names_each_functions_path_and_nothing_else() {
    let response = get("/console/config.json");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "cache-control"), "no-cache");
    let value: serde_json::Value = serde_json::from_slice(bytes(&response)).expect("json");
    assert_eq!(
        value,
        serde_json::json!({
            "api_base": "/lambda-url/api",
            "oauth_base": "/lambda-url/oauth",
            "hashtags_base": "/lambda-url/hashtags",
        })
    );
}

#[test]
fn unknown_files_and_traversals_are_404s_in_the_error_shape_under_the_deny_all_csp() {
    for path in [
        "/console/missing.js",
        "/console/../template.yaml",
        "/console/assets/../../Cargo.toml",
        "/console/assets",
        "/console//index.html",
        "/consolex/",
        "/",
    ] {
        let response = get(path);
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let value: serde_json::Value = serde_json::from_slice(bytes(&response)).expect("json");
        assert_eq!(value["error"]["code"], "not_found", "{path}");
        assert_eq!(
            header(&response, "content-security-policy"),
            "default-src 'none'; frame-ancestors 'none'"
        );
    }
}

#[test]
fn other_methods_are_405_naming_get_and_head() {
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let response = call(method, "/console/", &[]);
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(header(&response, "allow"), "GET, HEAD");
    }
}

#[test]
fn the_template_routes_to_this_function_exactly_what_it_serves() {
    assert_eq!(testkit::routes::in_template("ConsoleIntegration"), testkit::routes::served(ROUTES));
}
