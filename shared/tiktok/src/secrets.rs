//! Secret values exchanged with TikTok: app secret, tokens, codes, PKCE
//! verifiers and upload URLs.
//!
//! Each is a `SecretString` newtype: `Debug` prints a redacted marker, there is
//! no `Display`, and the value is reached only through `expose_secret`, so a
//! token cannot end up in a log line by accident.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! secret_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a value that must never be printed.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The secret text, for the one place that must send it.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([REDACTED])"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::new)
            }
        }

        // Serialization exists for TikTok's wire and for the sandbox; a
        // serialized value is as secret as the original.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.expose_secret())
            }
        }
    };
}

secret_newtype!(
    /// The app's `client_secret` (from Secrets Manager); also the webhook signing key.
    ClientSecret
);
secret_newtype!(
    /// A user (or client-credentials) access token.
    AccessToken
);
secret_newtype!(
    /// A refresh token. TikTok rotates it on every refresh: the old one dies.
    RefreshToken
);
secret_newtype!(
    /// The single-use authorization code from the OAuth callback.
    AuthCode
);
secret_newtype!(
    /// The PKCE `code_verifier`, kept server-side until the code exchange.
    PkceVerifier
);
secret_newtype!(
    /// The OAuth `state`: whoever holds it can complete someone's login.
    OAuthState
);
secret_newtype!(
    /// The `upload_url` TikTok answers to a FILE_UPLOAD init: a bearer capability.
    UploadUrl
);

impl OAuthState {
    /// Compares with the `state` a callback carried, in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.expose_secret().as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

/// The app's public `client_key`: not secret, but typed so it is not confused
/// with other strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientKey(pub String);

/// The app credentials every OAuth call sends.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub client_key: ClientKey,
    pub client_secret: ClientSecret,
}
