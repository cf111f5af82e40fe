//! template.yaml, the code's data model (`shared::schema`) and the resources
//! the local stack created must describe the same table, indexes, TTL, queues,
//! redrive, bucket and secret. Changing any one of them alone fails here.
//! Likewise docs/data-model.md's `## Items` table and the key formats of
//! `shared::schema::keys` (those tests need no stack).

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{KeyType, ProjectionType};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_yaml::Value;
use shared::{aws::Aws, config::StackConfig, schema};

struct Template {
    doc: Value,
    stack_name: String,
}

impl Template {
    fn load() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
        let text = std::fs::read_to_string(path).expect("template.yaml");
        let doc: Value = serde_yaml::from_str(&text).expect("template parses");
        let stack_name =
            std::env::var("STACK_NAME").expect("STACK_NAME from .local/stack.env; run `make test`");
        Self { doc, stack_name }
    }

    /// The resource's physical name: the template's, or the one the local
    /// stack gives a resource the template leaves unnamed
    /// (`<stack>-<logical id>` in lower case, infra/local/bootstrap.py).
    fn physical_name(&self, name: &str, key: &str) -> String {
        let given = &self.resource(name)[key];
        if given.is_null() {
            format!("{}-{name}", self.stack_name).to_lowercase()
        } else {
            self.text(given)
        }
    }

    fn resource(&self, name: &str) -> &Value {
        &self.doc["Resources"][name]["Properties"]
    }

    /// Resolves the few intrinsics the data resources use: `!Sub` with pseudo
    /// parameters, `!Ref` to a parameter's default, plain scalars.
    fn text(&self, value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Tagged(t) if t.tag == "!Sub" => self
                .text(&t.value)
                .replace("${AWS::StackName}", &self.stack_name)
                .replace("${AWS::AccountId}", "123456789012"),
            Value::Tagged(t) if t.tag == "!Ref" => {
                let name = t.value.as_str().expect("ref name");
                // The local stack applies the same overrides as `sam deploy
                // --parameter-overrides` (infra/local/bootstrap.py).
                let overrides = std::env::var("STACK_PARAMETER_OVERRIDES").unwrap_or_default();
                let overridden = overrides.split_whitespace().find_map(|pair| {
                    pair.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v.to_owned())
                });
                overridden.unwrap_or_else(|| self.text(&self.doc["Parameters"][name]["Default"]))
            }
            other => panic!("unexpected template value {other:?}"),
        }
    }

    fn key_pair(&self, keys: &Value) -> (String, String) {
        let seq = keys.as_sequence().expect("key schema");
        let find = |kind: &str| {
            seq.iter()
                .find(|k| k["KeyType"].as_str() == Some(kind))
                .map(|k| self.text(&k["AttributeName"]))
                .expect("key")
        };
        (find("HASH"), find("RANGE"))
    }
}

