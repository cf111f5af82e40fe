//! OAuth login start: random `state`, PKCE verifier and challenge, and the
//! authorize URL (`{auth_base}/v2/auth/authorize/`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};
use url::Url;

use super::config::PkceEncoding;
use super::secrets::{ClientKey, OAuthState, PkceVerifier};

/// RFC 7636 unreserved characters: `A-Z a-z 0-9 - . _ ~`.
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
/// Verifier length: within 43..=128; 64 chars of a 66-symbol alphabet ≈ 386 bits.
pub const VERIFIER_LEN: usize = 64;

pub const SCOPE_USER_INFO_BASIC: &str = "user.info.basic";
pub const SCOPE_VIDEO_PUBLISH: &str = "video.publish";
pub const SCOPE_VIDEO_UPLOAD: &str = "video.upload";
pub const SCOPE_VIDEO_LIST: &str = "video.list";

/// A fresh `state`: 256 random bits, base64url (43 characters).
pub fn new_state() -> OAuthState {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    OAuthState::new(URL_SAFE_NO_PAD.encode(bytes))
}

/// A fresh PKCE verifier of [`VERIFIER_LEN`] unreserved characters.
pub fn new_verifier() -> PkceVerifier {
    let mut rng = rand::rng();
    let verifier: String = (0..VERIFIER_LEN)
        .filter_map(|_| UNRESERVED.get(rng.random_range(0..UNRESERVED.len())).map(|&c| char::from(c)))
        .collect();
    PkceVerifier::new(verifier)
}

/// The S256 `code_challenge` of a verifier in the configured encoding.
pub fn challenge(verifier: &PkceVerifier, encoding: PkceEncoding) -> String {
    let digest = Sha256::digest(verifier.expose_secret().as_bytes());
    match encoding {
        PkceEncoding::Base64Url => URL_SAFE_NO_PAD.encode(digest),
        PkceEncoding::Hex => hex::encode(digest),
    }
}

/// What the authorize URL asks for.
#[derive(Debug, Clone)]
pub struct AuthorizeParams<'a> {
    pub client_key: &'a ClientKey,
    pub scopes: &'a [&'a str],
    /// HTTPS, absolute, no query or fragment, registered exactly.
    pub redirect_uri: &'a Url,
    pub state: &'a OAuthState,
    pub verifier: &'a PkceVerifier,
    pub encoding: PkceEncoding,
}

/// `{auth_base}/v2/auth/authorize/?client_key=&scope=a,b&redirect_uri=&state=&response_type=code&code_challenge=&code_challenge_method=S256`.
/// The URL carries the state: hand it to the browser, do not log it.
pub fn authorize_url(auth_base: &Url, params: &AuthorizeParams<'_>) -> Result<Url, url::ParseError> {
    let mut url = Url::parse(&endpoint(auth_base, "/v2/auth/authorize/"))?;
    url.query_pairs_mut()
        .append_pair("client_key", &params.client_key.0)
        .append_pair("scope", &params.scopes.join(","))
        .append_pair("redirect_uri", params.redirect_uri.as_str())
        .append_pair("state", params.state.expose_secret())
        .append_pair("response_type", "code")
        .append_pair("code_challenge", &challenge(params.verifier, params.encoding))
        .append_pair("code_challenge_method", "S256");
    Ok(url)
}

/// Joins a base URL (which may carry a path prefix, e.g. a sandbox mount)
/// and an absolute endpoint path.
pub(crate) fn endpoint(base: &Url, path: &str) -> String {
    format!("{}{}", base.as_str().trim_end_matches('/'), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector_in_base64url() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            challenge(&verifier, PkceEncoding::Base64Url),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn rfc7636_appendix_b_vector_in_hex() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let expected =
            hex::encode(URL_SAFE_NO_PAD.decode("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").unwrap());
        assert_eq!(challenge(&verifier, PkceEncoding::Hex), expected);
        assert_eq!(expected, "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3");
    }

    #[test]
    fn verifiers_are_long_unreserved_and_distinct() {
        let a = new_verifier();
        let b = new_verifier();
        assert!((43..=128).contains(&a.expose_secret().len()));
        assert!(a.expose_secret().bytes().all(|c| UNRESERVED.contains(&c)));
        assert_ne!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn states_carry_at_least_128_random_bits() {
        let state = new_state();
        let bytes = URL_SAFE_NO_PAD.decode(state.expose_secret()).unwrap();
        assert!(bytes.len() * 8 >= 128);
        assert_ne!(state.expose_secret(), new_state().expose_secret());
        assert!(state.matches(state.expose_secret()));
        assert!(!state.matches("forged"));
    }

    #[test]
    fn authorize_url_carries_every_parameter() {
        let base = Url::parse("http://127.0.0.1:4568/web/").unwrap();
        let key = ClientKey("ck".into());
        let redirect = Url::parse("https://app.example/oauth/tiktok/callback").unwrap();
        let state = OAuthState::new("st");
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let params = AuthorizeParams {
            client_key: &key,
            scopes: &[SCOPE_USER_INFO_BASIC, SCOPE_VIDEO_PUBLISH],
            redirect_uri: &redirect,
            state: &state,
            verifier: &verifier,
            encoding: PkceEncoding::Base64Url,
        };
        let url = authorize_url(&base, &params).unwrap();
        assert_eq!(url.path(), "/web/v2/auth/authorize/");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("client_key"), Some("ck"));
        assert_eq!(get("scope"), Some("user.info.basic,video.publish"));
        assert_eq!(get("redirect_uri"), Some("https://app.example/oauth/tiktok/callback"));
        assert_eq!(get("state"), Some("st"));
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("code_challenge"), Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
    }
}
