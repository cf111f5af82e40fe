//! template.yaml, the code's data model (`shared::schema`) and the resources
//! the local stack created must describe the same table, indexes, TTL, queues,
//! redrive, bucket and secret. Changing any one of them alone fails here.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{KeyType, ProjectionType};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_yaml::Value;
use shared::{aws::AwsClients, config::StackConfig, schema};

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
                self.text(&self.doc["Parameters"][name]["Default"])
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
    let aws = AwsClients::load(&config).await;
    let table = template.resource("MainTable");

    let expected_name = template.text(&table["TableName"]);
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

    let described = aws.dynamodb.describe_table().table_name(&expected_name).send().await.expect("describe");
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

    let ttl = aws.dynamodb.describe_time_to_live().table_name(&expected_name).send().await.expect("ttl");
    let ttl = ttl.time_to_live_description().expect("ttl description");
    assert_eq!(ttl.attribute_name(), Some(schema::TTL_ATTRIBUTE));
}

#[tokio::test]
async fn queues_and_redrive_agree() {
    let template = Template::load();
    let config = StackConfig::from_env().expect("stack env; run `make test`");
    let aws = AwsClients::load(&config).await;
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
            aws.sqs
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

    let dlq_url = aws.sqs.get_queue_url().queue_name(&dlq_name).send().await.expect("dlq exists");
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
    let aws = AwsClients::load(&config).await;

    let bucket = template.text(&template.resource("MediaBucket")["BucketName"]);
    assert_eq!(config.media_bucket, bucket);
    let block = aws.s3.get_public_access_block().bucket(&bucket).send().await.expect("public access block");
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
        aws.s3.get_bucket_lifecycle_configuration().bucket(&bucket).send().await.expect("lifecycle");
    assert!(!lifecycle.rules().is_empty());

    let secret_name = template.text(&template.resource("AppSecret")["Name"]);
    let described =
        aws.secrets.describe_secret().secret_id(&config.app_secret_id).send().await.expect("secret");
    assert_eq!(described.name(), Some(secret_name.as_str()));
}
