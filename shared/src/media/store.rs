//! Media records in DynamoDB and their objects in S3: presigned uploads,
//! HeadObject checks and ranged reads for the pre-flight probe.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use aws_sdk_s3::presigning::PresigningConfig;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::probe::{MediaFacts, RangeSource};
use super::{ContentType, MediaId, MediaKey, MediaKind};
use crate::dynamo::{applied, get_item, s};
use crate::{error::StoreError, schema, tenant::TenantId};
use foundation::time_format::rfc3339;

/// The message for a HeadObject S3 answered 403. Without `s3:ListBucket` on
/// the bucket S3 answers a missing object with 403 instead of 404, so "not
/// uploaded yet" looks like "denied": a deploy that grants `s3:GetObject` alone
/// makes every check before the upload fail. A configuration error, named as one.
pub fn head_forbidden(bucket: &str, key: &str) -> String {
    format!(
        "configuration error: S3 answered HeadObject on s3://{bucket}/{key} with 403. \
         The function's role needs s3:GetObject on the object and s3:ListBucket on the bucket \
         (scoped to the media/ prefix): without ListBucket S3 reports a missing object as 403, not 404 \
         (template.yaml grants both to the api function)"
    )
}

/// DynamoDB's most keys in one `BatchGetItem`.
pub const BATCH_GET_MAX: usize = 100;
/// How many times keys left unprocessed are asked again before giving up.
const BATCH_GET_ROUNDS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediaStatus {
    PendingUpload,
    Ready,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaItem {
    pub id: MediaId,
    pub tenant: String,
    pub kind: MediaKind,
    pub content_type: ContentType,
    pub declared_size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub key: String,
    pub status: MediaStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<MediaFacts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A presigned upload: the URL and the headers the client must send with it.
#[derive(Debug, Clone, Serialize)]
pub struct UploadSlot {
    pub url: String,
    pub method: &'static str,
    pub headers: HashMap<String, String>,
    pub expires_in_seconds: u64,
}

#[derive(Clone, Debug)]
pub struct MediaStore {
    dynamodb: aws_sdk_dynamodb::Client,
    s3: aws_sdk_s3::Client,
    table: String,
    bucket: String,
}

impl MediaStore {
    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
        table: impl Into<String>,
        bucket: impl Into<String>,
    ) -> Self {
        Self { dynamodb, s3, table: table.into(), bucket: bucket.into() }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// A new `PENDING_UPLOAD` record for a server-generated key.
    pub fn new_item(
        tenant: &TenantId,
        content_type: ContentType,
        declared_size: u64,
        sha256: Option<String>,
    ) -> MediaItem {
        let id = MediaId::new();
        let now = rfc3339(OffsetDateTime::now_utc());
        MediaItem {
            key: MediaKey::new(tenant, &id, content_type).as_str().to_owned(),
            id,
            tenant: tenant.to_string(),
            kind: content_type.kind(),
            content_type,
            declared_size,
            sha256,
            status: MediaStatus::PendingUpload,
            size: None,
            facts: None,
            reason: None,
            created_at: now.clone(),
            updated_at: now,
        }
    }

    pub async fn put(&self, item: &MediaItem) -> Result<(), StoreError> {
        let mut attrs = crate::dynamo::to_item(item)?;
        let (pk, sk) = schema::keys::media(&item.tenant, &item.id.to_string());
        attrs.insert(schema::PK.into(), s(pk));
        attrs.insert(schema::SK.into(), s(sk));
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(attrs))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        Ok(())
    }

    /// The tenant's media item; another tenant's id is a miss.
    pub async fn get(&self, tenant: &TenantId, id: &MediaId) -> Result<Option<MediaItem>, StoreError> {
        get_item(&self.dynamodb, &self.table, schema::keys::media(tenant.as_str(), &id.to_string())).await
    }

    /// The tenant's media items for `ids`, in the same order (`None` = not
    /// the tenant's or absent), read with consistent `BatchGetItem`s of at
    /// most [`BATCH_GET_MAX`] keys. Callers bound `ids` first (a post takes
    /// at most 35); keys DynamoDB leaves unprocessed are asked again, a
    /// bounded number of times.
    pub async fn get_many(
        &self,
        tenant: &TenantId,
        ids: &[MediaId],
    ) -> Result<Vec<Option<MediaItem>>, StoreError> {
        let mut found: HashMap<String, MediaItem> = HashMap::new();
        let mut unique: Vec<&MediaId> = Vec::new();
        for id in ids {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        for chunk in unique.chunks(BATCH_GET_MAX) {
            let keys: Vec<HashMap<String, AttributeValue>> = chunk
                .iter()
                .map(|id| {
                    let (pk, sk) = schema::keys::media(tenant.as_str(), &id.to_string());
                    HashMap::from([(schema::PK.to_owned(), s(pk)), (schema::SK.to_owned(), s(sk))])
                })
                .collect();
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            );
            let mut rounds = 0;
            while let Some(request) = pending.take() {
                rounds += 1;
                if rounds > BATCH_GET_ROUNDS {
                    return Err(StoreError::Unavailable {
                        service: "dynamodb",
                        message: "BatchGetItem left keys unprocessed".into(),
                    });
                }
                let out = self
                    .dynamodb
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
                let items = out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default();
                for item in items {
                    let media: MediaItem = crate::dynamo::from_item(item)?;
                    found.insert(media.id.to_string(), media);
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys().is_empty());
                if pending.is_some() {
                    tokio::time::sleep(Duration::from_millis(50 << rounds.min(4))).await;
                }
            }
        }
        Ok(ids
            .iter()
            .map(|id| found.get(&id.to_string()).filter(|m| m.tenant == tenant.as_str()).cloned())
            .collect())
    }

    /// Records the verdict of a check, once: only a `PENDING_UPLOAD` record
    /// changes, so concurrent checks agree on one outcome.
    pub async fn settle(&self, item: &MediaItem) -> Result<bool, StoreError> {
        let mut attrs = crate::dynamo::to_item(item)?;
        let (pk, sk) = schema::keys::media(&item.tenant, &item.id.to_string());
        attrs.insert(schema::PK.into(), s(pk));
        attrs.insert(schema::SK.into(), s(sk));
        let result = self
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(attrs))
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", s("PENDING_UPLOAD"))
            .send()
            .await;
        applied(result)
    }

    /// A presigned PUT with the content type and length (and checksum, when
    /// declared) bound into the signature.
    pub async fn presign_upload(
        &self,
        item: &MediaItem,
        expires: Duration,
    ) -> Result<UploadSlot, StoreError> {
        let config = PresigningConfig::expires_in(expires)
            .map_err(|e| StoreError::Refused { service: "s3", message: e.to_string() })?;
        let mut request = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&item.key)
            .content_type(item.content_type.as_str())
            .content_length(item.declared_size as i64);
        if let Some(checksum) = item.sha256.as_deref().and_then(hex_to_base64) {
            request = request.checksum_sha256(checksum);
        }
        let presigned = request.presigned(config).await.map_err(|e| StoreError::from_sdk("s3", e))?;
        // Only what the signature covers: the SDK also attaches headers it
        // does not sign (on Lambda, `x-amzn-trace-id` with our trace id),
        // which the client need not send and must not be handed.
        let signed = signed_headers(presigned.uri());
        let mut headers: HashMap<String, String> = presigned
            .headers()
            .filter(|(k, _)| {
                signed.iter().any(|s| s.eq_ignore_ascii_case(k)) && !k.eq_ignore_ascii_case("host")
            })
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect();
        headers.insert("content-type".into(), item.content_type.as_str().into());
        headers.insert("content-length".into(), item.declared_size.to_string());
        Ok(UploadSlot {
            url: presigned.uri().to_owned(),
            method: "PUT",
            headers,
            expires_in_seconds: expires.as_secs(),
        })
    }

    /// Size and content type of an uploaded object, or `None` if absent.
    pub async fn head(&self, key: &str) -> Result<Option<(u64, Option<String>)>, StoreError> {
        match self.s3.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => Ok(Some((
                out.content_length().unwrap_or(0).max(0) as u64,
                out.content_type().map(str::to_owned),
            ))),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => {
                Err(StoreError::Refused { service: "s3", message: head_forbidden(&self.bucket, key) })
            }
            Err(e) => Err(StoreError::from_sdk("s3", e)),
        }
    }

    /// Ranged reads of one object, for the probe and the chunk uploads.
    pub fn ranges<'a>(&'a self, key: &'a str) -> ObjectRanges<'a> {
        ObjectRanges { s3: &self.s3, bucket: &self.bucket, key }
    }

    /// A presigned GET of a stored media item, for TikTok's PULL_FROM_URL.
    /// The key comes from the stored item (server-generated), never from a
    /// message or a client. The URL stops working when the credentials that
    /// signed it expire, whatever `expires` says: on Lambda those are the
    /// role's session credentials, so callers check the time they need.
    pub async fn presign_download(&self, item: &MediaItem, expires: Duration) -> Result<String, StoreError> {
        let config = PresigningConfig::expires_in(expires)
            .map_err(|e| StoreError::Refused { service: "s3", message: e.to_string() })?;
        let presigned = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(&item.key)
            .presigned(config)
            .await
            .map_err(|e| StoreError::from_sdk("s3", e))?;
        Ok(presigned.uri().to_owned())
    }
}

