//! A private table and publish queue per test on the local stack, for code
//! that acts on a whole index or queue: the dispatcher walks every due post
//! of its table, so tests running in parallel on one moto must not see each
//! other's posts or messages. The table has the stack table's keys, indexes
//! and TTL from `shared::schema`, which `shared/tests/it/template_agrees.rs`
//! proves equal to template.yaml's `MainTable`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use shared::{aws::Aws, schema};

/// A fresh table and queue; `remove` deletes both.
pub struct Isolated {
    pub table: String,
    pub queue_url: String,
    aws: Aws,
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(kind).build().expect("key schema element")
}

fn string_attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute definition")
}

impl Isolated {
    /// Creates `t-{ulid}` (table) and `t-{ulid}-publish` (queue).
    pub async fn create(aws: &Aws) -> Self {
        let name = format!("t-{}", ulid::Ulid::new().to_string().to_lowercase());
        let mut table = aws
            .dynamodb()
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(schema::PK, KeyType::Hash))
            .key_schema(key(schema::SK, KeyType::Range))
            .attribute_definitions(string_attribute(schema::PK))
            .attribute_definitions(string_attribute(schema::SK));
        for (index, hash, range) in schema::INDEXES {
            table = table
                .attribute_definitions(string_attribute(hash))
                .attribute_definitions(string_attribute(range))
                .global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(index)
                        .key_schema(key(hash, KeyType::Hash))
                        .key_schema(key(range, KeyType::Range))
                        .projection(Projection::builder().projection_type(ProjectionType::All).build())
                        .build()
                        .expect("index"),
                );
        }
        table.send().await.expect("create an isolated table on the local stack");
        aws.dynamodb()
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(schema::TTL_ATTRIBUTE)
                    .enabled(true)
                    .build()
                    .expect("ttl"),
            )
            .send()
            .await
            .expect("ttl");
        let queue =
            aws.sqs().create_queue().queue_name(format!("{name}-publish")).send().await.expect("queue");
        let queue_url = queue.queue_url().expect("queue url").to_owned();
        Self { table: name, queue_url, aws: aws.clone() }
    }

    /// The stack variables that point a function at this table and queue.
    pub fn env(&self) -> HashMap<String, String> {
        [("TABLE_NAME", &self.table), ("PUBLISH_QUEUE_URL", &self.queue_url)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect()
    }

    /// The bodies of the messages visible now, received and deleted, until
    /// a receive (waiting up to `wait_secs`) answers none.
    pub async fn drain(&self, wait_secs: i32) -> Vec<String> {
        let mut bodies = Vec::new();
        loop {
            let out = self
                .aws
                .sqs()
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(wait_secs)
                .send()
                .await
                .expect("receive");
            let messages = out.messages();
            if messages.is_empty() {
                return bodies;
            }
            for m in messages {
                bodies.push(m.body().unwrap_or_default().to_owned());
                let handle = m.receipt_handle().unwrap_or_default();
                self.aws
                    .sqs()
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .expect("delete");
            }
        }
    }

    /// (visible, delayed) messages in the queue, as SQS counts them.
    pub async fn counts(&self) -> (u64, u64) {
        let out = self
            .aws
            .sqs()
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names("All".into())
            .send()
            .await
            .expect("queue attributes");
        let attributes = out.attributes().cloned().unwrap_or_default();
        let read = |name: &str| {
            attributes.iter().find(|(k, _)| k.as_str() == name).and_then(|(_, v)| v.parse().ok()).unwrap_or(0)
        };
        (read("ApproximateNumberOfMessages"), read("ApproximateNumberOfMessagesDelayed"))
    }

    /// Deletes the table and the queue.
    pub async fn remove(self) {
        let _ = self.aws.dynamodb().delete_table().table_name(&self.table).send().await;
        let _ = self.aws.sqs().delete_queue().queue_url(&self.queue_url).send().await;
    }
}