#[tokio::test]
async fn table_keys_indexes_and_ttl_agree() {
    let template = Template::load();
    let config = StackConfig::from_env().expect("stack env; run `make test`");
    let aws = Aws::load(&config).await;
    let table = template.resource("MainTable");

    let expected_name = template.physical_name("MainTable", "TableName");
    assert_eq!(config.table_name, expected_name, "TABLE_NAME is the template's table");
    assert_eq!(template.key_pair(&table["KeySchema"]), (schema::PK.to_owned(), schema::SK.to_owned()));

    let mut template_indexes = BTreeSet::new();
    for gsi in table["GlobalSecondaryIndexes"].as_sequence().expect("gsis") {
        let (h, r) = template.key_pair(&gsi["KeySchema"]);
        assert_eq!(gsi["Projection"]["ProjectionType"].as_str(), Some("ALL"));
        template_indexes.insert((template.text(&gsi["IndexName"]), h, r));
    }
    let code_indexes: BTreeSet<_> =
        schema::INDEXES.iter().map(|(n, h, r)| ((*n).to_owned(), (*h).to_owned(), (*r).to_owned())).collect();
    assert_eq!(template_indexes, code_indexes, "template GSIs are shared::schema::INDEXES");
    assert_eq!(template.text(&table["TimeToLiveSpecification"]["AttributeName"]), schema::TTL_ATTRIBUTE);

    let described =
        aws.dynamodb().describe_table().table_name(&expected_name).send().await.expect("describe");
    let live = described.table().expect("table");
    let live_key = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement], kind: KeyType| {
        schema.iter().find(|k| *k.key_type() == kind).map(|k| k.attribute_name().to_owned()).expect("key")
    };
    assert_eq!(live_key(live.key_schema(), KeyType::Hash), schema::PK);
    assert_eq!(live_key(live.key_schema(), KeyType::Range), schema::SK);
    let live_indexes: BTreeSet<_> = live
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            assert_eq!(g.projection().and_then(|p| p.projection_type()), Some(&ProjectionType::All));
            (
                g.index_name().expect("name").to_owned(),
                live_key(g.key_schema(), KeyType::Hash),
                live_key(g.key_schema(), KeyType::Range),
            )
        })
        .collect();
    assert_eq!(live_indexes, code_indexes, "the local table has exactly the template's indexes");

    let ttl = aws.dynamodb().describe_time_to_live().table_name(&expected_name).send().await.expect("ttl");
    let ttl = ttl.time_to_live_description().expect("ttl description");
    assert_eq!(ttl.attribute_name(), Some(schema::TTL_ATTRIBUTE));
}

#[tokio::test]
async fn queues_and_redrive_agree() {
    let template = Template::load();
    let config = StackConfig::from_env().expect("stack env; run `make test`");
    let aws = Aws::load(&config).await;
    let queue = template.resource("PublishQueue");
    let dlq = template.resource("PublishDeadLetterQueue");

    let queue_name = template.text(&queue["QueueName"]);
    let dlq_name = template.text(&dlq["QueueName"]);
    assert!(
        config.publish_queue_url.ends_with(&format!("/{queue_name}")),
        "PUBLISH_QUEUE_URL is the template's queue"
    );

    let attrs = |url: String| {
        let aws = aws.clone();
        async move {
            aws.sqs()
                .get_queue_attributes()
                .queue_url(url)
                .attribute_names(QueueAttributeName::All)
                .send()
                .await
                .expect("attributes")
                .attributes()
                .cloned()
                .unwrap_or_default()
        }
    };
    let live = attrs(config.publish_queue_url.clone()).await;
    let redrive: serde_json::Value =
        serde_json::from_str(&live[&QueueAttributeName::RedrivePolicy]).expect("redrive policy");
    assert_eq!(
        redrive["maxReceiveCount"].to_string().trim_matches('"'),
        template.text(&queue["RedrivePolicy"]["maxReceiveCount"])
    );
    assert!(redrive["deadLetterTargetArn"].as_str().expect("dlq arn").ends_with(&format!(":{dlq_name}")));
    assert_eq!(live[&QueueAttributeName::VisibilityTimeout], template.text(&queue["VisibilityTimeout"]));

    let dlq_url = aws.sqs().get_queue_url().queue_name(&dlq_name).send().await.expect("dlq exists");
    let dlq_live = attrs(dlq_url.queue_url().expect("url").to_owned()).await;
    assert_eq!(
        dlq_live[&QueueAttributeName::MessageRetentionPeriod],
        template.text(&dlq["MessageRetentionPeriod"])
    );
    assert_eq!(template.text(&dlq["MessageRetentionPeriod"]), "1209600", "14 days");
}

