//! `TikTokClient`: one reqwest client (rustls, no redirects), the endpoint
//! URLs, and the plumbing every call shares: envelope parsing and the one
//! error classification.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use super::config::TikTokConfig;
use super::error::{classify_api, classify_by_status, classify_oauth, classify_transport, ApiFailure};
use super::error::{Mutation, TikTokError};
use super::pkce::{self, endpoint, AuthorizeParams};
use super::secrets::{AccessToken, ClientKey, OAuthState, PkceVerifier};

/// Every endpoint URL, built once from the configured base URLs.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub token: Url,
    pub revoke: Url,
    pub user_info: Url,
    pub creator_info: Url,
    pub video_init: Url,
    pub inbox_video_init: Url,
    pub content_init: Url,
    pub status_fetch: Url,
    pub cancel: Url,
    pub video_list: Url,
    pub research_video_query: Url,
}

impl Endpoints {
    pub fn new(api_base: &Url) -> Result<Self, url::ParseError> {
        let at = |path: &str| Url::parse(&endpoint(api_base, path));
        Ok(Self {
            token: at("/v2/oauth/token/")?,
            revoke: at("/v2/oauth/revoke/")?,
            user_info: at("/v2/user/info/")?,
            creator_info: at("/v2/post/publish/creator_info/query/")?,
            video_init: at("/v2/post/publish/video/init/")?,
            inbox_video_init: at("/v2/post/publish/inbox/video/init/")?,
            content_init: at("/v2/post/publish/content/init/")?,
            status_fetch: at("/v2/post/publish/status/fetch/")?,
            cancel: at("/v2/post/publish/cancel/")?,
            video_list: at("/v2/video/list/")?,
            research_video_query: at("/v2/research/video/query/")?,
        })
    }
}

/// The TikTok client. Build once at init and lend it to handlers; cloning is cheap.
#[derive(Debug, Clone)]
pub struct TikTokClient {
    pub(crate) http: reqwest::Client,
    pub(crate) config: Arc<TikTokConfig>,
    pub(crate) endpoints: Arc<Endpoints>,
}

/// What the OAuth start stores (single-use, bound to the tenant) and where it sends the user.
#[derive(Debug)]
pub struct LoginStart {
    pub state: OAuthState,
    pub verifier: PkceVerifier,
    /// Carries the state: redirect to it, do not log it.
    pub authorize_url: Url,
}

impl TikTokClient {
    /// Builds the HTTP client (rustls, no redirects followed, connect timeout).
    /// The app credentials are not part of the client: the calls that need
    /// them take them, so a function reads them from its cached app secret at
    /// call time and a rotated secret takes effect without a new client.
    pub fn new(config: TikTokConfig) -> Result<Self, TikTokError> {
        let endpoints = Endpoints::new(&config.api_base_url)
            .map_err(|e| TikTokError::Invalid(format!("TikTok API base URL: {e}")))?;
        let http = reqwest::Client::builder()
            .tls_backend_rustls()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| TikTokError::Invalid(format!("HTTP client: {e}")))?;
        Ok(Self { http, config: Arc::new(config), endpoints: Arc::new(endpoints) })
    }

    pub fn config(&self) -> &TikTokConfig {
        &self.config
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Starts a login: fresh state and PKCE verifier, and the authorize URL
    /// with the challenge in the configured encoding.
    pub fn start_login(
        &self,
        client_key: &ClientKey,
        redirect_uri: &Url,
        scopes: &[&str],
    ) -> Result<LoginStart, TikTokError> {
        let state = pkce::new_state();
        let verifier = pkce::new_verifier();
        let params = AuthorizeParams {
            client_key,
            scopes,
            redirect_uri,
            state: &state,
            verifier: &verifier,
            encoding: self.config.pkce_encoding,
        };
        let authorize_url = pkce::authorize_url(&self.config.auth_base_url, &params)
            .map_err(|e| TikTokError::Invalid(format!("TikTok auth base URL: {e}")))?;
        Ok(LoginStart { state, verifier, authorize_url })
    }

    /// A v2 API call with a bearer token and a JSON body.
    pub(crate) async fn api_post<B: Serialize, D: DeserializeOwned>(
        &self,
        url: &Url,
        token: &AccessToken,
        body: &B,
        mutation: Mutation,
    ) -> Result<D, TikTokError> {
        let request = self.http.post(url.clone()).bearer_auth(token.expose_secret()).json(body);
        let response = self.send(request, self.config.api_timeout, mutation).await?;
        read_envelope(response, mutation).await
    }

    /// A v2 API GET with a bearer token.
    pub(crate) async fn api_get<D: DeserializeOwned>(
        &self,
        url: &Url,
        token: &AccessToken,
    ) -> Result<D, TikTokError> {
        let request = self.http.get(url.clone()).bearer_auth(token.expose_secret());
        let response = self.send(request, self.config.api_timeout, Mutation::Read).await?;
        read_envelope(response, Mutation::Read).await
    }

    /// An OAuth call: form-urlencoded, flat JSON answer.
    pub(crate) async fn oauth_post<D: DeserializeOwned>(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        mutation: Mutation,
    ) -> Result<D, TikTokError> {
        let request = self.http.post(url.clone()).form(form);
        let response = self.send(request, self.config.api_timeout, mutation).await?;
        read_oauth(response, mutation).await
    }

    pub(crate) async fn send(
        &self,
        request: RequestBuilder,
        timeout: Duration,
        mutation: Mutation,
    ) -> Result<Response, TikTokError> {
        request.timeout(timeout).send().await.map_err(|e| classify_transport(&e, mutation))
    }
}

