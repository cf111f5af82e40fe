//! No secret, token, code or caption shows in `Debug` output.

use tiktok::oauth::TokenSet;
use tiktok::posting::{PhotoPostInfo, PhotoSource};
use tiktok::{
    AccessToken, AppCredentials, AuthCode, ClientKey, ClientSecret, InitResponse, LoginStart, OAuthState,
    PhotoInitRequest, PkceVerifier, PostMode, PrivacyLevel, PublishId, RefreshToken, UploadUrl,
    VideoInitRequest, VideoPostInfo, VideoSource,
};

const SECRET: &str = "s3cr3t-VALUE-xyz";
const CAPTION: &str = "my private caption #tag";

fn assert_hidden(what: &str, debug: String) {
    assert!(!debug.contains(SECRET), "{what} leaks a secret: {debug}");
    assert!(!debug.contains(CAPTION), "{what} leaks a caption: {debug}");
}

#[test]
fn secret_newtypes_never_print_their_value() {
    assert_hidden("ClientSecret", format!("{:?}", ClientSecret::new(SECRET)));
    assert_hidden("AccessToken", format!("{:?}", AccessToken::new(SECRET)));
    assert_hidden("RefreshToken", format!("{:?}", RefreshToken::new(SECRET)));
    assert_hidden("AuthCode", format!("{:?}", AuthCode::new(SECRET)));
    assert_hidden("PkceVerifier", format!("{:?}", PkceVerifier::new(SECRET)));
    assert_hidden("OAuthState", format!("{:?}", OAuthState::new(SECRET)));
    assert_hidden("UploadUrl", format!("{:?}", UploadUrl::new(format!("https://up.example/{SECRET}"))));
    assert_eq!(format!("{:?}", AccessToken::new(SECRET)), "AccessToken([REDACTED])");
}

#[test]
fn structs_holding_secrets_never_print_them() {
    let creds =
        AppCredentials { client_key: ClientKey("ck".into()), client_secret: ClientSecret::new(SECRET) };
    assert_hidden("AppCredentials", format!("{creds:?}"));
    let tokens: TokenSet = serde_json::from_value(serde_json::json!({
        "access_token": SECRET, "expires_in": 86400, "open_id": "o", "refresh_token": SECRET,
        "refresh_expires_in": 31536000, "scope": "user.info.basic,video.publish", "token_type": "Bearer"
    }))
    .unwrap();
    assert_hidden("TokenSet", format!("{tokens:?}"));
    assert_hidden("TokenSet pretty", format!("{tokens:#?}"));
    let init: InitResponse = serde_json::from_value(serde_json::json!({
        "publish_id": "v_pub_1", "upload_url": format!("https://up.example/{SECRET}")
    }))
    .unwrap();
    assert_hidden("InitResponse", format!("{init:?}"));
    let login = LoginStart {
        state: OAuthState::new(SECRET),
        verifier: PkceVerifier::new(SECRET),
        authorize_url: url::Url::parse("https://www.tiktok.com/v2/auth/authorize/").unwrap(),
    };
    assert_hidden("LoginStart", format!("{login:?}"));
}

#[test]
fn requests_never_print_captions() {
    let video = VideoInitRequest {
        post_info: VideoPostInfo {
            title: Some(CAPTION.into()),
            privacy_level: PrivacyLevel::SelfOnly,
            disable_duet: false,
            disable_comment: false,
            disable_stitch: false,
            video_cover_timestamp_ms: None,
            brand_content_toggle: false,
            brand_organic_toggle: false,
            is_aigc: false,
        },
        source_info: VideoSource::PullFromUrl { video_url: "https://media.example/v.mp4".into() },
    };
    assert_hidden("VideoInitRequest", format!("{video:?}"));
    let photo = PhotoInitRequest::new(
        PostMode::DirectPost,
        PhotoPostInfo {
            title: Some(CAPTION.into()),
            description: Some(CAPTION.into()),
            ..Default::default()
        },
        PhotoSource::pull_from_urls(vec!["https://media.example/1.jpg".into()], 0),
    );
    assert_hidden("PhotoInitRequest", format!("{photo:?}"));
}

#[test]
fn publish_ids_have_a_short_stable_hash_for_logs() {
    let id = PublishId("v_pub_file~v2-1.123456789".into());
    assert_eq!(id.short_hash().len(), 12);
    assert_eq!(id.short_hash(), id.clone().short_hash());
    assert!(!id.short_hash().contains("v_pub"));
}

#[test]
fn state_comparison_is_exact() {
    let state = OAuthState::new(SECRET);
    assert!(state.matches(SECRET));
    assert!(!state.matches(&SECRET[..SECRET.len() - 1]));
    assert!(!state.matches(""));
}
