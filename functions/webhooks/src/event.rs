//! A verified delivery's body parsed into what this function acts on. Event
//! names are matched exactly as TikTok sends them, its misspelling included.

use sha2::{Digest, Sha256};
use tiktok::webhook::{WebhookContent, WebhookEvent};
use tiktok::{FailReason, PublishId};

pub const PUBLISH_COMPLETE: &str = "post.publish.complete";
pub const INBOX_DELIVERED: &str = "post.publish.inbox_delivered";
pub const PUBLISH_FAILED: &str = "post.publish.failed";
pub const PUBLICLY_AVAILABLE: &str = "post.publish.publicly_available";
/// (sic): TikTok's spelling.
pub const NO_LONGER_PUBLIC: &str = "post.publish.no_longer_publicaly_available";
pub const AUTHORIZATION_REMOVED: &str = "authorization.removed";

const KNOWN: [&str; 6] = [
    PUBLISH_COMPLETE,
    INBOX_DELIVERED,
    PUBLISH_FAILED,
    PUBLICLY_AVAILABLE,
    NO_LONGER_PUBLIC,
    AUTHORIZATION_REMOVED,
];

/// The event name for metrics and logs: one of TikTok's, or `other` (an
/// unknown name is not echoed into a metric dimension).
pub fn event_label(name: &str) -> &'static str {
    KNOWN.into_iter().find(|k| *k == name).unwrap_or("other")
}

/// A short, non-reversible reference to a TikTok id for logs.
pub fn short_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()).get(..6).unwrap_or_default())
}

/// What TikTok said about one publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishNews {
    Complete,
    InboxDelivered,
    Failed(FailReason),
    /// The public post id, once the post is visible to everyone.
    PubliclyAvailable {
        post_id: String,
    },
    NoLongerPublic,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Publish {
        publish_id: PublishId,
        news: PublishNews,
    },
    /// The creator removed the app; `created_at` is TikTok's `create_time`.
    AuthorizationRemoved {
        open_id: String,
        created_at: i64,
    },
    /// An event this function does not act on.
    Other,
}

/// A signed body that is not an event we can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the webhook body is unusable: {0}")]
pub struct Unusable(pub &'static str);

impl Event {
    pub fn parse(body: &WebhookEvent) -> Result<Self, Unusable> {
        let name = body.event.as_str();
        if !KNOWN.contains(&name) {
            return Ok(Event::Other);
        }
        let content = body.content().map_err(|_| Unusable("content is not JSON"))?;
        if name == AUTHORIZATION_REMOVED {
            if body.user_openid.is_empty() {
                return Err(Unusable("no user_openid"));
            }
            return Ok(Event::AuthorizationRemoved {
                open_id: body.user_openid.clone(),
                created_at: body.create_time,
            });
        }
        let publish_id =
            content.publish_id.clone().filter(|p| !p.is_empty()).ok_or(Unusable("no publish_id"))?;
        let news = match name {
            PUBLISH_COMPLETE => PublishNews::Complete,
            INBOX_DELIVERED => PublishNews::InboxDelivered,
            PUBLISH_FAILED => PublishNews::Failed(fail_reason(&content)),
            PUBLICLY_AVAILABLE => PublishNews::PubliclyAvailable {
                post_id: content.post_id.filter(|p| !p.is_empty()).ok_or(Unusable("no post_id"))?,
            },
            _ => PublishNews::NoLongerPublic,
        };
        Ok(Event::Publish { publish_id: PublishId(publish_id), news })
    }
}

/// `reason` is kept as raw JSON: a string for publish failures; anything
/// else is read as an unknown reason, which never retries.
fn fail_reason(content: &WebhookContent) -> FailReason {
    match &content.reason {
        Some(serde_json::Value::String(r)) if !r.is_empty() => FailReason::new(r.clone()),
        Some(serde_json::Value::Number(n)) => FailReason::new(n.to_string()),
        _ => FailReason::new("unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(event: &str, content: serde_json::Value) -> WebhookEvent {
        WebhookEvent {
            client_key: "ck".into(),
            event: event.into(),
            create_time: 1_700_000_000,
            user_openid: "oid".into(),
            content: content.to_string(),
        }
    }

    #[test]
    fn publish_events_carry_their_publish_id_and_news() {
        let parsed = Event::parse(&body(PUBLISH_FAILED, json!({"publish_id": "p1", "reason": "internal"})));
        assert_eq!(
            parsed,
            Ok(Event::Publish {
                publish_id: PublishId("p1".into()),
                news: PublishNews::Failed(FailReason::new("internal"))
            })
        );
        let parsed = Event::parse(&body(PUBLICLY_AVAILABLE, json!({"publish_id": "p1", "post_id": "7301"})))
            .expect("ok");
        assert!(matches!(parsed, Event::Publish { news: PublishNews::PubliclyAvailable { .. }, .. }));
        let parsed = Event::parse(&body(NO_LONGER_PUBLIC, json!({"publish_id": "p1"}))).expect("ok");
        assert!(matches!(parsed, Event::Publish { news: PublishNews::NoLongerPublic, .. }));
    }

    #[test]
    fn a_failure_without_a_string_reason_is_an_unknown_one() {
        let parsed = Event::parse(&body(PUBLISH_FAILED, json!({"publish_id": "p1"}))).expect("ok");
        let Event::Publish { news: PublishNews::Failed(reason), .. } = parsed else { panic!("{parsed:?}") };
        assert_eq!(reason.as_str(), "unknown");
    }

    #[test]
    fn known_events_without_what_they_need_are_unusable_and_unknown_ones_are_other() {
        assert_eq!(Event::parse(&body(PUBLISH_COMPLETE, json!({}))), Err(Unusable("no publish_id")));
        assert_eq!(
            Event::parse(&body(PUBLICLY_AVAILABLE, json!({"publish_id": "p"}))),
            Err(Unusable("no post_id"))
        );
        let mut not_json = body(PUBLISH_COMPLETE, json!({}));
        not_json.content = "{".into();
        assert_eq!(Event::parse(&not_json), Err(Unusable("content is not JSON")));
        assert_eq!(Event::parse(&body("video.upload.failed", json!("whatever"))), Ok(Event::Other));
        assert_eq!(event_label("post.publish.publicaly_available"), "other");
        assert_eq!(event_label(NO_LONGER_PUBLIC), NO_LONGER_PUBLIC);
    }

    #[test]
    fn removal_names_the_open_id_and_when() {
        let parsed = Event::parse(&body(AUTHORIZATION_REMOVED, json!({"reason": 1}))).expect("ok");
        assert_eq!(parsed, Event::AuthorizationRemoved { open_id: "oid".into(), created_at: 1_700_000_000 });
    }
}