impl ObjectRanges<'_> {
    /// Exactly `len` bytes from `start`, as one buffer (no copy): one chunk
    /// of an upload, the most the publisher holds in memory.
    pub async fn read_exact(&self, start: u64, len: u64) -> Result<bytes::Bytes, StoreError> {
        let bytes = self.range(start, len.max(1)).await?;
        if bytes.len() as u64 != len {
            return Err(StoreError::Corrupt(format!(
                "the object answered {} bytes for a {len}-byte range: it changed or is shorter than recorded",
                bytes.len()
            )));
        }
        Ok(bytes)
    }

    /// The object's bytes `start..start + len` (`len` ≥ 1) by one `Range`
    /// GET: fewer when the object ends first.
    async fn range(&self, start: u64, len: u64) -> Result<bytes::Bytes, StoreError> {
        let out = self
            .s3
            .get_object()
            .bucket(self.bucket)
            .key(self.key)
            .range(format!("bytes={start}-{}", start + len - 1))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("s3", e))?;
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Unavailable { service: "s3", message: e.to_string() })?;
        Ok(bytes.into_bytes())
    }
}

/// The header names a presigned URL's `X-Amz-SignedHeaders` lists.
fn signed_headers(uri: &str) -> Vec<String> {
    url::Url::parse(uri)
        .ok()
        .and_then(|u| u.query_pairs().find(|(k, _)| k == "X-Amz-SignedHeaders").map(|(_, v)| v.into_owned()))
        .map(|v| v.split(';').map(str::to_owned).collect())
        .unwrap_or_default()
}

fn hex_to_base64(hex_digest: &str) -> Option<String> {
    use base64::Engine;
    let bytes = hex::decode(hex_digest).ok().filter(|b| b.len() == 32)?;
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// One object read by `Range` GETs.
pub struct ObjectRanges<'a> {
    s3: &'a aws_sdk_s3::Client,
    bucket: &'a str,
    key: &'a str,
}

impl RangeSource for ObjectRanges<'_> {
    type Error = StoreError;

    async fn read(&self, start: u64, len: u64) -> Result<Vec<u8>, StoreError> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let mut data = self.range(start, len).await?.to_vec();
        data.truncate(len as usize);
        Ok(data)
    }
}
