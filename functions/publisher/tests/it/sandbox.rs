//! TikTok's side of one test, on the stack's shared sandbox: faults scoped
//! to the test's own creator (tests run in parallel on one sandbox), a
//! per-creator call counter, every post TikTok created for the creator (the
//! ledger holds only finished ones), and raw sends to the publish queue (what
//! SQS's at-least-once delivery does to a message).

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::ids::PostId;
use shared::post::queue::PublishMessage;
use shared::post::{Post, PostStatus};
use shared::tenant::TenantId;

use crate::world::World;

/// Where a publish ends (or stops to wait for a person).
pub const SETTLED: &[PostStatus] = &[
    PostStatus::Published,
    PostStatus::InboxDelivered,
    PostStatus::Failed,
    PostStatus::NeedsAttention,
    PostStatus::Held,
];

/// Marks the latency rules that only count calls.
const COUNTER: &str = "call counter";

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `size` bytes that start like an MP4 and go on pseudo-randomly: a chunk
/// sent twice, dropped or out of order changes the hash TikTok records.
pub fn video_bytes(size: usize, seed: u64) -> Vec<u8> {
    let mut bytes = testkit::media_files::mp4(320, 240, 30, 30, true);
    bytes.truncate(size);
    let mut x = seed | 1;
    while bytes.len() < size {
        // xorshift64: fast and good enough to make every chunk distinct.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let word = x.to_le_bytes();
        let take = (size - bytes.len()).min(word.len());
        bytes.extend_from_slice(&word[..take]);
    }
    bytes
}

/// A video published while sandbox faults were in force for its creator.
pub struct FaultedVideo {
    pub done: Post,
    pub open_id: String,
    /// The source's size and SHA-256.
    pub size: usize,
    pub sha: String,
}

impl World {
    /// Connects `creator`, counts its chunk PUTs, puts `faults` in force for
    /// it, then publishes a `size`-byte video (content from `seed`) due now,
    /// driven by the event sources, until it settles.
    pub async fn video_through(
        &self,
        creator: &str,
        size: usize,
        seed: u64,
        faults: &[Value],
    ) -> FaultedVideo {
        let (tenant, account) = self.connect(creator).await;
        let open_id = account.open_id.clone();
        self.clear_faults(&open_id).await;
        self.count_calls(&open_id, "upload").await;
        for fault in faults {
            self.fault(&open_id, fault.clone()).await;
        }
        let bytes = video_bytes(size, seed);
        let sha = sha256_hex(&bytes);
        let video = self.media(&tenant, shared::media::ContentType::Mp4, bytes).await;
        let kind = (shared::post::PostKind::Video, shared::post::PostMode::DirectPost);
        let post = self.post(&tenant, &account, kind.0, kind.1, &[video], 1).await;
        self.tick().await;
        let done = self.until(&post, SETTLED, Duration::from_secs(180)).await;
        FaultedVideo { done, open_id, size, sha }
    }

    /// The video is published, once, with exactly its source's bytes.
    pub async fn holds_every_byte_once(&self, video: &FaultedVideo) {
        let done = &video.done;
        assert_eq!(done.status, PostStatus::Published, "{:?}", done.history);
        let ledger = self.ledger(done.publish_id.as_deref().expect("publish id")).await;
        assert_eq!(ledger.len(), 1, "{ledger:?}");
        assert_eq!(ledger[0]["bytes_received"], video.size, "every byte once");
        assert_eq!(ledger[0]["content_sha256"], video.sha, "TikTok holds exactly the source bytes");
    }
    /// Adds a sandbox fault that fires only on calls made for `open_id`.
    pub async fn fault(&self, open_id: &str, mut spec: Value) {
        spec["open_id"] = json!(open_id);
        let answer = self
            .http
            .post(format!("{}/_sandbox/faults", self.sandbox))
            .json(&spec)
            .send()
            .await
            .expect("fault");
        let status = answer.status();
        assert!(status.is_success(), "fault {spec} refused: {}", answer.text().await.unwrap_or_default());
    }

    /// Clears every fault scoped to `open_id` (left by an earlier run on
    /// this stack), and only those.
    pub async fn clear_faults(&self, open_id: &str) {
        let mut url = url::Url::parse(&format!("{}/_sandbox/faults", self.sandbox)).expect("url");
        url.query_pairs_mut().append_pair("open_id", open_id);
        let answer = self.http.delete(url).send().await.expect("clear faults");
        assert!(answer.status().is_success(), "clear faults: {}", answer.status());
    }

