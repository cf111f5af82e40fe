//! Signed webhook delivery, as TikTok does it: at least once (retries with backoff on non-2xx),
//! optionally duplicated, `TikTok-Signature: t=UNIX,s=hex(HMAC-SHA256(secret, t.body))`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::state::{Sandbox, WebhookRecord};

/// Everything a delivery task needs, detached from the sandbox.
struct Delivery {
    client: reqwest::Client,
    url: String,
    secret: String,
    body: String,
    max_attempts: u32,
    base_delay: Duration,
    timeout: Duration,
    log: Arc<Mutex<Vec<WebhookRecord>>>,
    index: usize,
}

/// Queues `event` for the account, if a webhook URL is configured.
pub fn emit(state: &Sandbox, open_id: &str, event: &str, content: Value) {
    let settings = state.settings();
    let Some(url) = settings.webhook_url.clone() else { return };
    if state.faults().drop_webhook(open_id) {
        tracing::info!(%event, "webhook event dropped (fault)");
        return;
    }
    let create_time = unix_now();
    let content = content.to_string();
    let body = json!({
        "client_key": state.client_key,
        "event": event,
        "create_time": create_time,
        "user_openid": open_id,
        "content": content,
    })
    .to_string();
    let copies = if settings.duplicate_webhooks { 2 } else { 1 };
    for _ in 0..copies {
        let index = {
            let mut log = state.webhook_log.lock().unwrap_or_else(|e| e.into_inner());
            log.push(WebhookRecord {
                event: event.to_string(),
                create_time,
                content: content.clone(),
                user_openid: open_id.to_string(),
                attempts: 0,
                last_status: None,
                delivered: false,
            });
            log.len() - 1
        };
        let delivery = Delivery {
            client: state.webhook_client.clone(),
            url: url.clone(),
            secret: state.client_secret.clone(),
            body: body.clone(),
            max_attempts: settings.webhook_max_attempts.max(1),
            base_delay: Duration::from_millis(settings.webhook_retry_base_ms),
            timeout: Duration::from_millis(settings.webhook_timeout_ms.max(1)),
            log: state.webhook_log.clone(),
            index,
        };
        tokio::spawn(deliver(delivery));
    }
}

async fn deliver(d: Delivery) {
    for attempt in 1..=d.max_attempts {
        let t = unix_now();
        let result = d
            .client
            .post(&d.url)
            .timeout(d.timeout)
            .header("Content-Type", "application/json")
            .header("TikTok-Signature", format!("t={t},s={}", sign(&d.secret, t, &d.body)))
            .body(d.body.clone())
            .send()
            .await;
        let status = result.as_ref().ok().map(|r| r.status().as_u16());
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        if let Some(record) = d.log.lock().unwrap_or_else(|e| e.into_inner()).get_mut(d.index) {
            record.attempts = attempt;
            record.last_status = status;
            record.delivered = delivered;
        }
        if delivered {
            return;
        }
        tracing::info!(attempt, ?status, "webhook delivery failed");
        tokio::time::sleep(d.base_delay * 2u32.saturating_pow(attempt - 1)).await;
    }
}

/// `hex(HMAC-SHA256(secret, "{t}.{body}"))`
pub fn sign(secret: &str, t: i64, body: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new(); // HMAC takes keys of any length; unreachable in practice.
    };
    mac.update(format!("{t}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::sign;

    #[test]
    fn signature_matches_a_reference_hmac() {
        // printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
        let expected = "b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163";
        assert_eq!(sign("secret", 1_700_000_000, "{}"), expected);
    }
}
