//! The Rust SDK clients against the local stack (moto server), on the real
//! resource definitions from template.yaml. Run through `make test`, which
//! starts the stack and exports `.local/stack.env`.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use shared::{aws::Aws, config::StackConfig, dynamo::s, error::StoreError, schema};

async fn stack() -> (StackConfig, Aws) {
    let config = StackConfig::from_env().unwrap_or_else(|e| {
        panic!("the local stack is not configured ({e}); run the tests through `make test`")
    });
    let clients = Aws::load(&config).await;
    (config, clients)
}

#[tokio::test]
async fn table_put_get_conditional_write_and_index_query() {
    let (config, aws) = stack().await;
    let tenant = ulid::Ulid::new().to_string();
    let account = ulid::Ulid::new().to_string();
    let (pk, sk) = schema::keys::account(&account);
    let put = |status: &str| {
        aws.dynamodb()
            .put_item()
            .table_name(&config.table_name)
            .item(schema::PK, s(&pk))
            .item(schema::SK, s(&sk))
            .item(schema::GSI_BY_OWNER_PK, s(schema::keys::accounts_of(&tenant)))
            .item(schema::GSI_BY_OWNER_SK, s(schema::keys::account_in_owner(&account)))
            .item("status", s(status))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
    };

    put("ACTIVE").send().await.expect("first put");
    let second = put("DISCONNECTED").send().await.expect_err("second put must hit the condition");
    assert!(
        matches!(second.as_service_error(), Some(e) if e.is_conditional_check_failed_exception()),
        "{second:?}"
    );
    assert!(!StoreError::from_sdk("dynamodb", second).is_retryable());

    let got = aws
        .dynamodb()
        .get_item()
        .table_name(&config.table_name)
        .key(schema::PK, s(&pk))
        .key(schema::SK, s(&sk))
        .consistent_read(true)
        .send()
        .await
        .expect("get");
    let item = got.item().expect("item exists");
    assert_eq!(item["status"], s("ACTIVE"), "the refused write changed nothing");

    let listed = aws
        .dynamodb()
        .query()
        .table_name(&config.table_name)
        .index_name(schema::GSI_BY_OWNER)
        .key_condition_expression("#o = :o")
        .expression_attribute_names("#o", schema::GSI_BY_OWNER_PK)
        .expression_attribute_values(":o", s(schema::keys::accounts_of(&tenant)))
        .send()
        .await
        .expect("query");
    assert_eq!(listed.count(), 1);
    assert_eq!(listed.items()[0][schema::PK], s(&pk));
}

#[tokio::test]
async fn presigned_put_then_presigned_get_round_trips_an_object() {
    let (config, aws) = stack().await;
    let key = format!("media/test-tenant/{}.mp4", ulid::Ulid::new());
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let presign = PresigningConfig::expires_in(Duration::from_secs(300)).expect("expiry");

    let put_url = aws
        .s3()
        .put_object()
        .bucket(&config.media_bucket)
        .key(&key)
        .content_type("video/mp4")
        .content_length(body.len() as i64)
        .presigned(presign.clone())
        .await
        .expect("presign put");
    assert!(put_url.uri().starts_with("http://127.0.0.1"), "path-style URL on the local endpoint");

    let http = reqwest::Client::new();
    let mut request = http.put(put_url.uri()).body(body.clone());
    for (name, value) in put_url.headers() {
        request = request.header(name, value);
    }
    let uploaded = request.send().await.expect("upload");
    assert!(uploaded.status().is_success(), "upload status {}", uploaded.status());

    let head = aws.s3().head_object().bucket(&config.media_bucket).key(&key).send().await.expect("head");
    assert_eq!(head.content_length(), Some(body.len() as i64));
    assert_eq!(head.content_type(), Some("video/mp4"));

    let get_url = aws
        .s3()
        .get_object()
        .bucket(&config.media_bucket)
        .key(&key)
        .presigned(presign)
        .await
        .expect("presign get");
    let downloaded = http.get(get_url.uri()).send().await.expect("download");
    assert!(downloaded.status().is_success());
    assert_eq!(downloaded.bytes().await.expect("bytes").as_ref(), body.as_slice());
}

