//! The HTTP surface on every route: authentication, security headers, CORS
//! from the allow-list only, the JSON error shape, the body cap, and an
//! OpenAPI document that lists exactly the served routes.

use crate::common;
use shared::config::FunctionConfig;

use common::{Call, World};
use shared::http_surface::SECURITY_HEADERS;
use testkit::routes;

/// One concrete request per route, plus an unknown route.
fn every_route() -> Vec<(&'static str, String)> {
    let id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    api::ROUTES
        .iter()
        .map(|(m, p)| (*m, p.replace("{id}", id)))
        .chain([("GET", "/no/such/route".to_owned()), ("PUT", "/posts".to_owned())])
        .collect()
}

#[tokio::test]
async fn every_route_and_error_carries_the_security_headers_and_cors_only_for_allowed_origins() {
    let w = World::start().await;
    for (method, path) in every_route() {
        for (origin, allowed) in [("https://app.example", true), ("https://evil.example", false)] {
            let mut call = Call::new(method, &path).bearer(&w.tenant.key).header("origin", origin);
            if matches!(method, "POST" | "PATCH") {
                call = call.json(serde_json::json!({}));
            }
            let reply = w.send(call).await;
            for (name, value) in SECURITY_HEADERS {
                assert_eq!(reply.header(name), Some(value), "{method} {path}: {name}");
            }
            assert_eq!(
                reply.header("access-control-allow-origin"),
                allowed.then_some(origin),
                "{method} {path}"
            );
            assert_ne!(reply.header("access-control-allow-origin"), Some("*"));
            assert!(
                reply.header("access-control-allow-credentials").is_none(),
                "no credentials unless configured"
            );
            if reply.status >= 400 {
                reply.error_code();
                assert!(reply.body["error"]["request_id"].as_str().is_some_and(|r| r.starts_with("req-")));
            }
        }
    }
}

#[tokio::test]
async fn a_method_a_route_does_not_serve_gets_405_with_allow_naming_the_ones_it_does() {
    let w = World::start().await;
    let id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let mut templates: Vec<&str> = api::ROUTES.iter().map(|(_, p)| *p).collect();
    templates.dedup();
    for template in templates {
        let mut served: Vec<&str> =
            api::ROUTES.iter().filter(|(_, p)| *p == template).map(|(m, _)| *m).collect();
        served.sort_unstable();
        let path = template.replace("{id}", id);
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE"] {
            if served.contains(&method) {
                continue;
            }
            // Without a key too: the route is recognised before authentication.
            let reply = w.send(Call::new(method, &path)).await;
            assert_eq!(reply.status, 405, "{method} {path}: {}", reply.text);
            assert_eq!(reply.error_code(), "method_not_allowed");
            let mut allow: Vec<&str> = reply.header("allow").unwrap_or_default().split(", ").collect();
            allow.sort_unstable();
            assert_eq!(allow, served, "{method} {path}");
        }
    }
    // A path no route has the shape of is not found, whatever the method.
    let reply = w.send(Call::new("DELETE", &format!("/media/{id}/extra"))).await;
    assert_eq!(reply.status, 404, "{}", reply.text);
}

