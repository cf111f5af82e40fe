//! `demo_tiktok`: walks the TikTok login and first calls with the real `tiktok`
//! client against the local sandbox (source `.local/stack.env`), and prints a summary.
//!
//! authorize URL → GET it (the sandbox consents at once) without following the 302 → code and
//! state from `Location`, state checked → code exchange with the PKCE verifier → user info →
//! creator_info → one refresh through the persist step. Tokens, codes, state and the secret
//! are never printed: only whether they arrived and how long they live.

use std::convert::Infallible;
use std::process::ExitCode;

use reqwest::header::LOCATION;
use reqwest::StatusCode;
use shared::config::{ConfigError, EnvReader};
use tiktok::pkce::{SCOPE_USER_INFO_BASIC, SCOPE_VIDEO_LIST, SCOPE_VIDEO_PUBLISH, SCOPE_VIDEO_UPLOAD};
use tiktok::{
    AppCredentials, AuthCode, ClientKey, ClientSecret, LoginStart, RefreshError, RefreshToken, TikTokClient,
    TikTokConfig, TikTokError, TokenSet,
};
use url::Url;

const SCOPES: [&str; 4] = [SCOPE_USER_INFO_BASIC, SCOPE_VIDEO_PUBLISH, SCOPE_VIDEO_UPLOAD, SCOPE_VIDEO_LIST];
/// Where TikTok sends the browser back; the sandbox accepts any absolute http(s) URI.
const DEFAULT_REDIRECT_URI: &str = "https://app.example.test/oauth/tiktok/callback";

