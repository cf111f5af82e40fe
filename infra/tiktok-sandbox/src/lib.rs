//! A local TikTok: Login Kit v2, Content Posting, webhooks, Display and Research APIs over a
//! seeded data set, plus an admin API (`/_sandbox/...`) for faults, counters and the ledger.
//! Start it with [`start`]; see the crate README for every route.

mod admin;
mod auth;
mod chunks;
pub mod config;
mod consent;
mod creators;
pub mod data;
mod display;
mod envelope;
pub mod faults;
mod limits;
mod oauth;
mod posting;
mod posts;
mod pull;
mod research;
mod server;
pub mod state;
mod upload;
pub mod webhooks;

use axum::middleware;
use axum::routing::{get, post, put, MethodRouter};
use axum::Router;

pub use config::{Config, ConfigError, Settings};
pub use oauth::pkce_matches;
pub use server::{start, RunningSandbox, StartError};
use state::Shared;

/// Every TikTok route, registered with and without the trailing slash.
pub fn router(state: Shared) -> Router {
    let tiktok: [(&str, MethodRouter<Shared>); 12] = [
        ("/v2/auth/authorize/", get(oauth::authorize)),
        ("/v2/oauth/token/", post(oauth::token)),
        ("/v2/oauth/revoke/", post(oauth::revoke)),
        ("/v2/user/info/", get(oauth::user_info)),
        ("/v2/post/publish/creator_info/query/", post(posting::creator_info)),
        ("/v2/post/publish/video/init/", post(posting::video_init)),
        ("/v2/post/publish/inbox/video/init/", post(posting::inbox_init)),
        ("/v2/post/publish/content/init/", post(posting::content_init)),
        ("/v2/post/publish/status/fetch/", post(posts::status)),
        ("/v2/post/publish/cancel/", post(posts::cancel)),
        ("/v2/video/list/", post(display::video_list)),
        ("/v2/research/video/query/", post(research::video_query)),
    ];
    let mut router = Router::new().route("/upload/{id}", put(upload::put_chunk));
    for (path, handler) in tiktok {
        router = router.route(path, handler.clone()).route(path.trim_end_matches('/'), handler);
    }
    router
        .merge(admin::routes())
        .layer(middleware::from_fn_with_state(state.clone(), faults::inject))
        .with_state(state)
}
