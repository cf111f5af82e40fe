//! The optional narrative: a few sentences from an OpenAI-compatible chat
//! completions endpoint about the computed metrics — aggregates only, never
//! videos, captions, ids or creator names — under a hard timeout. Any
//! failure leaves the numbers as they are and the summary "unavailable".

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use crate::analysis::{Analysis, Summary};

/// Longest summary kept.
const MAX_SUMMARY_CHARS: usize = 1200;

/// Where and how to ask for a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarrativeSettings {
    /// The full chat completions URL (`.../v1/chat/completions`).
    pub url: Url,
    pub model: String,
    /// Hard timeout of the whole call.
    pub timeout: Duration,
}

pub struct Narrator {
    http: reqwest::Client,
    settings: NarrativeSettings,
    api_key: Option<SecretString>,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    content: String,
}

impl Narrator {
    pub fn new(settings: NarrativeSettings, api_key: Option<SecretString>) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .build()
            .map_err(|e| format!("narrative HTTP client: {e}"))?;
        Ok(Self { http, settings, api_key })
    }

    /// A summary of `analysis`, within `min(timeout, budget_left)`.
    pub async fn summarise(&self, analysis: &Analysis, budget_left: Duration) -> Summary {
        let limit = self.settings.timeout.min(budget_left);
        if limit.is_zero() {
            return Summary::unavailable();
        }
        match tokio::time::timeout(limit, self.ask(analysis)).await {
            Ok(Ok(text)) => Summary::Ok { text },
            Ok(Err(reason)) => {
                tracing::warn!(reason, "summary unavailable");
                Summary::unavailable()
            }
            Err(_) => {
                tracing::warn!(timeout_ms = limit.as_millis() as u64, "summary timed out");
                Summary::unavailable()
            }
        }
    }

    async fn ask(&self, analysis: &Analysis) -> Result<String, &'static str> {
        let body = json!({
            "model": self.settings.model,
            "temperature": 0.2,
            "max_tokens": 220,
            "messages": [
                {"role": "system", "content": "You are a social media analyst. In at most four sentences, \
                    summarise these TikTok hashtag metrics for a creator deciding what and when to post. \
                    Use only the numbers given; mention when the sample is small or the data partial."},
                {"role": "user", "content": digest(analysis).to_string()},
            ],
        });
        let mut request = self.http.post(self.settings.url.clone()).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose_secret());
        }
        let response = request.send().await.map_err(|_| "request failed")?;
        if !response.status().is_success() {
            return Err("endpoint answered an error status");
        }
        let body = tiktok::client::read_capped(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|_| "request failed")?
            .ok_or("answer too large")?;
        let completion: Completion = serde_json::from_slice(&body).map_err(|_| "unexpected answer")?;
        let text = completion.choices.into_iter().next().map(|c| c.message.content).unwrap_or_default();
        let clean: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .take(MAX_SUMMARY_CHARS)
            .collect::<String>()
            .trim()
            .to_owned();
        if clean.is_empty() {
            return Err("empty summary");
        }
        Ok(clean)
    }
}

/// The most a summary answer may hold: a completion of `max_tokens` 220 is a
/// few kilobytes; a bigger body is refused before it fills memory.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// The aggregates the summary may use.
pub fn digest(analysis: &Analysis) -> Value {
    let m = &analysis.metrics;
    json!({
        "hashtag": analysis.tag,
        "source": analysis.source,
        "window": analysis.window,
        "region": analysis.region,
        "partial": analysis.partial,
        "videos": m.sample.videos,
        "small_sample": m.sample.small,
        "views": {"total": m.views.total, "median": m.views.median, "p90": m.views.p90},
        "engagement_rate": {"overall": m.engagement.overall_rate, "median": m.engagement.median, "p90": m.engagement.p90},
        "co_hashtags": m.co_hashtags.items.iter().take(8)
            .map(|c| json!({"tag": c.tag, "count": c.count, "lift": c.lift}))
            .collect::<Vec<_>>(),
        "best_posting_windows_utc": m.heatmap.best_windows.iter()
            .map(|c| json!({"weekday": c.weekday, "hour": c.hour, "median_engagement_rate": c.median_engagement_rate}))
            .collect::<Vec<_>>(),
        "median_views_per_hour": m.velocity.median_views_per_hour,
        "trend": m.trend.direction,
        "daily_videos": m.daily.iter().map(|d| d.videos).collect::<Vec<_>>(),
    })
}
