//! The token vault: account tokens sealed with AES-256-GCM under keys from the
//! app secret in Secrets Manager.
//!
//! Every seal draws a fresh random nonce and binds the account id and key id
//! in as associated data, so a sealed token copied to another account, a
//! tampered ciphertext or a wrong key all fail to open — with a typed error,
//! never by handing back the stored bytes as if they were the token.
//! Keys rotate: new seals use the current key, old ones still open, and
//! [`KeyRing::reseal`] moves a token to the current key.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use tiktok::{AppCredentials, ClientKey, ClientSecret};

const FORMAT: &str = "v1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The sealed token names a key the ring does not hold.
    #[error("no key {0:?} in the key ring")]
    UnknownKey(String),
    /// Authentication failed: wrong key, tampered data, or another account's token.
    #[error("sealed token failed authentication")]
    Undecryptable,
    /// The stored value is not a sealed token.
    #[error("stored value is not a sealed token")]
    Malformed,
    /// The app secret is missing a field or holds an invalid key.
    #[error("app secret is invalid: {0}")]
    BadSecret(String),
}

/// Token-encryption keys by id, one of them current. Never printed.
#[derive(Clone)]
pub struct KeyRing {
    current: String,
    keys: HashMap<String, [u8; 32]>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<_> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("KeyRing").field("current", &self.current).field("key_ids", &ids).finish()
    }
}

fn valid_key_id(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl KeyRing {
    /// A ring from key id → base64 of 32 bytes, with `current` among them.
    pub fn new(current: &str, keys: &HashMap<String, String>) -> Result<Self, VaultError> {
        let mut ring = HashMap::new();
        for (id, encoded) in keys {
            if !valid_key_id(id) {
                return Err(VaultError::BadSecret(format!("key id {id:?} is not [A-Za-z0-9_-]{{1,32}}")));
            }
            let bytes = STANDARD
                .decode(encoded)
                .map_err(|_| VaultError::BadSecret(format!("key {id} is not base64")))?;
            let key: [u8; 32] =
                bytes.try_into().map_err(|_| VaultError::BadSecret(format!("key {id} is not 32 bytes")))?;
            ring.insert(id.clone(), key);
        }
        if !ring.contains_key(current) {
            return Err(VaultError::BadSecret(format!("current key {current:?} is not in the ring")));
        }
        Ok(Self { current: current.to_owned(), keys: ring })
    }

    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    fn aad(account_id: &str, key_id: &str) -> Vec<u8> {
        format!("tiktok-token\0{account_id}\0{key_id}").into_bytes()
    }

    /// Seals a token for one account with the current key.
    pub fn seal(&self, account_id: &str, token: &SecretString) -> Result<String, VaultError> {
        self.seal_with(&self.current, account_id, token)
    }

    fn seal_with(&self, key_id: &str, account_id: &str, token: &SecretString) -> Result<String, VaultError> {
        let key = self.keys.get(key_id).ok_or_else(|| VaultError::UnknownKey(key_id.to_owned()))?;
        let cipher = Aes256Gcm::new(key.into());
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let aad = Self::aad(account_id, key_id);
        let ciphertext = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: token.expose_secret().as_bytes(), aad: &aad })
            .map_err(|_| VaultError::Undecryptable)?;
        Ok(format!(
            "{FORMAT}.{key_id}.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ciphertext)
        ))
    }

    /// Opens a sealed token of `account_id`, or fails with a typed error.
    pub fn open(&self, account_id: &str, sealed: &str) -> Result<SecretString, VaultError> {
        let (key_id, nonce, ciphertext) = parse(sealed)?;
        let key = self.keys.get(key_id).ok_or_else(|| VaultError::UnknownKey(key_id.to_owned()))?;
        let cipher = Aes256Gcm::new(key.into());
        let aad = Self::aad(account_id, key_id);
        let plain = cipher
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ciphertext, aad: &aad })
            .map_err(|_| VaultError::Undecryptable)?;
        String::from_utf8(plain).map(SecretString::from).map_err(|_| VaultError::Undecryptable)
    }

    /// Re-seals a token under the current key; `None` if it already uses it.
    pub fn reseal(&self, account_id: &str, sealed: &str) -> Result<Option<String>, VaultError> {
        let (key_id, _, _) = parse(sealed)?;
        if key_id == self.current {
            return Ok(None);
        }
        let token = self.open(account_id, sealed)?;
        self.seal(account_id, &token).map(Some)
    }
}

fn parse(sealed: &str) -> Result<(&str, [u8; 12], Vec<u8>), VaultError> {
    let mut parts = sealed.split('.');
    let (Some(FORMAT), Some(key_id), Some(nonce), Some(ciphertext), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VaultError::Malformed);
    };
    let nonce: [u8; 12] =
        URL_SAFE_NO_PAD.decode(nonce).ok().and_then(|n| n.try_into().ok()).ok_or(VaultError::Malformed)?;
    let ciphertext = URL_SAFE_NO_PAD.decode(ciphertext).map_err(|_| VaultError::Malformed)?;
    if ciphertext.len() < 16 {
        return Err(VaultError::Malformed);
    }
    Ok((key_id, nonce, ciphertext))
}

