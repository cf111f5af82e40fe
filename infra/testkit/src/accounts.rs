//! Accounts as tampering tests need them: one attribute of a stored account
//! item changed behind the store's back.

use shared::{dynamo::s, schema};

/// Sets one string attribute of the account item `id` directly.
pub async fn edit_account(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    id: &str,
    attribute: &str,
    value: &str,
) {
    shared::dynamo::update(dynamodb, table, schema::keys::account(id))
        .update_expression("SET #a = :v")
        .expression_attribute_names("#a", attribute)
        .expression_attribute_values(":v", s(value))
        .send()
        .await
        .expect("edit account");
}
