//! template.yaml as a deploy would run it: assertions on what only a real AWS
//! account would show (IAM, S3 permissions, CORS, lifecycle, alarms, key
//! policies, timeouts). moto enforces none of these, so they are read from the
//! template itself; no stack is needed.

use serde_yaml::Value;

/// The policies of a function that has none.
static EMPTY: Vec<Value> = Vec::new();

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
        scalar(&self.0["Parameters"][name]["Default"])
            .unwrap_or_else(|| panic!("parameter {name} has a default"))
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

    /// Every inline policy statement of a function (none for a function
    /// without policies: the console touches no AWS resource).
    pub fn statements(&self, function: &str) -> Vec<&Value> {
        let policies = &self.props(function)["Policies"];
        policies
            .as_sequence()
            .or_else(|| policies.is_null().then_some(&EMPTY))
            .expect("inline policies are a list")
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
        Value::Tagged(t) => {
            Some((t.tag.to_string(), scalar(&t.value).unwrap_or_else(|| format!("{:?}", t.value))))
        }
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

#[test]
fn template_alarm_topic_uses_a_key_cloudwatch_may_use() {
    let doc = Doc::load();
    let topic = doc.props("AlarmTopic");
    let key = intrinsic(&topic["KmsMasterKeyId"]);
    assert_eq!(
        key,
        Some(("!Ref".to_owned(), "AlarmTopicKey".to_owned())),
        "alias/aws/sns cannot be used by CloudWatch: the topic needs a customer-managed key"
    );
    assert_eq!(doc.resource("AlarmTopicKey")["Type"].as_str(), Some("AWS::KMS::Key"));
    let policy = &doc.props("AlarmTopicKey")["KeyPolicy"]["Statement"];
    let cloudwatch = list(policy)
        .into_iter()
        .find(|s| scalar(&s["Principal"]["Service"]).as_deref() == Some("cloudwatch.amazonaws.com"))
        .expect("the key policy names cloudwatch.amazonaws.com");
    assert_eq!(scalar(&cloudwatch["Effect"]).as_deref(), Some("Allow"));
    let granted = actions(cloudwatch);
    for needed in ["kms:Decrypt", "kms:GenerateDataKey*"] {
        assert!(granted.contains(&needed.to_owned()), "CloudWatch needs {needed}: {granted:?}");
    }
    // Every alarm reaches the topic.
    for alarm in doc.of_type("AWS::CloudWatch::Alarm") {
        let targets: Vec<_> =
            list(&doc.props(&alarm)["AlarmActions"]).into_iter().filter_map(intrinsic).collect();
        assert_eq!(targets, [("!Ref".to_owned(), "AlarmTopic".to_owned())], "{alarm} notifies the topic");
    }
}

#[test]
fn template_deploy_output_says_when_no_one_gets_alarms() {
    let doc = Doc::load();
    let out = format!("{:?}", doc.0["Outputs"]["AlarmNotifications"]["Value"]);
    assert!(out.contains("HasAlarmEmail"), "the output depends on AlarmEmail: {out}");
    assert!(out.contains("NO SUBSCRIBER"), "an empty AlarmEmail is said loudly: {out}");
    assert!(!doc.0["Outputs"]["AlarmTopicArn"].is_null());
}

#[test]
fn template_bucket_cors_allows_presigned_put_from_the_consoles_origin_and_the_allowed_ones() {
    let doc = Doc::load();
    let rules = doc.props("MediaBucket")["CorsConfiguration"]["CorsRules"].as_sequence().expect("rules");
    let put = rules
        .iter()
        .find(|r| list(&r["AllowedMethods"]).iter().any(|m| m.as_str() == Some("PUT")))
        .expect("a rule for PUT");
    let Value::Tagged(t) = &put["AllowedOrigins"] else {
        panic!("origins are conditional on CorsAllowedOrigins: {:?}", put["AllowedOrigins"])
    };
    assert_eq!(t.tag.to_string(), "!If");
    let branches = t.value.as_sequence().expect("!If branches");
    assert_eq!(branches[0].as_str(), Some("HasCorsOrigins"));
    let with_list = format!("{:?}", branches[1]);
    assert!(
        with_list.contains("Split") && with_list.contains("${HttpApi.ApiEndpoint},${CorsAllowedOrigins}"),
        "the API's own origin (the console) and its allowed origins, no others: {with_list}"
    );
    let alone = format!("{:?}", branches[2]);
    assert!(alone.contains("HttpApi.ApiEndpoint") && !alone.contains("CorsAllowedOrigins"), "{alone}");
    for origins in [&with_list, &alone] {
        assert!(!origins.contains("\"*\""), "never *");
    }
    let headers: Vec<_> = list(&put["AllowedHeaders"]).into_iter().filter_map(scalar).collect();
    assert!(
        headers.contains(&"content-type".to_owned()),
        "the presigned PUT signs content-type: {headers:?}"
    );
    let methods: Vec<_> = list(&put["AllowedMethods"]).into_iter().filter_map(scalar).collect();
    assert_eq!(methods, ["PUT"], "uploads only; reads go through the API");
}

#[test]
fn template_console_may_connect_to_the_bucket_and_is_a_return_page_of_the_connect_flow() {
    let doc = Doc::load();
    let env = &doc.props("ConsoleFunction")["Environment"]["Variables"];
    let media = format!("{:?}", env["CONSOLE_MEDIA_ORIGIN"]);
    assert!(media.contains("https://${MediaBucket}.s3.${AWS::Region}.amazonaws.com"), "{media}");
    for base in ["CONSOLE_API_BASE", "CONSOLE_OAUTH_BASE", "CONSOLE_HASHTAGS_BASE"] {
        assert_eq!(scalar(&env[base]).as_deref(), Some(""), "{base}: one HTTP API, no prefixes");
    }
    let allow =
        format!("{:?}", doc.props("OAuthFunction")["Environment"]["Variables"]["OAUTH_RETURN_ALLOWLIST"]);
    assert!(allow.starts_with("Tagged") && allow.contains("${HttpApi.ApiEndpoint}/console/,"), "{allow}");
    assert_eq!(scalar(&doc.0["Parameters"]["OAuthReturnAllowlist"]["Default"]).as_deref(), Some(""));
}

/// The lifecycle rule that expires media, in days.
fn media_expiry_days(doc: &Doc) -> u64 {
    let rules = doc.props("MediaBucket")["LifecycleConfiguration"]["Rules"].as_sequence().expect("rules");
    let rule = rules.iter().find(|r| r["Prefix"].as_str() == Some("media/")).expect("a media/ rule");
    let days = match intrinsic(&rule["ExpirationInDays"]) {
        Some((tag, name)) if tag == "!Ref" => doc.param_default(&name),
        _ => scalar(&rule["ExpirationInDays"]).expect("days"),
    };
    days.parse().expect("a number of days")
}

/// Days media must outlive the horizon: a post due at the end of it may wait
/// in RETRY_WAIT (the daily cap) or NEEDS_ATTENTION for days.
const MEDIA_MARGIN_DAYS: u64 = 7;

#[test]
fn template_media_outlives_the_schedule_horizon() {
    let doc = Doc::load();
    let env = &doc.props("ApiFunction")["Environment"]["Variables"];
    let horizon = match intrinsic(&env["SCHEDULE_HORIZON_DAYS"]) {
        Some((tag, name)) if tag == "!Ref" => doc.param_default(&name),
        _ => scalar(&env["SCHEDULE_HORIZON_DAYS"]).expect("the template sets the api's horizon"),
    };
    let horizon: u64 = horizon.parse().expect("days");
    let expiry = media_expiry_days(&doc);
    assert!(
        expiry >= horizon + MEDIA_MARGIN_DAYS,
        "media expires after {expiry} days but posts may be scheduled {horizon} days ahead (+{MEDIA_MARGIN_DAYS} margin)"
    );
    // The largest horizon the parameter allows is what the retention's description promises to cover.
    let max_horizon = scalar(&doc.0["Parameters"]["ScheduleHorizonDays"]["MaxValue"]).expect("max");
    assert_eq!(max_horizon, "365", "the api accepts 1-365 days (functions/api/src/config.rs)");
}

/// Seconds a function may run, from its own `Timeout` or the Globals.
fn timeout(doc: &Doc, function: &str) -> Value {
    let own = &doc.props(function)["Timeout"];
    if own.is_null() {
        doc.0["Globals"]["Function"]["Timeout"].clone()
    } else {
        own.clone()
    }
}

#[test]
fn template_http_functions_end_before_the_http_api_gives_up() {
    let doc = Doc::load();
    let integrated: Vec<String> = doc
        .of_type("AWS::ApiGatewayV2::Integration")
        .iter()
        .filter_map(|i| intrinsic(&doc.props(i)["IntegrationUri"]))
        .map(|(_, target)| target.trim_end_matches(".Arn").to_owned())
        .collect();
    assert!(integrated.len() >= 4, "api, oauth, hashtags, webhooks: {integrated:?}");
    for function in &integrated {
        assert!(doc.functions().contains(function), "{function} is a function");
        let secs = scalar(&timeout(&doc, function)).and_then(|t| t.parse::<u64>().ok()).expect("a number");
        assert!(secs <= 29, "{function}: Timeout {secs} s is above the HTTP API's 29 s integration limit");
    }
}

#[test]
fn template_jwt_issuer_requires_an_audience() {
    let doc = Doc::load();
    let rule = format!("{:?}", doc.0["Rules"]["JwtNeedsAudience"]);
    assert!(rule.contains("JwtIssuer") && rule.contains("JwtAudience"), "{rule}");
    let audience = format!("{:?}", doc.props("JwtAuthorizer")["JwtConfiguration"]["Audience"]);
    assert!(audience.contains("JwtAudience"), "{audience}");
}

#[test]
fn template_first_deploy_derives_the_callback_and_outputs_what_tiktok_needs() {
    let doc = Doc::load();
    let param = &doc.0["Parameters"]["OAuthRedirectUri"];
    assert_eq!(scalar(&param["Default"]).as_deref(), Some(""), "OAuthRedirectUri may be left empty");
    let env = format!("{:?}", doc.props("OAuthFunction")["Environment"]["Variables"]["OAUTH_REDIRECT_URI"]);
    assert!(
        env.contains("HasRedirectUri") && env.contains("${HttpApi.ApiEndpoint}/oauth/tiktok/callback"),
        "an empty OAuthRedirectUri means the API's own callback: {env}"
    );
    let outputs = &doc.0["Outputs"];
    let redirect = format!("{:?}", outputs["TikTokRedirectUri"]["Value"]);
    assert!(redirect.contains("/oauth/tiktok/callback"), "{redirect}");
    let webhook = format!("{:?}", outputs["TikTokWebhookUrl"]["Value"]);
    assert!(webhook.contains("${HttpApi.ApiEndpoint}/webhooks/tiktok"), "{webhook}");
    // The callback route the output names is the oauth function's.
    assert_eq!(
        scalar(&doc.props("OAuthRouteCallback")["RouteKey"]).as_deref(),
        Some("GET /oauth/tiktok/callback")
    );
    assert_eq!(
        scalar(&doc.props("WebhooksRouteTikTok")["RouteKey"]).as_deref(),
        Some("POST /webhooks/tiktok")
    );
}

#[test]
fn template_every_function_logs_with_retention_and_traces() {
    let doc = Doc::load();
    assert_eq!(scalar(&doc.0["Globals"]["Function"]["Tracing"]).as_deref(), Some("Active"), "X-Ray");
    let functions = doc.functions();
    assert_eq!(functions.len(), 8, "{functions:?}");
    for function in &functions {
        let group = intrinsic(&doc.props(function)["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{function} names its log group (LoggingConfig)"));
        assert_eq!(group.0, "!Ref");
        let resource = doc.resource(&group.1);
        assert_eq!(resource["Type"].as_str(), Some("AWS::Logs::LogGroup"));
        assert!(!resource["Properties"]["RetentionInDays"].is_null(), "{} keeps logs forever", group.1);
    }
    let access =
        intrinsic(&doc.props("HttpApiStage")["AccessLogSettings"]["DestinationArn"]).expect("access logs");
    let access_group = access.1.trim_end_matches(".Arn");
    assert!(!doc.props(access_group)["RetentionInDays"].is_null(), "access logs have a retention");
}

/// (namespace, metric, dimension values) of every alarm.
fn alarms(doc: &Doc) -> Vec<(String, String, String)> {
    doc.of_type("AWS::CloudWatch::Alarm")
        .iter()
        .map(|a| {
            let p = doc.props(a);
            (
                scalar(&p["Namespace"]).unwrap_or_default(),
                scalar(&p["MetricName"]).unwrap_or_default(),
                format!("{:?}", p["Dimensions"]),
            )
        })
        .collect()
}

#[test]
fn template_alarms_cover_functions_api_table_queue_and_needs_attention() {
    let doc = Doc::load();
    let all = alarms(&doc);
    let has = |ns: &str, metric: &str, dim: &str| {
        all.iter().any(|(n, m, d)| n == ns && m == metric && d.contains(dim))
    };
    for function in doc.functions() {
        for metric in ["Errors", "Throttles"] {
            assert!(has("AWS/Lambda", metric, &function), "no {metric} alarm for {function}");
        }
    }
    assert!(has("AWS/ApiGateway", "5xx", "HttpApi"), "API 5xx");
    assert!(has("AWS/ApiGateway", "Latency", "HttpApi"), "API latency");
    assert!(has("AWS/DynamoDB", "ReadThrottleEvents", "MainTable"), "table read throttles");
    assert!(has("AWS/DynamoDB", "WriteThrottleEvents", "MainTable"), "table write throttles");
    assert!(has("AWS/SQS", "ApproximateAgeOfOldestMessage", "PublishQueue"), "queue age");
    assert!(has("AWS/SQS", "ApproximateNumberOfMessagesVisible", "PublishDeadLetterQueue"), "DLQ");
    for function in ["dispatcher", "publisher"] {
        assert!(has("TikTokScheduler", "NeedsAttention", function), "NEEDS_ATTENTION from the {function}");
    }
}

#[test]
fn template_stateful_resources_survive_and_can_be_created_again() {
    let doc = Doc::load();
    let policy = |name: &str, key: &str| scalar(&doc.resource(name)[key]).unwrap_or_default();
    // Retained: the data, and the key ring that seals the tokens in it.
    for (name, name_key) in [("MainTable", "TableName"), ("MediaBucket", "BucketName"), ("AppSecret", "Name")]
    {
        assert_eq!(policy(name, "DeletionPolicy"), "Retain", "{name}");
        assert_eq!(policy(name, "UpdateReplacePolicy"), "Retain", "{name}");
        assert!(
            doc.props(name)[name_key].is_null(),
            "{name} is retained: a fixed {name_key} would block creating the stack again"
        );
    }
    assert_eq!(scalar(&doc.props("MainTable")["DeletionProtectionEnabled"]).as_deref(), Some("true"));
    // Queues carry no state the table does not: they go with the stack, explicitly.
    for queue in doc.of_type("AWS::SQS::Queue") {
        assert_eq!(policy(&queue, "DeletionPolicy"), "Delete", "{queue} says what happens to it");
    }
    let allow = &doc.props("PublishDeadLetterQueue")["RedriveAllowPolicy"];
    assert_eq!(scalar(&allow["redrivePermission"]).as_deref(), Some("byQueue"));
    let sources = format!("{:?}", allow["sourceQueueArns"]);
    let queue_name = format!("{:?}", doc.props("PublishQueue")["QueueName"]);
    assert!(
        sources.contains("${AWS::StackName}-publish\"") && queue_name.contains("${AWS::StackName}-publish\"")
    );
}

/// A template value that is a number: a literal, a quoted literal, or `!Ref`
/// to a parameter (its default).
fn number(doc: &Doc, v: &Value) -> u64 {
    let text = match intrinsic(v) {
        Some((tag, name)) if tag == "!Ref" => doc.param_default(&name),
        _ => scalar(v).unwrap_or_else(|| panic!("not a number: {v:?}")),
    };
    text.parse().unwrap_or_else(|_| panic!("not a number: {text}"))
}

#[test]
fn template_publisher_timeouts_nest_upload_inside_timeout_inside_lease_and_visibility() {
    let doc = Doc::load();
    let env = &doc.props("PublisherFunction")["Environment"]["Variables"];
    let upload = number(&doc, &env["TIKTOK_UPLOAD_TIMEOUT_SECS"]);
    let api = number(&doc, &env["TIKTOK_API_TIMEOUT_SECS"]);
    let lease = number(&doc, &env["PUBLISH_LEASE_SECS"]);
    let timeout = number(&doc, &timeout(&doc, "PublisherFunction"));
    let visibility = number(&doc, &doc.props("PublishQueue")["VisibilityTimeout"]);
    assert!(
        upload + api < timeout,
        "a chunk upload ({upload} s) and an API call ({api} s) must end inside the publisher's Timeout ({timeout} s)"
    );
    assert!(lease > timeout, "the lease ({lease} s) outlives an invocation ({timeout} s)");
    assert!(
        visibility >= 6 * timeout,
        "the queue's visibility ({visibility} s) covers six publisher timeouts ({timeout} s), as AWS advises"
    );
    assert!(visibility > lease, "a message reappears only after its lease ran out");
}

#[test]
fn template_refresher_runs_alone_and_hashtags_are_capped() {
    let doc = Doc::load();
    let refresher = doc.props("TokenRefresherFunction");
    assert_eq!(number(&doc, &refresher["ReservedConcurrentExecutions"]), 1, "one refresher run at a time");
    let on_failure = &refresher["EventInvokeConfig"]["DestinationConfig"]["OnFailure"];
    assert_eq!(scalar(&on_failure["Type"]).as_deref(), Some("SQS"));
    let destination = intrinsic(&on_failure["Destination"]).expect("a destination");
    let queue = destination.1.trim_end_matches(".Arn");
    assert_eq!(doc.resource(queue)["Type"].as_str(), Some("AWS::SQS::Queue"));
    let all = alarms(&doc);
    assert!(
        all.iter().any(|(_, m, d)| m == "ApproximateNumberOfMessagesVisible" && d.contains(queue)),
        "failed refresher runs alarm"
    );
    let cap = number(&doc, &doc.props("HashtagsFunction")["ReservedConcurrentExecutions"]);
    assert!((1..=20).contains(&cap), "hashtags is capped (TikTok quotas): {cap}");
}

/// DynamoDB actions that name an item by its key, and so can be limited by
/// `dynamodb:LeadingKeys`.
const ITEM_ACTIONS: [&str; 7] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
];

