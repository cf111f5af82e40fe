//! Contract tests, reading data: the Display API video list paged by cursor, and the
//! Research API query paged by cursor + search_id within a 30-day window.

use crate::client_support;

use serde_json::Value;
use tiktok::display::VideoListRequest;
use tiktok::pkce::SCOPE_USER_INFO_BASIC;
use tiktok::research::{
    Condition, Operation, ResearchDate, ResearchQuery, ResearchVideoQuery, RESEARCH_MAX_COUNT,
};
use tiktok::{AccessToken, ErrorClass, TikTokError};
use time::{Date, Duration, OffsetDateTime};

use client_support::*;

fn hashtag(tag: &str) -> ResearchQuery {
    let condition = Condition {
        operation: Operation::Eq,
        field_name: "hashtag_name".into(),
        field_values: vec![tag.into()],
    };
    ResearchQuery { and: vec![condition], ..ResearchQuery::default() }
}

/// The data set's "today" (UTC) and the Research window's first second for `start`.
async fn today(h: &World) -> (Date, Value) {
    let dataset = h.admin_get("/_sandbox/dataset").await;
    let now = dataset["generated_at"].as_i64().unwrap();
    (OffsetDateTime::from_unix_timestamp(now).unwrap().date(), dataset)
}

async fn app_token(h: &World) -> AccessToken {
    h.client.client_token(&h.app).await.unwrap().access_token
}

#[tokio::test]
async fn video_list_pages_through_every_own_video_newest_first() {
    let h = world().await;
    let token = h.token("chef_maria").await;
    let (_, dataset) = today(&h).await;
    let mut expected: Vec<(i64, String)> = array(&dataset["videos"])
        .iter()
        .filter(|v| v["username"] == "chef_maria")
        .map(|v| (v["create_time"].as_i64().unwrap(), v["id"].as_u64().unwrap().to_string()))
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    assert!(expected.len() > 40, "enough videos for several pages: {}", expected.len());

    let (mut seen, mut cursor, mut pages) = (Vec::new(), None, 0);
    loop {
        let page = h.client.list_videos(&token, &VideoListRequest::new(cursor, 20).unwrap()).await.unwrap();
        pages += 1;
        assert!(page.videos.len() <= 20);
        seen.extend(page.videos.iter().map(|v| (v.create_time, v.id.clone())));
        if !page.has_more {
            break;
        }
        assert_eq!(page.videos.len(), 20, "only the last page is short");
        cursor = Some(page.cursor);
    }
    assert_eq!(seen, expected, "every own video once, newest first");
    assert_eq!(pages, expected.len().div_ceil(20));
    assert_eq!(h.calls("video_list").await, pages as u64);
}

#[tokio::test]
async fn video_list_without_its_scope_is_reauth_that_refresh_cannot_fix() {
    let h = world().await;
    let token = h.connect_with("chef_maria", &[SCOPE_USER_INFO_BASIC]).await.access_token;
    let err = failed(h.client.list_videos(&token, &VideoListRequest::new(None, 5).unwrap()).await);
    assert_eq!(answer(&err), (Some(401), "scope_not_authorized"));
    assert_eq!(err.class(), ErrorClass::Reauth { refresh_may_help: false });
}

#[tokio::test]
async fn research_query_pages_by_cursor_and_search_id_to_the_reference_set() {
    let h = world().await;
    let token = app_token(&h).await;
    let (end, dataset) = today(&h).await;
    let start = end - Duration::days(29);
    let from = start.midnight().assume_utc().unix_timestamp();
    let mut expected: Vec<String> = array(&dataset["videos"])
        .iter()
        .filter(|v| v["private"] == false && v["create_time"].as_i64().unwrap() >= from)
        .filter(|v| array(&v["hashtag_names"]).iter().any(|t| t == "food"))
        .map(|v| v["id"].as_u64().unwrap().to_string())
        .collect();
    expected.sort_unstable();
    assert!(expected.len() > RESEARCH_MAX_COUNT as usize, "several pages: {}", expected.len());

    let mut query = ResearchVideoQuery::new(hashtag("food"), start, end, RESEARCH_MAX_COUNT).unwrap();
    let (mut seen, mut search_ids, mut pages) = (Vec::new(), Vec::new(), 0);
    loop {
        let page = h.client.research_videos(&token, &query).await.unwrap();
        pages += 1;
        assert!(page.videos.iter().all(|v| v.hashtag_names.iter().any(|t| t == "food")));
        seen.extend(page.videos.iter().map(|v| v.id.clone()));
        search_ids.push(page.search_id.clone());
        match query.next_page(&page) {
            Some(next) => query = next,
            None => break,
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, expected, "every matching public video exactly once");
    assert!(pages >= 2);
    assert!(search_ids.iter().all(|id| !id.is_empty() && *id == search_ids[0]), "one search across pages");
    assert_eq!(h.calls("research_query").await, pages);
}

#[tokio::test]
async fn research_search_id_of_another_query_is_invalid_params() {
    let h = world().await;
    let token = app_token(&h).await;
    let (end, _) = today(&h).await;
    let start = end - Duration::days(6);
    let food = ResearchVideoQuery::new(hashtag("food"), start, end, 10).unwrap();
    let page = h.client.research_videos(&token, &food).await.unwrap();
    let mut travel = ResearchVideoQuery::new(hashtag("travel"), start, end, 10).unwrap();
    travel.cursor = Some(page.cursor);
    travel.search_id = Some(page.search_id);
    let err = failed(h.client.research_videos(&token, &travel).await);
    assert_eq!(answer(&err), (Some(400), "invalid_params"));
    assert_eq!(err.class(), ErrorClass::Permanent);
}

#[tokio::test]
async fn research_window_over_30_days_is_refused_by_client_and_sandbox() {
    let h = world().await;
    let token = app_token(&h).await;
    let (end, _) = today(&h).await;
    let start = end - Duration::days(31);
    let refused = ResearchVideoQuery::new(hashtag("food"), start, end, 10);
    assert!(matches!(refused, Err(TikTokError::Invalid(_))), "the client refuses before sending");

    // Built by hand, past the client's check: the sandbox refuses it too.
    let mut query = ResearchVideoQuery::new(hashtag("food"), start + Duration::days(1), end, 10).unwrap();
    query.start_date = ResearchDate(start);
    let err = failed(h.client.research_videos(&token, &query).await);
    assert_eq!(answer(&err), (Some(400), "invalid_params"));
    assert_eq!(err.class(), ErrorClass::Permanent);
    assert_eq!(h.calls("research_query").await, 1, "only the hand-built query reached the sandbox");

    let thirty = ResearchVideoQuery::new(hashtag("food"), end - Duration::days(30), end, 10).unwrap();
    h.client.research_videos(&token, &thirty).await.expect("exactly 30 days is allowed");
}

#[tokio::test]
async fn research_needs_an_app_token_not_a_user_token() {
    let h = world().await;
    let user = h.token("sandbox_creator").await;
    let (end, _) = today(&h).await;
    let query = ResearchVideoQuery::new(hashtag("food"), end - Duration::days(3), end, 10).unwrap();
    let err = failed(h.client.research_videos(&user, &query).await);
    assert_eq!(answer(&err), (Some(401), "scope_not_authorized"));
}