    /// Counts from now on every call made for `open_id` to `endpoint`.
    pub async fn count_calls(&self, open_id: &str, endpoint: &str) {
        let spec = json!({"endpoint": endpoint, "kind": "latency", "latency_ms": 0, "probability": 1.0, "message": COUNTER});
        self.fault(open_id, spec).await;
    }

    async fn rules(&self, open_id: &str, endpoint: &str) -> Vec<Value> {
        let faults: Value = self
            .http
            .get(format!("{}/_sandbox/faults", self.sandbox))
            .send()
            .await
            .expect("faults")
            .json()
            .await
            .expect("json");
        faults["faults"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r["spec"]["open_id"] == open_id && r["spec"]["endpoint"] == endpoint)
            .collect()
    }

    /// Calls made for `open_id` to `endpoint` since [`World::count_calls`].
    pub async fn calls(&self, open_id: &str, endpoint: &str) -> u64 {
        self.rules(open_id, endpoint)
            .await
            .iter()
            .filter(|r| r["spec"]["message"] == COUNTER)
            .map(|r| r["fired"].as_u64().unwrap_or(0))
            .sum()
    }

    /// Every post TikTok created for `open_id`, finished or not.
    pub async fn tiktok_posts(&self, open_id: &str) -> Vec<Value> {
        let posts: Value = self
            .http
            .get(format!("{}/_sandbox/posts", self.sandbox))
            .send()
            .await
            .expect("sandbox posts")
            .json()
            .await
            .expect("json");
        posts["posts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p["open_id"] == open_id)
            .collect()
    }

    /// Sends `post`'s `Publish` message to the publish queue with the real
    /// SQS client, as a redelivery would bring it again.
    pub async fn send_publish(&self, post: &Post, delay_secs: i32) {
        let message = PublishMessage::Publish {
            tenant: TenantId::parse(&post.tenant).expect("tenant"),
            post_id: PostId::parse(&post.id).expect("post id"),
        };
        let queue = std::env::var("PUBLISH_QUEUE_URL").expect("PUBLISH_QUEUE_URL");
        self.aws
            .sqs()
            .send_message()
            .queue_url(queue)
            .message_body(message.encode())
            .delay_seconds(delay_secs)
            .send()
            .await
            .expect("send message");
    }

    /// The post as stored now.
    pub async fn read(&self, post: &Post) -> Post {
        self.posts.get(&post.tenant, &post.id).await.expect("read").expect("post")
    }

    /// Makes `post`'s lease run out now, as time would: the lease's end and
    /// the post's due-index entry (filed at the lease's end) move to the past.
    pub async fn expire_lease(&self, post: &Post) {
        let past = time::OffsetDateTime::now_utc() - time::Duration::seconds(2);
        let (pk, sk) = shared::schema::keys::post(&post.tenant, &post.id);
        self.aws
            .dynamodb()
            .update_item()
            .table_name(std::env::var("TABLE_NAME").expect("TABLE_NAME"))
            .key(shared::schema::PK, AttributeValue::S(pk))
            .key(shared::schema::SK, AttributeValue::S(sk))
            .update_expression("SET lease_expires_at = :past")
            .condition_expression("#status = :status AND updated_at = :updated")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":past", AttributeValue::N(past.unix_timestamp().to_string()))
            .expression_attribute_values(":status", AttributeValue::S(post.status.as_str().into()))
            .expression_attribute_values(":updated", AttributeValue::S(post.updated_at.clone()))
            .send()
            .await
            .expect("expire the lease");
        assert!(
            self.posts.refile(post, post.status, past).await.expect("refile"),
            "the post moved meanwhile"
        );
    }

    /// Ticks the dispatcher for `secs` and checks the post stays in
    /// `status` meanwhile: nothing sends it to TikTok again.
    pub async fn stays(&self, post: &Post, status: PostStatus, secs: u64) -> Post {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            self.tick().await;
            let now = self.read(post).await;
            assert_eq!(now.status, status, "moved on: {:?}", now.history);
            if tokio::time::Instant::now() >= deadline {
                return now;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
}

/// The statuses a post went through, in order.
pub fn trail(post: &Post) -> Vec<PostStatus> {
    post.history.iter().map(|h| h.to).collect()
}

/// Seconds between the `n`th entry into `from` and the next entry into `to`.
pub fn gap(post: &Post, from: PostStatus, n: usize, to: PostStatus) -> f64 {
    let parse = |at: &str| {
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).expect("time")
    };
    let (i, left) = post.history.iter().enumerate().filter(|(_, h)| h.to == from).nth(n).expect("entry");
    let right = post.history.iter().skip(i + 1).find(|h| h.to == to).expect("next entry");
    (parse(&right.at) - parse(&left.at)).as_seconds_f64()
}
