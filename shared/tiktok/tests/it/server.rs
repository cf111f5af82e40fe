//! A tiny in-process HTTP server answering canned responses, for the client
//! tests (`tiktok_client.rs`, `tiktok_transport.rs` include it as a module).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tiktok::{
    plan_chunks, AccessToken, AppCredentials, ClientKey, ClientSecret, PrivacyLevel, TikTokClient,
    TikTokConfig, VideoInitRequest, VideoPostInfo, VideoSource,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

/// What the server does with the n-th connection.
#[derive(Clone)]
pub enum Reply {
    Respond {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Reads the whole request, then closes without answering.
    CloseAfterRead,
    /// Reads the whole request, then never answers.
    Hang,
}

pub fn json(status: u16, body: serde_json::Value) -> Reply {
    Reply::Respond {
        status,
        headers: vec![("Content-Type", "application/json".into())],
        body: body.to_string(),
    }
}

pub fn ok(data: serde_json::Value) -> Reply {
    json(200, serde_json::json!({"data": data, "error": {"code": "ok", "message": "", "log_id": "L1"}}))
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }
    pub fn form_value(&self, key: &str) -> Option<String> {
        self.form().into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

pub type Log = Arc<Mutex<Vec<Recorded>>>;

pub async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, target) = (request_line.next()?.to_owned(), request_line.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded { method, target, headers, body: buf[head_end..head_end + length].to_vec() })
}

/// Serves one reply per connection, in order; records every request.
pub async fn serve(replies: Vec<Reply>) -> (Url, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let log: Log = Arc::default();
    let recorded = log.clone();
    tokio::spawn(async move {
        for reply in replies {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let Some(request) = read_request(&mut stream).await else { continue };
            recorded.lock().unwrap().push(request);
            match reply {
                Reply::Respond { status, headers, body } => {
                    let mut out = format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                        body.len()
                    );
                    for (k, v) in headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    out.push_str(&body);
                    let _ = stream.write_all(out.as_bytes()).await;
                    let _ = stream.shutdown().await;
                }
                Reply::CloseAfterRead => drop(stream),
                Reply::Hang => tokio::time::sleep(Duration::from_secs(60)).await,
            }
        }
    });
    (url, log)
}

pub fn client(base: &Url) -> TikTokClient {
    let mut config = TikTokConfig::with_base_urls(base.clone(), base.clone());
    config.api_timeout = Duration::from_millis(500);
    config.upload_timeout = Duration::from_millis(500);
    TikTokClient::new(config).unwrap()
}

/// The app credentials the canned server expects.
pub fn app() -> AppCredentials {
    AppCredentials { client_key: ClientKey("ck".into()), client_secret: ClientSecret::new("cs") }
}

pub fn token() -> AccessToken {
    AccessToken::new("act.1")
}

pub fn video_init() -> VideoInitRequest {
    VideoInitRequest {
        post_info: VideoPostInfo {
            title: Some("hello #tag".into()),
            privacy_level: PrivacyLevel::SelfOnly,
            disable_duet: false,
            disable_comment: true,
            disable_stitch: false,
            video_cover_timestamp_ms: Some(1000),
            brand_content_toggle: false,
            brand_organic_toggle: false,
            is_aigc: false,
        },
        source_info: VideoSource::file_upload(&plan_chunks(30 * 1024 * 1024).unwrap()),
    }
}

pub fn token_body(access: &str, refresh: &str) -> serde_json::Value {
    serde_json::json!({
        "access_token": access, "expires_in": 86400, "open_id": "open-1", "refresh_token": refresh,
        "refresh_expires_in": 31536000, "scope": "user.info.basic,video.publish", "token_type": "Bearer"
    })
}