/// The app secret: TikTok app credentials, the token key ring, and the
/// optional extras some functions use.
#[derive(Debug, Clone)]
pub struct AppSecret {
    pub credentials: AppCredentials,
    pub ring: KeyRing,
    /// `research_client_key`/`research_client_secret`: a Research-API-approved
    /// client, when the deployment has one.
    pub research: Option<AppCredentials>,
    /// `narrative_api_key`: the optional hashtag summary endpoint's key.
    pub narrative_api_key: Option<SecretString>,
}

#[derive(serde::Deserialize)]
struct AppSecretJson {
    client_key: String,
    client_secret: String,
    current_key_id: String,
    keys: HashMap<String, String>,
    #[serde(default)]
    research_client_key: Option<String>,
    #[serde(default)]
    research_client_secret: Option<String>,
    #[serde(default)]
    narrative_api_key: Option<String>,
}

impl AppSecret {
    pub fn parse(json: &str) -> Result<Self, VaultError> {
        // serde's message could quote the secret: name only the position.
        let raw: AppSecretJson = serde_json::from_str(json).map_err(|e| {
            VaultError::BadSecret(format!("not the expected JSON (line {}, column {})", e.line(), e.column()))
        })?;
        if raw.client_key.is_empty() || raw.client_secret.is_empty() {
            return Err(VaultError::BadSecret("client_key and client_secret must be set".into()));
        }
        Ok(Self {
            credentials: AppCredentials {
                client_key: ClientKey(raw.client_key),
                client_secret: ClientSecret::from(raw.client_secret),
            },
            ring: KeyRing::new(&raw.current_key_id, &raw.keys)?,
            research: match (raw.research_client_key, raw.research_client_secret) {
                (Some(key), Some(secret)) if !key.is_empty() && !secret.is_empty() => Some(AppCredentials {
                    client_key: ClientKey(key),
                    client_secret: ClientSecret::from(secret),
                }),
                _ => None,
            },
            narrative_api_key: raw.narrative_api_key.filter(|k| !k.is_empty()).map(SecretString::from),
        })
    }

    /// The credentials for Research API calls: the research-approved client
    /// when configured, else the app's own.
    pub fn research_credentials(&self) -> AppCredentials {
        self.research.clone().unwrap_or_else(|| self.credentials.clone())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secrets manager: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Invalid(#[from] VaultError),
}

/// The app secret read from Secrets Manager and kept in memory for a TTL,
/// so a rotation reaches running functions without a redeploy.
pub struct SecretCache {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
    ttl: Duration,
    cached: Mutex<Option<(Instant, Arc<AppSecret>)>>,
}

impl SecretCache {
    pub fn new(client: aws_sdk_secretsmanager::Client, secret_id: impl Into<String>, ttl: Duration) -> Self {
        Self { client, secret_id: secret_id.into(), ttl, cached: Mutex::new(None) }
    }

    /// The stack's app secret (`APP_SECRET_ID`, cached for `APP_SECRET_TTL_SECS`):
    /// what every function builds once at init.
    pub fn for_stack(client: aws_sdk_secretsmanager::Client, stack: &crate::config::StackConfig) -> Self {
        Self::new(client, &stack.app_secret_id, stack.app_secret_ttl)
    }

    pub async fn get(&self) -> Result<Arc<AppSecret>, SecretError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, secret)) = cached.as_ref() {
            if at.elapsed() < self.ttl {
                return Ok(Arc::clone(secret));
            }
        }
        let out = self.client.get_secret_value().secret_id(&self.secret_id).send().await.map_err(|e| {
            SecretError::Unavailable(aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string())
        })?;
        let text = out.secret_string().ok_or_else(|| VaultError::BadSecret("not a string secret".into()))?;
        let secret = Arc::new(AppSecret::parse(text)?);
        *cached = Some((Instant::now(), Arc::clone(&secret)));
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(current: &str, ids: &[&str]) -> KeyRing {
        let keys = ids
            .iter()
            .enumerate()
            .map(|(i, id)| ((*id).to_owned(), STANDARD.encode([i as u8 + 1; 32])))
            .collect();
        KeyRing::new(current, &keys).expect("ring")
    }

