//! Every error code, OAuth error and fail reason in docs/tiktok-contract.md lands in
//! the class the contract gives it.

use std::time::Duration;

use reqwest::StatusCode;
use tiktok::error::{classify_api, classify_by_status, classify_oauth, RATE_LIMIT_BACKOFF};
use tiktok::upload::chunk_outcome;
use tiktok::{
    ApiFailure, ChunkOutcome, ErrorClass, FailReason, FailReasonClass, ReauthReason, TikTokError,
    UploadRefusal,
};

fn failure(status: u16, code: &str) -> ApiFailure {
    ApiFailure {
        http_status: Some(status),
        code: code.into(),
        message: "m".into(),
        log_id: Some("log-1".into()),
    }
}

fn api(status: u16, code: &str) -> ErrorClass {
    classify_api(failure(status, code), None).class()
}

#[test]
fn posting_error_table_of_the_contract() {
    let retry = |c: ErrorClass| matches!(c, ErrorClass::Retry { .. });
    assert!(retry(api(429, "rate_limit_exceeded")));
    assert!(retry(api(500, "internal_error")));
    assert_eq!(api(401, "access_token_invalid"), ErrorClass::Reauth { refresh_may_help: true });
    assert_eq!(api(401, "scope_not_authorized"), ErrorClass::Reauth { refresh_may_help: false });
    for code in ["invalid_param", "invalid_params", "invalid_file_upload"] {
        assert_eq!(api(400, code), ErrorClass::Permanent, "{code}");
    }
    for code in [
        "privacy_level_option_mismatch",
        "url_ownership_unverified",
        "unaudited_client_can_only_post_to_private_accounts",
        "spam_risk_user_banned_from_posting",
    ] {
        assert_eq!(api(403, code), ErrorClass::Permanent, "{code}");
    }
    for code in ["spam_risk_too_many_posts", "reached_active_user_cap", "spam_risk_too_many_pending_share"] {
        assert_eq!(api(403, code), ErrorClass::Wait, "{code}");
    }
}

#[test]
fn failures_answered_with_http_200_are_classified_by_code() {
    assert_eq!(api(200, "spam_risk_too_many_posts"), ErrorClass::Wait);
    assert_eq!(api(200, "access_token_invalid"), ErrorClass::Reauth { refresh_may_help: true });
    assert!(matches!(api(200, "rate_limit_exceeded"), ErrorClass::Retry { .. }));
    assert_eq!(api(200, "invalid_params"), ErrorClass::Permanent);
}

#[test]
fn any_5xx_and_429_retry_even_with_unknown_codes() {
    for status in [500, 502, 503, 504, 599] {
        assert!(matches!(api(status, "something_new"), ErrorClass::Retry { .. }), "{status}");
        let by_status = classify_by_status(failure(status, "http"), None).class();
        assert!(matches!(by_status, ErrorClass::Retry { .. }), "{status}");
    }
    assert_eq!(api(429, "something_new"), ErrorClass::Retry { after: RATE_LIMIT_BACKOFF });
    assert_eq!(api(400, "something_new"), ErrorClass::Permanent);
}

#[test]
fn retry_after_header_is_honoured_and_capped() {
    let err = classify_api(failure(429, "rate_limit_exceeded"), Some(Duration::from_secs(7)));
    assert_eq!(err.class(), ErrorClass::Retry { after: Duration::from_secs(7) });
    let err = classify_api(failure(429, "rate_limit_exceeded"), Some(Duration::from_secs(86_400)));
    assert_eq!(err.class(), ErrorClass::Retry { after: Duration::from_secs(900) });
}

#[test]
fn permanent_errors_carry_code_message_and_log_id() {
    let err = classify_api(failure(403, "url_ownership_unverified"), None);
    let TikTokError::Permanent { failure } = &err else { panic!("{err:?}") };
    assert_eq!(failure.code, "url_ownership_unverified");
    assert_eq!(failure.message, "m");
    assert_eq!(err.log_id(), Some("log-1"));
    assert!(err.to_string().contains("url_ownership_unverified"));
}

#[test]
fn oauth_errors_of_the_contract() {
    let err = classify_oauth(failure(400, "invalid_grant"), None);
    assert!(matches!(err, TikTokError::Reauth { reason: ReauthReason::GrantRejected, .. }));
    assert_eq!(err.class(), ErrorClass::Reauth { refresh_may_help: false });
    for code in [
        "invalid_client",
        "invalid_request",
        "invalid_scope",
        "unauthorized_client",
        "unsupported_grant_type",
        "access_denied",
    ] {
        assert_eq!(classify_oauth(failure(400, code), None).class(), ErrorClass::Permanent, "{code}");
        assert_eq!(classify_oauth(failure(200, code), None).class(), ErrorClass::Permanent, "{code}");
    }
    assert!(matches!(
        classify_oauth(failure(503, "invalid_request"), None).class(),
        ErrorClass::Retry { .. }
    ));
}

#[test]
fn fail_reasons_of_the_contract() {
    for reason in ["internal", "video_pull_failed", "photo_pull_failed"] {
        assert_eq!(FailReason::new(reason).class(), FailReasonClass::Retry, "{reason}");
    }
    for reason in
        ["auth_removed", "spam_risk", "spam_risk_too_many_posts", "spam_risk_user_banned_from_posting"]
    {
        assert_eq!(FailReason::new(reason).class(), FailReasonClass::NeverRetry, "{reason}");
    }
    for reason in [
        "file_format_check_failed",
        "duration_check_failed",
        "frame_rate_check_failed",
        "picture_size_check_failed",
    ] {
        assert_eq!(FailReason::new(reason).class(), FailReasonClass::MediaMustChange, "{reason}");
    }
    assert_eq!(FailReason::new("publish_cancelled").class(), FailReasonClass::Cancelled);
    assert!(FailReason::new("auth_removed").is_auth_removed());
}

#[test]
fn unknown_fail_reasons_are_never_retried() {
    assert_eq!(FailReason::new("something_new").class(), FailReasonClass::NeverRetry);
}

#[test]
fn chunk_put_answers_of_the_contract() {
    let outcome = |s: u16| chunk_outcome(StatusCode::from_u16(s).unwrap(), None);
    assert_eq!(outcome(206), Ok(ChunkOutcome::MoreExpected));
    assert_eq!(outcome(201), Ok(ChunkOutcome::Complete));
    let refusal = |s: u16| match outcome(s) {
        Err(TikTokError::Upload { refusal, .. }) => Some(refusal),
        _ => None,
    };
    assert_eq!(refusal(403), Some(UploadRefusal::UrlExpired));
    assert_eq!(refusal(404), Some(UploadRefusal::NoSuchUpload));
    assert_eq!(refusal(416), Some(UploadRefusal::RangeMismatch));
    assert_eq!(outcome(416).unwrap_err().class(), ErrorClass::Permanent);
    for status in [500, 502, 503, 429] {
        assert!(matches!(outcome(status).unwrap_err().class(), ErrorClass::Retry { .. }), "{status}");
    }
    assert_eq!(outcome(200).unwrap_err().class(), ErrorClass::Ambiguous);
}
