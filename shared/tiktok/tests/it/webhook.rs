//! `TikTok-Signature` verification: only an untampered, timely delivery passes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tiktok::webhook::{sign, verify, SignatureError, WebhookEvent};
use tiktok::ClientSecret;

const BODY: &[u8] = br#"{"client_key":"ck","event":"post.publish.complete","create_time":1700000000,"user_openid":"u","content":"{\"publish_id\":\"p1\",\"publish_type\":\"DIRECT_PUBLISH\"}"}"#;
const TOLERANCE: Duration = Duration::from_secs(300);

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn secret() -> ClientSecret {
    ClientSecret::new("client-secret-123")
}

fn check(header: Option<&str>, body: &[u8], now: u64) -> Result<(), SignatureError> {
    verify(header, body, &secret(), at(now), TOLERANCE)
}

#[test]
fn valid_signature_within_tolerance_passes() {
    let header = sign(BODY, &secret(), at(1_700_000_000));
    assert_eq!(check(Some(&header), BODY, 1_700_000_000), Ok(()));
    assert_eq!(check(Some(&header), BODY, 1_700_000_300), Ok(()));
    assert_eq!(check(Some(&header), BODY, 1_699_999_700), Ok(()));
}

#[test]
fn signature_matches_the_documented_formula() {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"client-secret-123").unwrap();
    mac.update(b"1700000000.");
    mac.update(BODY);
    let expected = format!("t=1700000000,s={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(sign(BODY, &secret(), at(1_700_000_000)), expected);
}

#[test]
fn tampered_body_is_refused() {
    let header = sign(BODY, &secret(), at(1_700_000_000));
    let mut body = BODY.to_vec();
    body[10] ^= 1;
    assert_eq!(check(Some(&header), &body, 1_700_000_000), Err(SignatureError::Mismatch));
}

#[test]
fn tampered_signature_is_refused() {
    let header = sign(BODY, &secret(), at(1_700_000_000));
    let last = header.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &header[..header.len() - 1]);
    assert_eq!(check(Some(&tampered), BODY, 1_700_000_000), Err(SignatureError::Mismatch));
    let truncated = &header[..header.len() - 2];
    assert_eq!(check(Some(truncated), BODY, 1_700_000_000), Err(SignatureError::Mismatch));
}

#[test]
fn wrong_secret_is_refused() {
    let header = sign(BODY, &ClientSecret::new("other"), at(1_700_000_000));
    assert_eq!(check(Some(&header), BODY, 1_700_000_000), Err(SignatureError::Mismatch));
}

#[test]
fn retimed_signature_is_refused() {
    let header = sign(BODY, &secret(), at(1_700_000_000));
    let moved = header.replace("t=1700000000", "t=1700000100");
    assert_eq!(check(Some(&moved), BODY, 1_700_000_100), Err(SignatureError::Mismatch));
}

#[test]
fn stale_timestamp_is_refused() {
    let header = sign(BODY, &secret(), at(1_700_000_000));
    assert!(matches!(check(Some(&header), BODY, 1_700_000_301), Err(SignatureError::Stale { .. })));
}

#[test]
fn future_timestamp_beyond_tolerance_is_refused() {
    let header = sign(BODY, &secret(), at(1_700_000_000));
    assert!(matches!(check(Some(&header), BODY, 1_699_999_699), Err(SignatureError::Stale { .. })));
}

#[test]
fn tolerance_is_configurable() {
    let header = sign(BODY, &secret(), at(1_700_000_000));
    let now = at(1_700_000_030);
    assert!(verify(Some(&header), BODY, &secret(), now, Duration::from_secs(10)).is_err());
    assert!(verify(Some(&header), BODY, &secret(), now, Duration::from_secs(30)).is_ok());
}

#[test]
fn missing_header_is_refused() {
    assert_eq!(check(None, BODY, 1_700_000_000), Err(SignatureError::Missing));
}

#[test]
fn malformed_headers_are_refused() {
    let good = sign(BODY, &secret(), at(1_700_000_000));
    let s = good.split_once(",s=").unwrap().1.to_owned();
    for header in [
        String::new(),
        format!("s={s}"),
        "t=1700000000".to_owned(),
        format!("t=1700000000,s=zz{}", &s[2..]),
        format!("t=1700000000,s={s},junk"),
        format!("t=1700000000,s={s},v1=abc"),
        format!("t=1700000000,t=1700000000,s={s}"),
        format!("t=17000x0000,s={s}"),
        format!("t=-1700000000,s={s}"),
        format!("t=,s={s}"),
        format!("t=1700000000;s={s}"),
        format!("t=99999999999999999999999,s={s}"),
    ] {
        assert!(
            matches!(check(Some(&header), BODY, 1_700_000_000), Err(SignatureError::Malformed(_))),
            "{header:?} must be malformed"
        );
    }
}

#[test]
fn whitespace_around_parts_is_tolerated() {
    let good = sign(BODY, &secret(), at(1_700_000_000));
    let spaced = good.replace(',', ", ");
    assert_eq!(check(Some(&spaced), BODY, 1_700_000_000), Ok(()));
}

#[test]
fn event_content_is_a_json_string_parsed_on_demand() {
    let event: WebhookEvent = serde_json::from_slice(BODY).unwrap();
    assert_eq!(event.event, "post.publish.complete");
    let content = event.content().unwrap();
    assert_eq!(content.publish_id.as_deref(), Some("p1"));
    assert_eq!(content.publish_type.as_deref(), Some("DIRECT_PUBLISH"));
}
