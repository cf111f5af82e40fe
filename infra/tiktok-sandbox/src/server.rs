//! Starting the sandbox: bind loopback, generate the data set, and serve HTTP/1 with a custom
//! accept loop so that a fault can close a connection without answering.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_service::Service;

use crate::config::Config;
use crate::data::Dataset;
use crate::faults::DropConnection;
use crate::state::{Sandbox, Shared};

/// A started sandbox; the server stops when the runtime does (or on `abort`).
pub struct RunningSandbox {
    pub addr: SocketAddr,
    pub base_url: String,
    pub state: Shared,
    pub task: JoinHandle<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the sandbox only binds loopback, not {0}")]
    NotLoopback(SocketAddr),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

pub async fn start(config: Config) -> Result<RunningSandbox, StartError> {
    if !config.addr.ip().is_loopback() {
        return Err(StartError::NotLoopback(config.addr));
    }
    let bind_error = |source| StartError::Bind { addr: config.addr, source };
    let listener = TcpListener::bind(config.addr).await.map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let base_url = format!("http://{addr}");
    let public_url = config.public_url.clone().unwrap_or_else(|| base_url.clone());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let dataset = Dataset::generate(config.seed, config.dataset_size, now);
    let state: Shared = Arc::new(Sandbox::new(&config, public_url, dataset)?);
    let app = crate::router(state.clone());
    let task = tokio::spawn(serve(listener, app));
    Ok(RunningSandbox { addr, base_url, state, task })
}

#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose (fault injection)")]
struct Dropped;

async fn serve(listener: TcpListener, app: Router) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let mut app = app.clone();
                async move {
                    let response = match app.call(request.map(Body::new)).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    };
                    // A service error makes hyper close the connection without a response.
                    if response.extensions().get::<DropConnection>().is_some() {
                        return Err(Dropped);
                    }
                    Ok::<_, Dropped>(response)
                }
            });
            let connection =
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
}
