//! `MediaStore::head` against an S3 endpoint that answers like AWS does for a
//! role without `s3:ListBucket`: 403 for a missing object. moto enforces no
//! IAM, so a one-line HTTP server plays S3 here.

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use shared::{error::StoreError, media::store::MediaStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers every request with `status` and no body; returns the endpoint URL.
async fn s3_answering(status: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = sock.read(&mut buf).await;
                let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

fn store(endpoint: &str) -> MediaStore {
    let creds = Credentials::new("test", "test", None, None, "test");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(creds.clone())
            .endpoint_url(endpoint)
            .force_path_style(true)
            .build(),
    );
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .endpoint_url(endpoint)
            .build(),
    );
    MediaStore::new(dynamodb, s3, "table", "media-bucket")
}

#[tokio::test]
async fn media_head_403_is_a_configuration_error_naming_list_bucket() {
    let endpoint = s3_answering("403 Forbidden").await;
    let err = store(&endpoint).head("media/t/m").await.expect_err("403 is not 'not uploaded yet'");
    match &err {
        StoreError::Refused { service: "s3", message } => {
            assert!(message.starts_with("configuration error"), "{message}");
            assert!(message.contains("s3:ListBucket"), "{message}");
            assert!(message.contains("s3://media-bucket/media/t/m"), "{message}");
        }
        other => panic!("expected a refusal naming the configuration, got {other:?}"),
    }
    assert!(!err.is_retryable(), "a missing permission does not heal by retrying");
}

#[tokio::test]
async fn media_head_404_is_not_uploaded_yet() {
    let endpoint = s3_answering("404 Not Found").await;
    assert_eq!(store(&endpoint).head("media/t/m").await.expect("404 is absent"), None);
}
