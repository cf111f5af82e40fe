//! `GET /oauth/tiktok/callback?code&state` (or `error`, `error_description`):
//! finishes a login.
//!
//! The state is consumed first, whatever follows, so it works once. Then:
//! the login must not be expired; if the request carries credentials they
//! must be the login's tenant; TikTok's own `error` is passed on; the PKCE
//! verifier must open (a missing or undecryptable one is refused, never
//! replaced by the stored bytes); the code is exchanged, the profile read
//! and the account stored in one transaction. Nothing is written before
//! that transaction, so a failure leaves no account behind. Connecting an
//! account again resumes its held posts that are still ahead. Tokens from a
//! failed attempt are dropped, not revoked: TikTok's revoke ends the user's
//! whole grant to the app, which may belong to an existing connection.
//!
//! The browser always goes back with a 302: to the login's `return_to` if
//! it is still allowed (else the default page), or — when the state is
//! unknown, or bound to another tenant — to the default page, with
//! `status=connected&account_id=...` or `error=...&error_description=...`.
//! Only a request without any state gets a JSON 400.

use lambda_http::{request::RequestContext, Request, RequestExt};
use secrecy::ExposeSecret;
use shared::account::{resume_held_posts, Account, ConnectError, Connection};
use shared::error::StoreError;
use shared::http_surface::{tenant_of, ApiError, ApiResult, AuthMode};
use shared::vault::{SecretError, VaultError};
use tiktok::{AuthCode, ErrorClass, PkceVerifier, TikTokError};
use time::OffsetDateTime;
use url::Url;

use crate::state::{seal_context, state_key, PendingLogin};
use crate::{login_ref, query_params, redirect, Deps};

/// Why a callback did not connect an account; each has one `error` code.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("the state is unknown, already used or forged")]
    InvalidState,
    #[error("the login expired")]
    ExpiredState,
    #[error("the request's credentials are not the login's tenant")]
    TenantMismatch,
    #[error("TikTok's redirect carries no code")]
    MissingCode,
    #[error("the creator denied the request at TikTok")]
    AccessDenied,
    #[error("TikTok refused the authorization ({0})")]
    AuthorizationFailed(String),
    #[error("the login has no PKCE verifier")]
    VerifierMissing,
    #[error("the PKCE verifier cannot be opened: {0}")]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("TikTok refused the code exchange: {0}")]
    Exchange(TikTokError),
    #[error("the TikTok profile could not be read: {0}")]
    Profile(TikTokError),
    #[error("this TikTok account is connected to another workspace")]
    OwnedByAnotherTenant,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn retryable(e: &TikTokError) -> bool {
    matches!(e.class(), ErrorClass::Retry { .. })
}

impl CallbackError {
    /// The `error` parameter the browser is sent back with.
    pub fn code(&self) -> &'static str {
        match self {
            CallbackError::InvalidState => "invalid_state",
            CallbackError::ExpiredState => "expired_state",
            CallbackError::TenantMismatch => "tenant_mismatch",
            CallbackError::MissingCode => "invalid_request",
            CallbackError::AccessDenied => "access_denied",
            CallbackError::AuthorizationFailed(_) => "authorization_failed",
            CallbackError::VerifierMissing | CallbackError::Vault(_) => "verifier_unavailable",
            CallbackError::Secret(SecretError::Unavailable(_)) => "temporarily_unavailable",
            CallbackError::Exchange(e) | CallbackError::Profile(e) if retryable(e) => {
                "temporarily_unavailable"
            }
            CallbackError::Exchange(_) => "token_exchange_failed",
            CallbackError::Profile(_) => "profile_unavailable",
            CallbackError::OwnedByAnotherTenant => "account_owned_by_another_workspace",
            CallbackError::Store(e) if e.is_retryable() => "temporarily_unavailable",
            CallbackError::Secret(_) | CallbackError::Store(_) => "server_error",
        }
    }

    /// A sentence for the person in front of the browser.
    fn description(&self) -> &'static str {
        match self.code() {
            "invalid_state" => "This login link is invalid or was already used. Start the connection again.",
            "expired_state" => "This login took too long. Start the connection again.",
            "tenant_mismatch" => "This login was started from another workspace.",
            "access_denied" => "The connection was cancelled at TikTok.",
            "authorization_failed" | "invalid_request" => "TikTok did not authorize the connection.",
            "verifier_unavailable" => "This login cannot be completed securely. Start the connection again.",
            "token_exchange_failed" => "TikTok refused to complete the login. Start the connection again.",
            "profile_unavailable" => "The TikTok profile could not be read. Start the connection again.",
            "account_owned_by_another_workspace" => "This TikTok account is connected to another workspace.",
            "temporarily_unavailable" => "A service is temporarily unavailable. Try again in a moment.",
            _ => "Something went wrong. Try again later.",
        }
    }
}

pub async fn finish_login(request: &Request, deps: &Deps) -> ApiResult {
    let params = query_params(request)?;
    let Some(state) = params.get("state").filter(|s| !s.is_empty()) else {
        return Err(ApiError::bad_request(
            "missing state: this address only receives TikTok's login redirect",
        ));
    };
    let (mut back, result) = complete(request, &params, state, deps).await;
    {
        let mut query = back.query_pairs_mut();
        match &result {
            Ok(account) => {
                query.append_pair("status", "connected").append_pair("account_id", &account.id);
            }
            Err(e) => {
                query.append_pair("error", e.code()).append_pair("error_description", e.description());
            }
        }
    }
    Ok(redirect(&back))
}

