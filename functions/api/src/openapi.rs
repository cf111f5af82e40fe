//! `GET /openapi.json`, generated from the handlers' annotations. A test
//! checks it lists exactly the routes the router serves.

use shared::http_surface::openapi::Surface;
use utoipa::OpenApi;

/// The one error shape (`shared::http_surface::openapi`).
pub use shared::http_surface::openapi::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(title = "TikTok scheduling API", description = "Media upload slots, posts and connected accounts."),
    paths(
        crate::health::check,
        crate::media::create,
        crate::media::get,
        crate::posts::create,
        crate::posts::get,
        crate::posts::edit,
        crate::posts::cancel,
        crate::resolve::resolve,
        crate::post_list::list,
        crate::accounts::list,
        crate::accounts::get,
        crate::accounts::creator_info,
        document,
    ),
    modifiers(&Surface)
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/openapi.json", tag = "meta", responses((status = 200, description = "this document")))]
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

// Test code: a panic is a failed test, never reachable from a request.
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use shared::http_surface::openapi::ULID_PATTERN;
    use shared::post::PostStatus;

    #[test]
    fn every_documented_id_has_the_ulid_pattern_and_the_status_filter_every_status() {
        let document = serde_json::to_value(document()).expect("the document serialises");
        let mut ids: Vec<(String, Value)> = Vec::new();
        for (path, operations) in document["paths"].as_object().expect("paths") {
            for (method, operation) in operations.as_object().expect("operations") {
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    let name = parameter["name"].as_str().unwrap_or_default();
                    if name == "id" || name.ends_with("_id") {
                        ids.push((format!("{method} {path} {name}"), parameter["schema"].clone()));
                    }
                }
            }
        }
        for body in ["NewPost", "PostEdit"] {
            let properties = &document["components"]["schemas"][body]["properties"];
            if let Some(account) = properties.get("account_id") {
                ids.push((format!("{body}.account_id"), account.clone()));
            }
            let items = &properties["media_ids"]["items"];
            let items = match items.get("$ref").and_then(Value::as_str) {
                Some(reference) => document["components"]["schemas"]
                    [reference.rsplit('/').next().unwrap_or_default()]
                .clone(),
                None => items.clone(),
            };
            ids.push((format!("{body}.media_ids[]"), items));
        }
        assert_eq!(ids.len(), 11, "{:?}", ids.iter().map(|(n, _)| n).collect::<Vec<_>>());
        for (name, schema) in &ids {
            assert_eq!(schema["pattern"], ULID_PATTERN, "{name}");
        }
        let pattern = document["paths"]["/posts"]["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "status"))
            .and_then(|p| p["schema"]["pattern"].as_str())
            .expect("status pattern")
            .to_owned();
        let named: Vec<&str> =
            pattern.trim_start_matches("^(").split(')').next().unwrap_or_default().split('|').collect();
        let all: Vec<String> = PostStatus::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(named, all, "the first group names every status once, in order");
        assert_eq!(pattern, format!("^({0})(,({0}))*$", all.join("|")));
    }
}
