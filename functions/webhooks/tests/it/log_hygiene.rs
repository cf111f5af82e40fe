//! Every log line of a run of deliveries, accepted and refused, is captured
//! down to DEBUG from every crate: no body, signature, caption, token,
//! secret or TikTok id appears in any. (TRACE is left out: at that level the
//! AWS SDK prints the wire bodies of its calls, table items included — never
//! a production setting.)

use crate::common;

use std::time::SystemTime;

use common::{delivery, publish_id, World, CAPTION};
use secrecy::ExposeSecret;
use serde_json::json;
use shared::post::PostStatus;

#[tokio::test]
async fn no_body_signature_caption_token_or_tiktok_id_appears_in_any_log_line() {
    let (logs, _guard) = testkit::logs::Captured::install(tracing::Level::DEBUG);

    let w = World::start().await;
    let account = w.connect("chef_maria").await;
    let ring = w.deps.keeper.secrets.get().await.expect("secret").ring.clone();
    let tokens: Vec<String> = [&account.sealed_access_token, &account.sealed_refresh_token]
        .into_iter()
        .flatten()
        .map(|sealed| ring.open(&account.id, sealed).expect("opens").expose_secret().to_owned())
        .collect();
    let id = publish_id();
    w.post_in(PostStatus::Processing, &id, 1).await;
    let public = w.body(
        "post.publish.publicly_available",
        &account.open_id,
        json!({"publish_id": id, "post_id": "7399123"}),
    );
    let removed = w.body("authorization.removed", &account.open_id, json!({"reason": 1}));
    let forged =
        tiktok::webhook::sign(public.as_bytes(), &tiktok::ClientSecret::new("forger"), SystemTime::now());
    let genuine = w.signature_at(&public, SystemTime::now());

    assert_eq!(w.send(delivery(&public, Some(&forged))).await.status, 401);
    assert_eq!(w.send(delivery(&public, Some(&genuine))).await.status, 200);
    assert_eq!(w.send(delivery(&public, Some(&genuine))).await.status, 200, "duplicate");
    assert_eq!(w.deliver(&removed).await.status, 200);

    let text = logs.text();
    assert!(text.contains("webhook applied") && text.contains("webhook refused"), "logs captured: {text}");
    let mut secrets = vec![
        ("body", public.clone()),
        (
            "content",
            serde_json::from_str::<serde_json::Value>(&public).expect("json")["content"]
                .as_str()
                .expect("s")
                .to_owned(),
        ),
        ("forged signature", forged[forged.find("s=").expect("s=") + 2..].to_owned()),
        ("signature", genuine[genuine.find("s=").expect("s=") + 2..].to_owned()),
        ("caption", CAPTION.to_owned()),
        ("publish id", id.clone()),
        ("tiktok post id", "7399123".to_owned()),
        ("open id", account.open_id.clone()),
        ("client secret", w.app.client_secret.clone()),
    ];
    secrets.extend(tokens.into_iter().map(|t| ("token", t)));
    for (what, secret) in secrets {
        assert!(!secret.is_empty(), "{what}");
        let line = text.lines().find(|l| l.contains(&secret)).unwrap_or_default();
        assert!(!text.contains(&secret), "the {what} appears in the logs: {line}");
    }
}