#[derive(Debug, thiserror::Error)]
enum DemoError {
    #[error("{0}")]
    TikTok(#[from] TikTokError),
    #[error("authorize: {0}")]
    Authorize(String),
}

/// What the demo needs: TikTok's URLs (the sandbox's) and the app credentials.
struct Settings {
    tiktok: TikTokConfig,
    credentials: AppCredentials,
    redirect_uri: Option<Url>,
}

impl Settings {
    fn from_env() -> Result<Self, ConfigError> {
        let mut env = EnvReader::from_process();
        let tiktok = TikTokConfig::read(&mut env);
        let client_key = ClientKey(env.required("TIKTOK_CLIENT_KEY"));
        let client_secret = ClientSecret::new(env.required("TIKTOK_CLIENT_SECRET"));
        let redirect_uri = env.optional_url("TIKTOK_REDIRECT_URI");
        let settings =
            Self { tiktok, credentials: AppCredentials { client_key, client_secret }, redirect_uri };
        env.finish(settings)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{e} (source .local/stack.env first)");
            return ExitCode::from(2);
        }
    };
    match run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("  failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> Result<(), DemoError> {
    let redirect_uri = match settings.redirect_uri {
        Some(uri) => uri,
        None => Url::parse(DEFAULT_REDIRECT_URI).map_err(|e| DemoError::Authorize(e.to_string()))?,
    };
    println!("  TikTok API at {} (app {})", settings.tiktok.api_base_url, settings.credentials.client_key.0);
    let app = settings.credentials;
    let client = TikTokClient::new(settings.tiktok)?;

    let login = client.start_login(&app.client_key, &redirect_uri, &SCOPES)?;
    println!("  login: authorize URL built (scopes {}, PKCE S256, fresh state)", SCOPES.join(","));
    let code = consent(&login, &redirect_uri).await?;
    println!("  authorize: 302 to the app's callback with a code; state matches");

    let tokens = client.exchange_code(&app, &code, &redirect_uri, &login.verifier).await?;
    print_tokens("code exchange", &tokens);

    let user = client.user_info(&tokens.access_token).await?;
    let name = user.display_name.as_deref().unwrap_or("-");
    println!("  user info: {name} (open_id {})", short(&user.open_id));

    let creator = client.creator_info(&tokens.access_token).await?;
    // The wire names (PUBLIC_TO_EVERYONE, ...), as TikTok's audit asks the post form to show.
    let options: Vec<String> = creator
        .privacy_level_options
        .iter()
        .map(|level| serde_json::to_value(level).ok().and_then(|v| v.as_str().map(str::to_owned)))
        .map(|name| name.unwrap_or_else(|| "?".into()))
        .collect();
    println!("  creator_info: @{} \"{}\"", creator.creator_username, creator.creator_nickname);
    println!("    privacy options: {}", options.join(", "));
    println!(
        "    max video: {} s; comments {}, duet {}, stitch {}",
        creator.max_video_post_duration_sec,
        on_off(!creator.comment_disabled),
        on_off(!creator.duet_disabled),
        on_off(!creator.stitch_disabled)
    );

    refresh_once(&client, &app, &tokens).await
}

/// Refreshes once; the new access token is handed out only after the rotated refresh token
/// was stored (here, in memory).
async fn refresh_once(
    client: &TikTokClient,
    app: &AppCredentials,
    tokens: &TokenSet,
) -> Result<(), DemoError> {
    let mut vault: Option<TokenSet> = None;
    let access = client
        .refresh(app, &tokens.refresh_token, async |rotated: &TokenSet| {
            vault = Some(rotated.clone());
            Ok::<(), Infallible>(())
        })
        .await
        .map_err(|e| match e {
            RefreshError::TikTok(e) => DemoError::TikTok(e),
            RefreshError::Persist(failed) => match failed.error {},
        })?;
    let Some(rotated) = vault else {
        return Err(DemoError::Authorize("refresh answered without persisting".into()));
    };
    print_tokens("refresh", &rotated);
    let rotated_differs = !same(&rotated.refresh_token, &tokens.refresh_token);
    println!(
        "    refresh token rotated: {}; persisted before the access token was handed out",
        if rotated_differs { "yes" } else { "NO" }
    );
    let user = client.user_info(&access).await?;
    println!("    new access token works: user info answered for open_id {}", short(&user.open_id));
    Ok(())
}

/// GETs the authorize URL without following the redirect and returns the callback's code
/// after checking its state. The sandbox consents at once; real TikTok shows a page.
async fn consent(login: &LoginStart, redirect_uri: &Url) -> Result<AuthCode, DemoError> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| DemoError::Authorize(e.to_string()))?;
    // Errors without the URL: it carries the state.
    let response = http
        .get(login.authorize_url.clone())
        .send()
        .await
        .map_err(|e| DemoError::Authorize(e.without_url().to_string()))?;
    if response.status() != StatusCode::FOUND {
        return Err(DemoError::Authorize(format!("expected a 302, got {}", response.status())));
    }
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| DemoError::Authorize("302 without a Location".into()))?;
    let callback = Url::parse(location).map_err(|e| DemoError::Authorize(format!("Location: {e}")))?;
    if !callback.as_str().starts_with(redirect_uri.as_str()) {
        return Err(DemoError::Authorize("redirected somewhere other than the callback".into()));
    }
    let param = |key: &str| callback.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    if let Some(error) = param("error") {
        let description = param("error_description").unwrap_or_default();
        return Err(DemoError::Authorize(format!("{error}: {description}")));
    }
    let state = param("state").unwrap_or_default();
    if !login.state.matches(&state) {
        return Err(DemoError::Authorize("the callback's state does not match the login".into()));
    }
    param("code").map(AuthCode::new).ok_or_else(|| DemoError::Authorize("no code in the callback".into()))
}

fn print_tokens(step: &str, tokens: &TokenSet) {
    println!("  {step}: access token: received (expires in {} s)", tokens.expires_in);
    println!("    refresh token: received (expires in {} s)", tokens.refresh_expires_in);
    println!("    scopes granted: {}", tokens.scopes().collect::<Vec<_>>().join(","));
}

fn same(a: &RefreshToken, b: &RefreshToken) -> bool {
    a.expose_secret() == b.expose_secret()
}

/// The first characters of an id: enough to recognise, short enough to read.
fn short(id: &str) -> String {
    let head: String = id.chars().take(12).collect();
    if head.len() < id.len() {
        format!("{head}…")
    } else {
        head
    }
}

fn on_off(enabled: bool) -> &'static str {
    if enabled {
        "on"
    } else {
        "off"
    }
}
