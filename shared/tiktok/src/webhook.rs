//! Webhook signatures: `TikTok-Signature: t=UNIX,s=HEX` where
//! `s = hex(HMAC-SHA256(client_secret, t + "." + raw_body))`.
//!
//! The header must hold exactly one `t` and one `s` and nothing else: a
//! header we do not fully understand is refused rather than half-checked.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::secrets::ClientSecret;

pub const SIGNATURE_HEADER: &str = "TikTok-Signature";

type HmacSha256 = Hmac<Sha256>;

/// Why a webhook delivery is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no TikTok-Signature header")]
    Missing,
    #[error("malformed TikTok-Signature header: {0}")]
    Malformed(&'static str),
    #[error("signature does not match")]
    Mismatch,
    #[error("signature timestamp {timestamp} is outside the tolerance around {now}")]
    Stale { timestamp: u64, now: u64 },
}

struct Parsed<'a> {
    timestamp: u64,
    timestamp_text: &'a str,
    signature: Vec<u8>,
}

fn parse(header: &str) -> Result<Parsed<'_>, SignatureError> {
    let (mut t, mut s) = (None, None);
    for part in header.split(',') {
        let (key, value) =
            part.trim().split_once('=').ok_or(SignatureError::Malformed("a part is not key=value"))?;
        let slot = match key {
            "t" => &mut t,
            "s" => &mut s,
            _ => return Err(SignatureError::Malformed("unknown key")),
        };
        if slot.replace(value).is_some() {
            return Err(SignatureError::Malformed("repeated key"));
        }
    }
    let timestamp_text = t.ok_or(SignatureError::Malformed("no t"))?;
    let signature_hex = s.ok_or(SignatureError::Malformed("no s"))?;
    if timestamp_text.is_empty() || !timestamp_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::Malformed("t is not a unix time"));
    }
    let timestamp = timestamp_text.parse().map_err(|_| SignatureError::Malformed("t is not a unix time"))?;
    let signature = hex::decode(signature_hex).map_err(|_| SignatureError::Malformed("s is not hex"))?;
    Ok(Parsed { timestamp, timestamp_text, signature })
}

// HMAC accepts keys of any length, so `None` never happens; it is handled
// (as a mismatch) only to avoid a panic path.
fn mac(secret: &ClientSecret, timestamp: &str, raw_body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret.expose_secret().as_bytes()).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    Some(mac)
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Verifies a delivery: signature over the exact raw body (constant-time
/// compare), then the timestamp within `tolerance` of `now` either way.
pub fn verify(
    header: Option<&str>,
    raw_body: &[u8],
    secret: &ClientSecret,
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let parsed = parse(header.ok_or(SignatureError::Missing)?)?;
    mac(secret, parsed.timestamp_text, raw_body)
        .ok_or(SignatureError::Mismatch)?
        .verify_slice(&parsed.signature)
        .map_err(|_| SignatureError::Mismatch)?;
    let now = unix_seconds(now);
    if now.abs_diff(parsed.timestamp) > tolerance.as_secs() {
        return Err(SignatureError::Stale { timestamp: parsed.timestamp, now });
    }
    Ok(())
}

/// The header value TikTok would send for `raw_body` at `time` (tests, sandbox).
pub fn sign(raw_body: &[u8], secret: &ClientSecret, time: SystemTime) -> String {
    let t = unix_seconds(time).to_string();
    let s = mac(secret, &t, raw_body).map(|m| hex::encode(m.finalize().into_bytes())).unwrap_or_default();
    format!("t={t},s={s}")
}

/// A webhook body. `content` is itself a JSON string; parse it per `event`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub client_key: String,
    pub event: String,
    pub create_time: i64,
    pub user_openid: String,
    pub content: String,
}

/// The fields any event's `content` may carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookContent {
    #[serde(default)]
    pub publish_id: Option<String>,
    #[serde(default)]
    pub reason: Option<serde_json::Value>,
    #[serde(default)]
    pub publish_type: Option<String>,
    #[serde(default)]
    pub post_id: Option<String>,
}

impl WebhookEvent {
    /// Parses the inner `content` JSON string.
    pub fn content(&self) -> Result<WebhookContent, serde_json::Error> {
        serde_json::from_str(&self.content)
    }
}
