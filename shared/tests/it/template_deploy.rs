//! template.yaml as a deploy would run it: assertions on what only a real AWS
//! account would show (IAM, S3 permissions, CORS, lifecycle, alarms, key
//! policies, timeouts). moto enforces none of these, so they are read from the
//! template itself; no stack is needed.

#![allow(dead_code)] // helpers for the assertions as they land

use serde_yaml::Value;

pub struct Doc(pub Value);

impl Doc {
    pub fn load() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
        let text = std::fs::read_to_string(path).expect("template.yaml");
        Self(serde_yaml::from_str(&text).expect("template parses"))
    }

    pub fn resource(&self, name: &str) -> &Value {
        let r = &self.0["Resources"][name];
        assert!(!r.is_null(), "template.yaml has no resource {name}");
        r
    }

    pub fn props(&self, name: &str) -> &Value {
        &self.resource(name)["Properties"]
    }

    pub fn param_default(&self, name: &str) -> String {
        scalar(&self.0["Parameters"][name]["Default"]).unwrap_or_else(|| panic!("parameter {name} has a default"))
    }

    /// Every `AWS::Serverless::Function` (logical id).
    pub fn functions(&self) -> Vec<String> {
        self.of_type("AWS::Serverless::Function")
    }

    pub fn of_type(&self, kind: &str) -> Vec<String> {
        self.0["Resources"]
            .as_mapping()
            .expect("resources")
            .iter()
            .filter(|(_, r)| r["Type"].as_str() == Some(kind))
            .map(|(k, _)| k.as_str().expect("logical id").to_owned())
            .collect()
    }

    /// Every inline policy statement of a function.
    pub fn statements(&self, function: &str) -> Vec<&Value> {
        self.props(function)["Policies"]
            .as_sequence()
            .expect("inline policies")
            .iter()
            .flat_map(|p| p["Statement"].as_sequence().expect("statements").iter())
            .collect()
    }

    pub fn statement(&self, function: &str, sid: &str) -> &Value {
        self.statements(function)
            .into_iter()
            .find(|s| s["Sid"].as_str() == Some(sid))
            .unwrap_or_else(|| panic!("{function} has no statement {sid}"))
    }
}

/// A plain scalar as text.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A tagged intrinsic (`!Ref X`, `!GetAtt X.Arn`, `!Sub "..."`) as "Tag value".
pub fn intrinsic(v: &Value) -> Option<(String, String)> {
    match v {
        Value::Tagged(t) => Some((t.tag.to_string(), scalar(&t.value).unwrap_or_else(|| format!("{:?}", t.value)))),
        _ => None,
    }
}

/// An `Action` or `Resource` as a list of its entries.
pub fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(s) => s.iter().collect(),
        Value::Null => vec![],
        other => vec![other],
    }
}

pub fn actions(statement: &Value) -> Vec<String> {
    list(&statement["Action"]).into_iter().filter_map(scalar).collect()
}

#[test]
fn template_api_role_may_list_the_media_prefix() {
    let doc = Doc::load();
    let s = doc.statement("ApiFunction", "MediaListing");
    assert_eq!(actions(s), ["s3:ListBucket"]);
    assert_eq!(
        intrinsic(&s["Resource"]),
        Some(("!GetAtt".to_owned(), "MediaBucket.Arn".to_owned())),
        "ListBucket is granted on the bucket ARN"
    );
    let prefixes: Vec<_> =
        list(&s["Condition"]["StringLike"]["s3:prefix"]).into_iter().filter_map(scalar).collect();
    assert_eq!(prefixes, ["media/*"], "ListBucket is scoped to the media/ prefix");
    let objects = doc.statement("ApiFunction", "MediaObjects");
    assert!(actions(objects).contains(&"s3:GetObject".to_owned()), "HeadObject needs s3:GetObject");
}