#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<ErrorBody>,
}

/// The v2 envelope's `error` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub log_id: Option<String>,
}

pub(crate) fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The most an answer of TikTok may hold. The largest real answers (a page of
/// 100 research videos) are tens of kilobytes: a bigger body is a broken or
/// hostile peer, refused before it fills the function's memory.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// Reads the body as it streams in, stopping at [`MAX_ANSWER_BYTES`]; a
/// 2xx answer too large to read after a mutating call is ambiguous.
pub(crate) async fn read_body(response: Response, mutation: Mutation) -> Result<bytes::Bytes, TikTokError> {
    let status = response.status();
    match read_capped(response, MAX_ANSWER_BYTES).await.map_err(|e| classify_transport(&e, mutation))? {
        Some(body) => Ok(body),
        None => {
            Err(unreadable(status, mutation, format!("answer larger than {MAX_ANSWER_BYTES} bytes"), None))
        }
    }
}

/// An answer's body read as it streams in, or `None` as soon as it passes
/// `max` bytes: no peer can make us hold more than that.
pub async fn read_capped(mut response: Response, max: usize) -> Result<Option<bytes::Bytes>, reqwest::Error> {
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len().saturating_add(chunk.len()) > max {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

fn failure(status: StatusCode, code: String, message: String, log_id: Option<String>) -> ApiFailure {
    ApiFailure { http_status: Some(status.as_u16()), code, message, log_id }
}

/// A 2xx answer we cannot read: after a mutating call TikTok probably acted.
fn unreadable(status: StatusCode, mutation: Mutation, what: String, log_id: Option<String>) -> TikTokError {
    let failure = failure(status, "unexpected_response".into(), what, log_id);
    if status.is_success() && mutation == Mutation::Mutating {
        TikTokError::Ambiguous { detail: failure.to_string() }
    } else {
        classify_by_status(failure, None)
    }
}

// serde's "invalid type" messages quote the offending value, which may be a
// token or a caption: only "missing field" messages are safe to keep.
fn shape_problem(what: &str, err: &serde_json::Error) -> String {
    let message = err.to_string();
    if message.starts_with("missing field") {
        format!("unexpected {what}: {message}")
    } else {
        format!("unexpected {what} shape")
    }
}

fn log_outcome(status: StatusCode, code: &str, log_id: Option<&str>) {
    tracing::debug!(http_status = status.as_u16(), code, log_id, "TikTok answered");
}

/// The answer's status, `Retry-After` and body read as `T`; a body that is
/// not `T` is `unreadable` with `not_t` as the reason.
async fn read_json<T: DeserializeOwned>(
    response: Response,
    mutation: Mutation,
    not_t: &str,
) -> Result<(StatusCode, Option<Duration>, T), TikTokError> {
    let status = response.status();
    let after = retry_after(&response);
    let body = read_body(response, mutation).await?;
    match serde_json::from_slice::<T>(&body) {
        Ok(value) => Ok((status, after, value)),
        Err(_) => Err(unreadable(status, mutation, not_t.to_owned(), None)),
    }
}

/// Reads `{data, error}`: `error.code != "ok"` is a failure whatever the status.
pub(crate) async fn read_envelope<D: DeserializeOwned>(
    response: Response,
    mutation: Mutation,
) -> Result<D, TikTokError> {
    let (status, after, envelope) =
        read_json::<RawEnvelope>(response, mutation, "body is not TikTok's JSON envelope").await?;
    let error = envelope.error.unwrap_or_default();
    log_outcome(status, &error.code, error.log_id.as_deref());
    if error.code != "ok" && !error.code.is_empty() {
        return Err(classify_api(failure(status, error.code, error.message, error.log_id), after));
    }
    if !status.is_success() {
        let code = format!("http_{}", status.as_u16());
        return Err(classify_by_status(failure(status, code, error.message, error.log_id), after));
    }
    let data = envelope.data.unwrap_or(serde_json::Value::Object(Default::default()));
    serde_json::from_value(data)
        .map_err(|e| unreadable(status, mutation, shape_problem("data", &e), error.log_id))
}

/// Reads an OAuth answer: flat success, flat `{error, error_description,
/// log_id}` failure (even with HTTP 200), or a v2 envelope error.
pub(crate) async fn read_oauth<D: DeserializeOwned>(
    response: Response,
    mutation: Mutation,
) -> Result<D, TikTokError> {
    let (status, after, value) =
        read_json::<serde_json::Value>(response, mutation, "body is not JSON").await?;
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    match value.get("error") {
        Some(serde_json::Value::String(code)) if !code.is_empty() && code != "ok" => {
            log_outcome(status, code, text("log_id").as_deref());
            let message = text("error_description").unwrap_or_default();
            return Err(classify_oauth(failure(status, code.clone(), message, text("log_id")), after));
        }
        Some(error @ serde_json::Value::Object(_)) => {
            let error: ErrorBody = serde_json::from_value(error.clone()).unwrap_or_default();
            if error.code != "ok" && !error.code.is_empty() {
                log_outcome(status, &error.code, error.log_id.as_deref());
                return Err(classify_api(failure(status, error.code, error.message, error.log_id), after));
            }
        }
        _ => {}
    }
    if !status.is_success() {
        let code = format!("http_{}", status.as_u16());
        return Err(classify_by_status(failure(status, code, String::new(), text("log_id")), after));
    }
    serde_json::from_value(value).map_err(|e| unreadable(status, mutation, shape_problem("body", &e), None))
}