#[tokio::test]
async fn preflight_answers_allowed_origins_only() {
    let w = World::start().await;
    let ok = w.send(Call::new("OPTIONS", "/posts").header("origin", "https://app.example")).await;
    assert_eq!(ok.status, 204);
    assert_eq!(ok.header("access-control-allow-origin"), Some("https://app.example"));
    assert!(ok.header("access-control-allow-methods").is_some_and(|m| m.contains("PATCH")));
    let evil = w.send(Call::new("OPTIONS", "/posts").header("origin", "https://evil.example")).await;
    assert_eq!(evil.header("access-control-allow-origin"), None);
    assert_eq!(evil.header("access-control-allow-methods"), None);
    assert_eq!(evil.header("x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn missing_malformed_wrong_and_revoked_keys_get_one_and_the_same_401() {
    let w = World::start().await;
    let issued = w
        .deps
        .tenants
        .issue_key(&shared::tenant::TenantId::parse(&w.tenant.id).expect("id"))
        .await
        .expect("key");
    let revoked_key = secrecy::ExposeSecret::expose_secret(&issued.key).to_owned();
    assert!(w.deps.tenants.revoke_key(&issued.prefix).await.expect("revoke"));
    // The right prefix with a wrong secret.
    let (prefix_part, _) = w.tenant.key.rsplit_once('_').expect("key shape");
    let wrong = format!("{prefix_part}_{}", "A".repeat(43));
    // Which check failed is logged, never answered: the body says the same for all.
    let cases: Vec<Option<String>> = vec![
        None,
        Some("Basic dXNlcjpwYXNz".into()),
        Some("Bearer tk_nope".into()),
        Some(format!("Bearer {wrong}")),
        Some(format!("Bearer {revoked_key}")),
    ];
    for header in cases {
        let mut call = Call::new("GET", "/posts");
        if let Some(h) = &header {
            call = call.header("authorization", h);
        }
        let reply = w.send(call).await;
        assert_eq!(reply.status, 401, "{header:?}");
        assert_eq!(reply.error_code(), "unauthorized");
        assert_eq!(reply.message(), "missing or invalid credentials", "{header:?}");
    }
    let ok = w.call("GET", "/posts", Some(&w.tenant.key), None, &[]).await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn jwt_mode_takes_the_tenant_from_verified_claims() {
    let jwt = World::with(&[("AUTH_MODE", "jwt"), ("JWT_TENANT_CLAIM", "custom:tenant")]).await;
    let with_claims = Call::new("GET", "/posts").claims(serde_json::json!({"custom:tenant": jwt.tenant.id}));
    assert_eq!(jwt.send(with_claims).await.status, 200);
    let without = jwt.send(Call::new("GET", "/posts").bearer(&jwt.tenant.key)).await;
    assert_eq!(without.status, 401, "an API key is not accepted in JWT mode");
    assert_eq!(without.message(), "missing or invalid credentials");
    let hostile = Call::new("GET", "/posts").claims(serde_json::json!({"custom:tenant": "a#b"}));
    assert_eq!(jwt.send(hostile).await.status, 401);
}

#[tokio::test]
async fn bodies_over_the_cap_and_non_json_bodies_are_refused() {
    let w = World::start().await;
    let big = serde_json::json!({"caption": "x".repeat(70_000)});
    let reply = w.call("POST", "/posts", Some(&w.tenant.key), Some(big), &[]).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error_code(), "payload_too_large");
    let form = w
        .send(
            Call::new("POST", "/media").bearer(&w.tenant.key).raw("application/x-www-form-urlencoded", "a=b"),
        )
        .await;
    assert_eq!(form.status, 415);
}

#[tokio::test]
async fn openapi_lists_exactly_the_served_routes() {
    let w = World::start().await;
    let reply = w.call("GET", "/openapi.json", None, None, &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(routes::documented(&reply.body), routes::served(api::ROUTES));
    // And each served route answers something other than "no such route".
    for (method, path) in every_route().into_iter().take(api::ROUTES.len()) {
        let reply = w.send(Call::new(method, &path).bearer(&w.tenant.key)).await;
        assert!(!(reply.status == 404 && reply.message() == "no such route"), "{method} {path}");
    }
}

#[test]
fn template_routes_are_exactly_the_served_routes() {
    assert_eq!(
        routes::in_template("ApiIntegration"),
        routes::served(api::ROUTES),
        "template.yaml routes to the api function = api::ROUTES"
    );
}

/// The api's own default window is the template's: a deploy that leaves
/// SCHEDULE_HORIZON_DAYS out still schedules no further than the bucket keeps media.
#[test]
fn template_schedule_window_is_the_api_default() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"))
        .expect("template");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
    let template_default = doc["Parameters"]["ScheduleHorizonDays"]["Default"].as_u64().expect("default");
    let vars = [
        ("TABLE_NAME", "t"),
        ("MEDIA_BUCKET", "b"),
        ("PUBLISH_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/q"),
        ("APP_SECRET_ID", "s"),
    ];
    let env = shared::config::EnvReader::new(|name: &str| {
        vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    });
    let config = api::config::ApiConfig::read(env).expect("config from the stack variables alone");
    assert_eq!(config.schedule.horizon_days, template_default);
    let lead_default = doc["Parameters"]["ScheduleMinLeadSeconds"]["Default"].as_u64().expect("default");
    assert_eq!(config.schedule.min_lead_secs, lead_default);
}