#[tokio::test]
async fn bucket_and_secret_agree() {
    let template = Template::load();
    let config = StackConfig::from_env().expect("stack env; run `make test`");
    let aws = Aws::load(&config).await;

    let bucket = template.physical_name("MediaBucket", "BucketName");
    assert_eq!(config.media_bucket, bucket);
    let block = aws.s3().get_public_access_block().bucket(&bucket).send().await.expect("public access block");
    let block = block.public_access_block_configuration().expect("configuration");
    assert_eq!(
        (
            block.block_public_acls(),
            block.block_public_policy(),
            block.ignore_public_acls(),
            block.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );
    let lifecycle =
        aws.s3().get_bucket_lifecycle_configuration().bucket(&bucket).send().await.expect("lifecycle");
    assert!(!lifecycle.rules().is_empty());

    let secret_name = template.physical_name("AppSecret", "Name");
    let described =
        aws.secrets().describe_secret().secret_id(&config.app_secret_id).send().await.expect("secret");
    assert_eq!(described.name(), Some(secret_name.as_str()));
}

/// The `## Items` table of docs/data-model.md: one row per item type.
struct DocItem {
    name: String,
    pk: String,
    sk: String,
    /// `owner: `pk` / `sk`; time: …` — the index attributes the item carries.
    indexes: String,
}

fn doc_items() -> Vec<DocItem> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/data-model.md");
    let text = std::fs::read_to_string(path).expect("docs/data-model.md");
    let section = text.split("\n## Items\n").nth(1).expect("an `## Items` section");
    let section = section.split("\n## ").next().unwrap_or_default();
    let rows: Vec<Vec<String>> = section
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| l.trim().trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect();
    assert_eq!(rows.first().map(|r| r[..3].join("|")), Some("item|`pk`|`sk`".to_owned()), "table header");
    rows.iter()
        .skip(2)
        .map(|r| {
            assert!(r.len() >= 4, "row {r:?}");
            let code = |cell: &str| cell.trim_matches('`').to_owned();
            DocItem { name: r[0].clone(), pk: code(&r[1]), sk: code(&r[2]), indexes: r[3].clone() }
        })
        .collect()
}

/// A key's shape: static segments (upper-case words) kept, every variable
/// segment (`{…}` in the doc, a sample value in code) written `{}`.
fn shape(key: &str) -> String {
    key.split('#')
        .map(|seg| if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_uppercase()) { seg } else { "{}" })
        .collect::<Vec<_>>()
        .join("#")
}

/// Every segment of a key in the doc is a static upper-case word or a `{placeholder}`.
fn assert_doc_key(item: &str, key: &str) {
    for seg in key.split('#') {
        let placeholder = seg.len() > 2 && seg.starts_with('{') && seg.ends_with('}');
        let word = !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_uppercase());
        assert!(
            placeholder || word,
            "{item}: segment {seg:?} of `{key}` is neither WORD nor {{placeholder}}"
        );
    }
}