#[tokio::test]
async fn message_moves_to_dead_letter_queue_after_max_receive_count() {
    let (config, aws) = stack().await;
    // A private queue pair with the publish queue's own redrive settings, so
    // this test never competes with others for messages on the real queue.
    let attributes = aws
        .sqs()
        .get_queue_attributes()
        .queue_url(&config.publish_queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy)
        .send()
        .await
        .expect("publish queue attributes");
    let redrive: serde_json::Value = serde_json::from_str(
        attributes.attributes().expect("attributes")[&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy]
            .as_str(),
    )
    .expect("redrive json");
    let max_receive = redrive["maxReceiveCount"].as_u64().expect("maxReceiveCount");
    assert!(max_receive >= 1);

    let suffix = ulid::Ulid::new().to_string().to_lowercase();
    let dlq_url = aws.sqs().create_queue().queue_name(format!("t-dlq-{suffix}")).send().await.expect("dlq");
    let dlq_url = dlq_url.queue_url().expect("dlq url").to_owned();
    let dlq_arn = format!("arn:aws:sqs:us-east-1:123456789012:t-dlq-{suffix}");
    let policy = serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive});
    let queue_url = aws
        .sqs()
        .create_queue()
        .queue_name(format!("t-q-{suffix}"))
        .attributes(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy, policy.to_string())
        .send()
        .await
        .expect("queue");
    let queue_url = queue_url.queue_url().expect("queue url").to_owned();

    aws.sqs().send_message().queue_url(&queue_url).message_body("publish post 1").send().await.expect("send");
    let mut receives = 0;
    for _ in 0..max_receive {
        let got = aws
            .sqs()
            .receive_message()
            .queue_url(&queue_url)
            .visibility_timeout(0)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        receives += got.messages().len() as u64;
    }
    assert_eq!(receives, max_receive, "delivered once per allowed receive");
    let after =
        aws.sqs().receive_message().queue_url(&queue_url).wait_time_seconds(1).send().await.expect("receive");
    assert!(after.messages().is_empty(), "the message left the source queue");

    let dead = aws
        .sqs()
        .receive_message()
        .queue_url(&dlq_url)
        .wait_time_seconds(2)
        .send()
        .await
        .expect("dlq receive");
    assert_eq!(dead.messages().len(), 1);
    assert_eq!(dead.messages()[0].body(), Some("publish post 1"));
}

#[tokio::test]
async fn app_secret_holds_credentials_and_a_current_256_bit_key() {
    let (config, aws) = stack().await;
    let secret =
        aws.secrets().get_secret_value().secret_id(&config.app_secret_id).send().await.expect("secret");
    let value: serde_json::Value =
        serde_json::from_str(secret.secret_string().expect("string")).expect("json");
    assert!(value["client_key"].as_str().is_some_and(|k| !k.is_empty()));
    assert!(value["client_secret"].as_str().is_some_and(|k| k.len() >= 32));
    let current = value["current_key_id"].as_str().expect("current key id");
    let key = value["keys"][current].as_str().expect("current key present");
    // 32 bytes in standard base64 is 44 characters with one '=' of padding.
    assert_eq!(key.len(), 44, "a 256-bit key");
}

/// Under `make test` and `make up`, `cargo lambda watch` serves the
/// functions. A file changing in the tree (an edit, another session's build,
/// `sam build` writing .aws-sam/) must not restart them: a restart kills the
/// process serving a request, and watch answers with its own 500 — an RFC
/// 7807 body without `x-request-id` — that looks like the function's.
#[tokio::test]
async fn the_local_gateway_keeps_answering_while_files_in_the_tree_change() {
    let api = std::env::var("API_URL").expect("API_URL: run through `make test` (the stack with watch)");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let probe = root.join(format!("infra/local/watch-probe-{}.tmp", ulid::Ulid::new()));
    let http = reqwest::Client::new();
    let health = format!("{api}/health");
    // Warm: the first request may compile and start the function. Its 503
    // is the function's own verdict on a table slow to answer (moto under
    // the other tests' load), so ask until it is up.
    let warm_until = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let first = http.get(&health).timeout(Duration::from_secs(600)).send().await.expect("watch answers");
        if first.status() == 200 {
            break;
        }
        assert!(
            first.status() == 503 && std::time::Instant::now() < warm_until,
            "health: {}",
            first.status()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    let touching = {
        let probe = probe.clone();
        tokio::spawn(async move {
            for i in 0..30 {
                std::fs::write(&probe, format!("{i}\n")).expect("write the probe file");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    // Requests go on a while after the last change: a restart comes late
    // when `cargo run` waits for another build's lock.
    let until = std::time::Instant::now() + Duration::from_secs(10);
    let mut answers = Vec::new();
    while !touching.is_finished() || std::time::Instant::now() < until {
        let reply = http.get(&health).timeout(Duration::from_secs(120)).send().await.expect("an answer");
        let from_function = reply.headers().contains_key("x-request-id");
        answers.push((reply.status().as_u16(), from_function));
    }
    touching.await.expect("probe writer");
    std::fs::remove_file(&probe).expect("remove the probe file");
    // A restart shows as watch's own answer (no x-request-id); the
    // function's 503 is its health verdict on a slow table, still its answer.
    let lost: Vec<_> =
        answers.iter().filter(|(status, ours)| !ours || ![200, 503].contains(status)).collect();
    assert!(lost.is_empty(), "{} of {} answers were not the function's: {lost:?}", lost.len(), answers.len());
    assert!(answers.iter().any(|(status, _)| *status == 200), "{answers:?}");
}