/// Where the browser goes back to, and how the login ended.
async fn complete(
    request: &Request,
    params: &std::collections::HashMap<String, String>,
    state: &str,
    deps: &Deps,
) -> (Url, Result<Account, CallbackError>) {
    let default = deps.config.return_to.default_url().clone();
    let key = state_key(state);
    let login = match deps.states.consume(&key).await {
        Ok(Some(login)) => login,
        Ok(None) => return (default, failed(&key, CallbackError::InvalidState)),
        Err(e) => return (default, failed(&key, e.into())),
    };
    if !caller_may_finish(request, deps, &login).await {
        return (default, failed(&key, CallbackError::TenantMismatch));
    }
    let back = deps.config.return_to.check(&login.return_to).unwrap_or(default);
    if login.expires_at <= OffsetDateTime::now_utc().unix_timestamp() {
        return (back, failed(&key, CallbackError::ExpiredState));
    }
    if let Some(error) = params.get("error") {
        let e = match error.as_str() {
            "access_denied" => CallbackError::AccessDenied,
            other => CallbackError::AuthorizationFailed(sanitize(other)),
        };
        return (back, failed(&key, e));
    }
    let Some(code) = params.get("code").filter(|c| !c.is_empty() && c.len() <= 1024) else {
        return (back, failed(&key, CallbackError::MissingCode));
    };
    match connect(&login, code, deps).await {
        Ok(account) => {
            let (tenant, login_ref) = (&login.tenant, login_ref(&key));
            tracing::info!(%tenant, account = %account.id, login = login_ref, "account connected");
            (back, Ok(account))
        }
        Err(e) => (back, failed(&key, e)),
    }
}

fn failed(key: &str, e: CallbackError) -> Result<Account, CallbackError> {
    tracing::warn!(login = login_ref(key), code = e.code(), error = %e, "login not completed");
    Err(e)
}

/// The callback needs no credentials (the state names the tenant), but a
/// request that carries some must carry the login's tenant's.
async fn caller_may_finish(request: &Request, deps: &Deps, login: &PendingLogin) -> bool {
    let presents = match &deps.config.auth {
        AuthMode::ApiKey => request.headers().contains_key("authorization"),
        AuthMode::Jwt { .. } => match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.is_some(),
            _ => false,
        },
    };
    if !presents {
        return true;
    }
    match tenant_of(request, &deps.config.auth, &deps.tenants).await {
        Ok(tenant) => tenant.as_str() == login.tenant,
        Err(_) => false,
    }
}

/// Exchanges the code with the login's verifier, reads the profile and
/// stores the account.
async fn connect(login: &PendingLogin, code: &str, deps: &Deps) -> Result<Account, CallbackError> {
    let secret = deps.keeper.secrets.get().await?;
    let sealed = login.sealed_verifier.as_deref().ok_or(CallbackError::VerifierMissing)?;
    let verifier = secret.ring.open(&seal_context(&login.state_key, &login.tenant), sealed)?;
    let verifier = PkceVerifier::new(verifier.expose_secret().to_owned());
    let redirect_uri = Url::parse(&login.redirect_uri)
        .map_err(|_| StoreError::Corrupt("oauth state with an invalid redirect_uri".into()))?;
    let client = &deps.keeper.client;
    let tokens = client
        .exchange_code(&secret.credentials, &AuthCode::new(code.to_owned()), &redirect_uri, &verifier)
        .await
        .map_err(CallbackError::Exchange)?;
    let profile = client.user_info(&tokens.access_token).await.map_err(CallbackError::Profile)?;
    if !profile.open_id.is_empty() && profile.open_id != tokens.open_id {
        let e = TikTokError::Invalid("the profile belongs to another open_id than the token".into());
        return Err(CallbackError::Profile(e));
    }
    let connection = Connection {
        tenant: &login.tenant,
        display_name: profile.display_name.as_deref().unwrap_or_default(),
        avatar_url: profile.avatar_url.as_deref().unwrap_or_default(),
        tokens: &tokens,
    };
    let account = deps.keeper.accounts.connect(connection, &secret.ring).await.map_err(|e| match e {
        ConnectError::OwnedByAnotherTenant => CallbackError::OwnedByAnotherTenant,
        // Sealing the new tokens failed: the key ring is broken, not the verifier.
        ConnectError::Vault(e) => CallbackError::Secret(SecretError::Invalid(e)),
        ConnectError::Store(e) => CallbackError::Store(e),
    })?;
    resume_posts(deps, &account).await;
    Ok(account)
}

/// A reconnect resumes the posts that losing the account held (a new
/// account has none). The account is connected whatever happens here, so a
/// failure is logged, not shown: the posts stay `HELD`, visible, and the
/// next connect resumes them.
async fn resume_posts(deps: &Deps, account: &Account) {
    match resume_held_posts(&deps.keeper.posts, account).await {
        Ok(0) => {}
        Ok(resumed) => tracing::info!(account = %account.id, resumed, "held posts resumed"),
        Err(e) => tracing::error!(account = %account.id, error = %e, "held posts not resumed"),
    }
}

/// TikTok's `error` value, kept only as a short `[a-z_]` code for logs.
fn sanitize(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_lowercase() || *c == '_').take(64).collect()
}