/// Whether a `LeadingKeys` pattern names key families of `schema::keys`: a
/// top-level prefix (`ACCOUNT#*`), the tenant's space (`TENANT#*`), a tenant
/// item family (`TENANT#*#POST#*`), or the health probe's fixed key.
fn known_family(pattern: &str) -> bool {
    use shared::schema::keys::{ITEM_PREFIXES, TENANT_ITEM_SEGMENTS};
    if pattern == "HEALTH" {
        return true;
    }
    if let Some(rest) = pattern.strip_prefix("TENANT#*#") {
        // A whole family (`RATE#*`) or a narrower part of one (`RATE#OAUTH#*`).
        return TENANT_ITEM_SEGMENTS.iter().any(|seg| {
            rest == format!("{seg}#*") || rest.starts_with(&format!("{seg}#")) && rest.ends_with("#*")
        });
    }
    ITEM_PREFIXES.iter().any(|prefix| pattern == format!("{prefix}#*"))
}

/// Everything that breaks least privilege in the functions' inline policies.
fn least_privilege_violations(doc: &Doc) -> Vec<String> {
    let mut found = Vec::new();
    for function in doc.functions() {
        for s in doc.statements(&function) {
            let sid = scalar(&s["Sid"]).unwrap_or_else(|| "<no Sid>".into());
            let at = format!("{function}/{sid}");
            if scalar(&s["Effect"]).as_deref() != Some("Allow") {
                continue;
            }
            let acts = actions(s);
            if acts.is_empty() {
                found.push(format!("{at}: no plain actions"));
            }
            for a in &acts {
                if a.contains('*') {
                    found.push(format!("{at}: wildcard action {a}"));
                }
            }
            for r in list(&s["Resource"]) {
                let text = scalar(r).or_else(|| intrinsic(r).map(|(_, v)| v)).unwrap_or_default();
                if text == "*" || text.ends_with(":*") || text.ends_with("/index/*") {
                    found.push(format!("{at}: wildcard resource {text}"));
                }
            }
            let on_table = list(&s["Resource"])
                .into_iter()
                .any(|r| intrinsic(r).is_some_and(|(tag, v)| tag == "!GetAtt" && v == "MainTable.Arn"));
            if on_table && acts.iter().any(|a| ITEM_ACTIONS.contains(&a.as_str())) {
                let keys = &s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
                let patterns: Vec<String> = list(keys).into_iter().filter_map(scalar).collect();
                if patterns.is_empty() {
                    found.push(format!("{at}: item actions on the table without a LeadingKeys condition"));
                }
                for p in patterns {
                    if !known_family(&p) {
                        found.push(format!("{at}: LeadingKeys {p} is not a key family of schema::keys"));
                    }
                }
            }
            if acts.iter().any(|a| {
                a.starts_with("dynamodb:") && !ITEM_ACTIONS.contains(&a.as_str()) && a != "dynamodb:Query"
            }) {
                found.push(format!("{at}: unexpected DynamoDB action {acts:?}"));
            }
            if acts.iter().any(|a| a == "dynamodb:Query") {
                for r in list(&s["Resource"]) {
                    let text = intrinsic(r).map(|(_, v)| v).unwrap_or_default();
                    if !text.contains("/index/") {
                        found.push(format!("{at}: Query outside a named index ({text})"));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn template_least_privilege_every_function() {
    let doc = Doc::load();
    let found = least_privilege_violations(&doc);
    assert!(found.is_empty(), "least privilege:\n  {}", found.join("\n  "));
}

/// The check itself: each planted flaw is caught.
#[test]
fn template_least_privilege_catches_planted_flaws() {
    fn planted(edit: impl Fn(&mut Value)) -> Vec<String> {
        let mut doc = Doc::load();
        let statements = doc.0["Resources"]["ApiFunction"]["Properties"]["Policies"][0]["Statement"]
            .as_sequence_mut()
            .expect("statements");
        let item_reads =
            statements.iter_mut().find(|s| s["Sid"].as_str() == Some("ItemReads")).expect("ItemReads");
        edit(item_reads);
        least_privilege_violations(&doc)
    }
    let wildcard_action = planted(|s| s["Action"] = Value::String("dynamodb:*".into()));
    assert!(wildcard_action.iter().any(|f| f.contains("wildcard action")), "{wildcard_action:?}");
    let wildcard_resource = planted(|s| s["Resource"] = Value::String("*".into()));
    assert!(wildcard_resource.iter().any(|f| f.contains("wildcard resource")), "{wildcard_resource:?}");
    let no_condition = planted(|s| s["Condition"] = Value::Null);
    assert!(no_condition.iter().any(|f| f.contains("without a LeadingKeys")), "{no_condition:?}");
    let unknown_family = planted(|s| {
        s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] =
            Value::Sequence(vec![Value::String("*".into())])
    });
    assert!(unknown_family.iter().any(|f| f.contains("not a key family")), "{unknown_family:?}");
}

#[test]
fn template_samconfig_sets_every_parameter_without_a_default() {
    let doc = Doc::load();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../samconfig.toml");
    let config = std::fs::read_to_string(path).expect("samconfig.toml");
    let overrides = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("parameter_overrides"))
        .expect("samconfig.toml [default.deploy.parameters] has parameter_overrides");
    let required: Vec<String> = doc.0["Parameters"]
        .as_mapping()
        .expect("parameters")
        .iter()
        .filter(|(_, p)| p["Default"].is_null())
        .map(|(k, _)| k.as_str().expect("name").to_owned())
        .collect();
    for name in &required {
        assert!(
            overrides.contains(&format!("{name}=")),
            "plain `sam deploy` needs {name} in parameter_overrides"
        );
    }
    assert!(
        config.lines().any(|l| l.trim() == "cached = false"),
        "CodeUri is the workspace root: SAM's cache never hits (target/ is in its checksum)"
    );
}

#[test]
fn template_outputs_the_readme_deploy_guide_names() {
    let doc = Doc::load();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README");
    let guide = readme.split("\n## Deploy\n").nth(1).expect("a Deploy section");
    let guide = guide.split("\n## ").next().unwrap_or_default();
    for output in [
        "TikTokRedirectUri",
        "TikTokWebhookUrl",
        "AppSecretArn",
        "AlarmTopicArn",
        "AlarmNotifications",
        "TableName",
        "MediaBucketName",
        "PublishQueueUrl",
    ] {
        assert!(guide.contains(output), "the deploy guide names the {output} output");
        assert!(!doc.0["Outputs"][output].is_null(), "the template outputs {output}");
    }
    let export =
        guide.lines().position(|l| l.contains(".local/venv/bin:$PATH")).expect("PATH with .local/venv/bin");
    let deploy = guide.lines().position(|l| l.trim_start().starts_with("sam deploy")).expect("sam deploy");
    assert!(export < deploy, "sam build and sam deploy both run with .local/venv/bin on PATH");
}

#[test]
fn template_every_route_is_throttled_and_analyses_tighter() {
    let doc = Doc::load();
    let stage = doc.props("HttpApiStage");
    let default = &stage["DefaultRouteSettings"];
    for (setting, parameter) in
        [("ThrottlingBurstLimit", "ApiThrottleBurst"), ("ThrottlingRateLimit", "ApiThrottleRate")]
    {
        assert_eq!(
            intrinsic(&default[setting]),
            Some(("!Ref".to_owned(), parameter.to_owned())),
            "every route's {setting} comes from {parameter}"
        );
        let value: u64 = doc.param_default(parameter).parse().expect("a number");
        assert!(value >= 1, "{parameter} is a real limit");
    }
    let analysis = &stage["RouteSettings"]["GET /hashtags/{tag}/analysis"];
    for (setting, parameter) in
        [("ThrottlingBurstLimit", "ApiThrottleBurst"), ("ThrottlingRateLimit", "ApiThrottleRate")]
    {
        let tight = scalar(&analysis[setting]).and_then(|v| v.parse::<u64>().ok()).expect("analysis limit");
        let general: u64 = doc.param_default(parameter).parse().expect("a number");
        assert!(tight < general, "analyses cost TikTok calls: {setting} {tight} < {general}");
    }
}