/// An index key an item carries: the index (`owner`, `time`), its partition,
/// and its sort key where `schema::keys` builds it.
type IndexKey = (&'static str, String, Option<String>);

/// Every item type's key, built by `schema::keys` with placeholder arguments,
/// and its index keys.
fn code_items() -> Vec<((String, String), Vec<IndexKey>)> {
    use schema::keys;
    let t = "{t}";
    vec![
        (keys::tenant(t), vec![]),
        (keys::api_key("{prefix}"), vec![]),
        (
            keys::account("{account}"),
            vec![
                ("owner", keys::accounts_of(t), Some(keys::account_in_owner("{account}"))),
                ("time", keys::token_expiry(0), Some(keys::token_expiry_sort(0, "{account}"))),
            ],
        ),
        (keys::open_id("{open_id}"), vec![]),
        // The post's index sort keys are built in `post::store`, not here.
        (
            keys::post(t, "{post}"),
            vec![
                ("owner", keys::posts_of(t), None),
                ("time", keys::due("{minute}", 0), Some(keys::due_sort("{at}", "{post}"))),
            ],
        ),
        (keys::publish_ref("{publish_id}"), vec![]),
        (keys::webhook_delivery("{hash}"), vec![]),
        (keys::account_calls("{account}", "{kind}", "{window}"), vec![]),
        (keys::media(t, "{media}"), vec![]),
        (keys::idempotency(t, "{key}"), vec![]),
        (keys::oauth_state("{hash}"), vec![]),
        (
            keys::hashtag_analysis(
                "{version}",
                "{source}",
                "{scope}",
                "{region}",
                "{start}",
                "{end}",
                "{tag}",
            ),
            vec![],
        ),
        (keys::hashtag_quota("{app}", "{day}"), vec![]),
        (keys::tenant_rate(t, "{scope}", 0), vec![]),
    ]
}

/// The segment naming an item's type: the first of its `pk`, or the third of
/// a tenant-owned `TENANT#{t}#{segment}#…`.
fn type_segment(pk: &str) -> (bool, String) {
    let segs: Vec<&str> = pk.split('#').collect();
    if segs[0] == "TENANT" && segs.len() > 2 {
        (true, segs[2].to_owned())
    } else {
        (false, segs[0].to_owned())
    }
}

#[test]
fn item_prefixes_name_every_key_format_once() {
    use schema::keys::{ITEM_PREFIXES, TENANT_ITEM_SEGMENTS};
    let mut top = BTreeSet::new();
    let mut tenant_owned = BTreeSet::new();
    for ((pk, _), _) in code_items() {
        let (owned, segment) = type_segment(&pk);
        let fresh = if owned { tenant_owned.insert(segment.clone()) } else { top.insert(segment.clone()) };
        assert!(fresh, "two key formats share the type segment {segment} (`{pk}`)");
    }
    assert_eq!(top, ITEM_PREFIXES.iter().map(|p| (*p).to_owned()).collect(), "keys::ITEM_PREFIXES");
    assert_eq!(
        tenant_owned,
        TENANT_ITEM_SEGMENTS.iter().map(|p| (*p).to_owned()).collect(),
        "keys::TENANT_ITEM_SEGMENTS"
    );
    assert_eq!(ITEM_PREFIXES.len() + TENANT_ITEM_SEGMENTS.len(), code_items().len());
}

#[test]
fn the_data_model_doc_lists_the_key_formats_of_the_code() {
    let doc = doc_items();
    let mut doc_keys = BTreeSet::new();
    for item in &doc {
        assert_doc_key(&item.name, &item.pk);
        assert_doc_key(&item.name, &item.sk);
        let fresh = doc_keys.insert((shape(&item.pk), shape(&item.sk)));
        assert!(fresh, "the doc lists `{}` / `{}` twice", item.pk, item.sk);
    }
    let code_keys: BTreeSet<_> = code_items().iter().map(|((pk, sk), _)| (shape(pk), shape(sk))).collect();
    let only_doc: Vec<_> = doc_keys.difference(&code_keys).collect();
    let only_code: Vec<_> = code_keys.difference(&doc_keys).collect();
    assert!(
        only_doc.is_empty() && only_code.is_empty(),
        "docs/data-model.md `## Items` and shared::schema::keys disagree:\n  only in the doc: {only_doc:?}\n  only in the code: {only_code:?}"
    );

    // The index keys each item carries, where `schema::keys` builds them.
    for ((pk, _), code_indexes) in code_items() {
        let item = doc.iter().find(|d| shape(&d.pk) == shape(&pk)).expect("matched above");
        let doc_indexes: Vec<(String, String, String)> = item
            .indexes
            .split(';')
            .filter(|part| !part.trim().is_empty())
            .map(|part| {
                let index = part.trim().split([':', ' ']).next().unwrap_or_default().to_owned();
                let spans: Vec<&str> = part.split('`').skip(1).step_by(2).collect();
                assert!(spans.len() >= 2, "{}: index entry {part:?} has no `pk` / `sk`", item.name);
                let (ipk, isk) = (spans[spans.len() - 2], spans[spans.len() - 1]);
                assert_doc_key(&item.name, ipk);
                assert_doc_key(&item.name, isk);
                (index, shape(ipk), shape(isk))
            })
            .collect();
        let names = |v: Vec<&str>| v.join(", ");
        assert_eq!(
            names(doc_indexes.iter().map(|(i, _, _)| i.as_str()).collect()),
            names(code_indexes.iter().map(|(i, _, _)| *i).collect()),
            "{}: the indexes the item is in",
            item.name
        );
        for ((index, doc_pk, doc_sk), (_, code_pk, code_sk)) in doc_indexes.iter().zip(&code_indexes) {
            assert_eq!(doc_pk, &shape(code_pk), "{}: {index} index partition", item.name);
            if let Some(code_sk) = code_sk {
                assert_eq!(doc_sk, &shape(code_sk), "{}: {index} index sort key", item.name);
            }
        }
    }
}
