use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

async fn app_token(env: &Env) -> String {
    let (status, body) = env.token(&[("grant_type", "client_credentials")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

fn ymd(unix: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(unix).unwrap().date();
    format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day())
}

const RESEARCH: &str = "/v2/research/video/query/?fields=id,create_time,hashtag_names,view_count,username";

#[tokio::test]
async fn research_pages_return_exactly_the_reference_videos() {
    let env = env().await;
    let token = app_token(&env).await;
    let dataset = env.admin_get("/_sandbox/dataset").await;
    let now = dataset["generated_at"].as_i64().unwrap();
    let (start, end) = (ymd(now - 29 * 86_400), ymd(now));
    let start_unix = time::Date::parse(&start, time::macros::format_description!("[year][month][day]"))
        .unwrap()
        .midnight()
        .assume_utc()
        .unix_timestamp();
    let mut expected: Vec<u64> = dataset["videos"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["private"] == false && v["create_time"].as_i64().unwrap() >= start_unix)
        .filter(|v| v["hashtag_names"].as_array().unwrap().iter().any(|h| h == "food"))
        .filter(|v| v["region_code"] != "US")
        .map(|v| v["id"].as_u64().unwrap())
        .collect();
    expected.sort_unstable();
    assert!(expected.len() > 100, "enough for several pages: {}", expected.len());

    let query = json!({"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["food"]}],
                       "not": [{"operation": "IN", "field_name": "region_code", "field_values": ["US"]}]});
    let (mut cursor, mut search_id, mut seen) = (0u64, Value::Null, Vec::new());
    loop {
        let body = json!({"query": query, "start_date": start, "end_date": end, "max_count": 100, "cursor": cursor, "search_id": search_id});
        let (status, page) = env.api(&token, RESEARCH, body).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let data = &page["data"];
        seen.extend(data["videos"].as_array().unwrap().iter().map(|v| v["id"].as_u64().unwrap()));
        search_id = data["search_id"].clone();
        cursor = data["cursor"].as_u64().unwrap();
        if data["has_more"] == false {
            break;
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn research_window_over_30_days_is_invalid_params() {
    let env = env().await;
    let token = app_token(&env).await;
    let body =
        json!({"query": {"and": []}, "start_date": "20250101", "end_date": "20250201", "max_count": 10});
    let (status, body) = env.api(&token, RESEARCH, body).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_params")));
    let body =
        json!({"query": {"and": []}, "start_date": "20250101", "end_date": "20250131", "max_count": 10});
    assert_eq!(env.api(&token, RESEARCH, body).await.0, StatusCode::OK);
}

#[tokio::test]
async fn research_needs_an_app_token_and_has_a_daily_quota() {
    let env = env_with(|c| c.settings.research_daily_quota = 2).await;
    let user = env.access_token("sandbox_creator").await;
    let body = json!({"query": {"and": []}, "start_date": "20250101", "end_date": "20250102"});
    assert_eq!(env.api(&user, RESEARCH, body.clone()).await.0, StatusCode::UNAUTHORIZED);
    let token = app_token(&env).await;
    assert_eq!(env.api(&token, RESEARCH, body.clone()).await.0, StatusCode::OK);
    assert_eq!(env.api(&token, RESEARCH, body.clone()).await.0, StatusCode::OK);
    let (status, body) = env.api(&token, RESEARCH, body).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limit_exceeded"))
    );
}

#[tokio::test]
async fn display_api_pages_through_the_creators_own_videos() {
    let env = env().await;
    let token = env.access_token("chef_maria").await;
    let dataset = env.admin_get("/_sandbox/dataset").await;
    let mut expected: Vec<String> = dataset["videos"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["username"] == "chef_maria")
        .map(|v| v["id"].as_u64().unwrap().to_string())
        .collect();
    expected.sort();
    assert!(expected.len() > 40);

    let path = "/v2/video/list/?fields=id,create_time,title,video_description,duration,view_count,like_count,comment_count,share_count";
    let (mut cursor, mut seen, mut last_time) = (None::<i64>, Vec::new(), i64::MAX);
    loop {
        let mut body = json!({"max_count": 20});
        if let Some(c) = cursor {
            body["cursor"] = json!(c);
        }
        let (status, page) = env.api(&token, path, body).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for video in page["data"]["videos"].as_array().unwrap() {
            let t = video["create_time"].as_i64().unwrap();
            assert!(t < last_time, "newest first");
            last_time = t;
            assert!(video.get("hashtag_names").is_none());
            seen.push(video["id"].as_str().unwrap().to_string());
        }
        cursor = page["data"]["cursor"].as_i64();
        if page["data"]["has_more"] == false {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, expected);
    let (status, _) = env.api(&token, path, json!({"max_count": 21})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
