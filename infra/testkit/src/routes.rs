//! The routes a function serves, as the template and the OpenAPI document
//! state them, for the tests that hold both to the function's `ROUTES`.

/// `(METHOD, /path)` pairs, sorted.
pub type Routes = Vec<(String, String)>;

fn sorted(mut routes: Routes) -> Routes {
    routes.sort();
    routes
}

/// A function's `ROUTES` constant as [`Routes`].
pub fn served(routes: &[(&str, &str)]) -> Routes {
    sorted(routes.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect())
}

/// The routes `template.yaml` sends to the integration named `integration`
/// (`ApiIntegration`, `HashtagsIntegration`, ...).
pub fn in_template(integration: &str) -> Routes {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"))
        .expect("template.yaml is readable");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("template.yaml is YAML");
    let target = format!("integrations/${{{integration}}}");
    sorted(
        doc["Resources"]
            .as_mapping()
            .expect("resources")
            .values()
            .filter(|r| r["Type"].as_str() == Some("AWS::ApiGatewayV2::Route"))
            .filter(|r| format!("{:?}", r["Properties"]["Target"]).contains(&target))
            .filter_map(|r| r["Properties"]["RouteKey"].as_str())
            .filter_map(|k| k.split_once(' ').map(|(m, p)| (m.to_owned(), p.to_owned())))
            .collect(),
    )
}

/// The operations an OpenAPI document lists.
pub fn documented(document: &serde_json::Value) -> Routes {
    sorted(
        document["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object().expect("operations").keys().map(move |m| (m.to_uppercase(), path.clone()))
            })
            .collect(),
    )
}