    fn token(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn sealed_tokens_open_for_their_account_only() {
        let ring = ring("k1", &["k1"]);
        let sealed = ring.seal("acct-1", &token("act.secret")).expect("seal");
        assert!(!sealed.contains("act.secret"));
        assert_eq!(ring.open("acct-1", &sealed).expect("open").expose_secret(), "act.secret");
        assert_eq!(ring.open("acct-2", &sealed).unwrap_err(), VaultError::Undecryptable);
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let ring = ring("k1", &["k1"]);
        let a = ring.seal("acct", &token("same")).expect("seal");
        let b = ring.seal("acct", &token("same")).expect("seal");
        assert_ne!(a, b);
    }

    #[test]
    fn tampering_anywhere_fails_to_open() {
        let ring = ring("k1", &["k1"]);
        let sealed = ring.seal("acct", &token("tok")).expect("seal");
        let parts: Vec<&str> = sealed.split('.').collect();
        let mut ct = URL_SAFE_NO_PAD.decode(parts[3]).expect("b64");
        ct[0] ^= 1;
        let tampered = format!("{}.{}.{}.{}", parts[0], parts[1], parts[2], URL_SAFE_NO_PAD.encode(&ct));
        assert_eq!(ring.open("acct", &tampered).unwrap_err(), VaultError::Undecryptable);
        let mut nonce = URL_SAFE_NO_PAD.decode(parts[2]).expect("b64");
        nonce[0] ^= 1;
        let tampered = format!("{}.{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(&nonce), parts[3]);
        assert_eq!(ring.open("acct", &tampered).unwrap_err(), VaultError::Undecryptable);
    }

    #[test]
    fn a_wrong_key_fails_and_an_unknown_key_is_named() {
        let sealed = ring("k1", &["k1"]).seal("acct", &token("tok")).expect("seal");
        let other =
            KeyRing::new("k1", &[("k1".to_owned(), STANDARD.encode([9u8; 32]))].into()).expect("ring");
        assert_eq!(other.open("acct", &sealed).unwrap_err(), VaultError::Undecryptable);
        let without = ring("k2", &["k2"]);
        assert_eq!(without.open("acct", &sealed).unwrap_err(), VaultError::UnknownKey("k1".into()));
    }

    #[test]
    fn plaintext_or_garbage_is_malformed_never_returned() {
        let ring = ring("k1", &["k1"]);
        for stored in ["act.plaintext-token", "", "v1.k1.x.y", "v1.k1.AAAAAAAAAAAAAAAA.AA", "v2.k1.a.b"] {
            let err = ring.open("acct", stored).unwrap_err();
            assert!(matches!(err, VaultError::Malformed | VaultError::Undecryptable), "{stored:?}: {err:?}");
        }
    }

    #[test]
    fn rotation_keeps_old_tokens_readable_and_reseals_them() {
        let old = ring("k1", &["k1", "k2"]);
        let sealed = old.seal("acct", &token("tok")).expect("seal");
        let rotated = ring("k2", &["k1", "k2"]);
        assert_eq!(rotated.open("acct", &sealed).expect("old key opens").expose_secret(), "tok");
        let resealed = rotated.reseal("acct", &sealed).expect("reseal").expect("moved to k2");
        assert!(resealed.starts_with("v1.k2."));
        assert_eq!(rotated.open("acct", &resealed).expect("open").expose_secret(), "tok");
        assert_eq!(rotated.reseal("acct", &resealed).expect("noop"), None);
    }

    #[test]
    fn app_secret_parses_and_never_prints_keys() {
        let json = format!(
            r#"{{"client_key":"ck","client_secret":"cs-very-secret","current_key_id":"k1","keys":{{"k1":"{}"}}}}"#,
            STANDARD.encode([7u8; 32])
        );
        let secret = AppSecret::parse(&json).expect("parse");
        let printed = format!("{secret:?}");
        assert!(!printed.contains("cs-very-secret"), "{printed}");
        assert!(!printed.contains(&STANDARD.encode([7u8; 32])), "{printed}");
        assert!(AppSecret::parse(
            r#"{"client_key":"ck","client_secret":"x","current_key_id":"k9","keys":{}}"#
        )
        .is_err());
    }

    #[test]
    fn research_pair_is_preferred_and_app_pair_is_the_fallback() {
        let keys = format!(r#""current_key_id":"k1","keys":{{"k1":"{}"}}"#, STANDARD.encode([7u8; 32]));
        let both = AppSecret::parse(&format!(
            r#"{{"client_key":"app","client_secret":"s1","research_client_key":"res","research_client_secret":"s2",{keys}}}"#
        ))
        .expect("secret");
        assert_eq!(both.research_credentials().client_key.0, "res");
        let app = AppSecret::parse(&format!(r#"{{"client_key":"app","client_secret":"s1",{keys}}}"#))
            .expect("secret");
        assert_eq!(app.research_credentials().client_key.0, "app");
        assert!(app.narrative_api_key.is_none());
    }

    #[test]
    fn a_malformed_secret_is_refused_without_quoting_it() {
        let err =
            AppSecret::parse(r#"{"client_key":"app","client_secret":12345678}"#).expect_err("malformed");
        assert!(!err.to_string().contains("12345678"), "{err}");
    }
}
