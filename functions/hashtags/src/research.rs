//! The `research` source: every public video with the tag, from the Research
//! API (client-credentials token, cached until shortly before it expires).
//!
//! Windows longer than the API's span are split; each part is paged with
//! `cursor` + `search_id` until `has_more` is false. Every request first
//! reserves a slot of the daily quota in the table, so the quota holds
//! across Lambda instances; TikTok's own quota answer marks the day spent.
//!
//! The baseline for lift is a stratified sample: the first page of each of
//! `baseline_pages` equal parts of the window, over the requested region (or
//! [`BASELINE_REGIONS`]), whatever their hashtags.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::credentials::ResearchCredentials;
use crate::metrics::Baseline;
use crate::provider::{Fetch, FetchError, Fetched, PartialReason};
use crate::quota::QuotaLedger;
use crate::request::AnalysisRequest;
use crate::resilience::{Breaker, BreakerSettings, Budget, CallFailure, Guard, RetryPolicy};
use crate::video::Video;
use tiktok::research::{
    Condition, Operation, ResearchQuery, ResearchVideoPage, ResearchVideoQuery, RESEARCH_MAX_COUNT,
    RESEARCH_MAX_SPAN_DAYS,
};
use tiktok::{AccessToken, AppCredentials, ErrorClass, TikTokClient, TikTokError};

/// Regions the baseline sample covers when the request names none.
pub const BASELINE_REGIONS: [&str; 24] = [
    "US", "GB", "CA", "AU", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "TR", "BR", "MX", "AR", "CO", "ID",
    "PH", "VN", "TH", "MY", "JP", "KR", "SA",
];

/// Settings of the research source.
#[derive(Debug, Clone, Copy)]
pub struct ResearchSettings {
    pub retry: RetryPolicy,
    pub breaker: BreakerSettings,
    /// Most videos one analysis reads.
    pub max_videos: usize,
    /// Pages of baseline sample (0: no lift for research).
    pub baseline_pages: u32,
}

struct CachedToken {
    client_key: String,
    token: AccessToken,
    renew_at: Instant,
}

/// The Research API provider. One per Lambda instance: its breaker and
/// token cache serve every request.
pub struct ResearchProvider {
    client: TikTokClient,
    credentials: Arc<dyn ResearchCredentials>,
    quota: QuotaLedger,
    settings: ResearchSettings,
    breaker: Breaker,
    token: Mutex<Option<CachedToken>>,
}

enum Page {
    Got(ResearchVideoPage),
    Stop(PartialReason),
}

enum Attempt {
    Got(ResearchVideoPage),
    /// The daily quota ledger has no slot left: nothing was sent.
    QuotaSpent,
    Failed(CallFailure),
}

fn is_quota_answer(error: &TikTokError) -> bool {
    error.failure().is_some_and(|f| {
        f.code == "daily_quota_limit_exceeded"
            || (f.http_status == Some(429) && f.message.to_ascii_lowercase().contains("quota"))
    })
}

impl ResearchProvider {
    pub fn new(
        client: TikTokClient,
        credentials: Arc<dyn ResearchCredentials>,
        quota: QuotaLedger,
        settings: ResearchSettings,
    ) -> Self {
        let breaker = Breaker::new(settings.breaker);
        Self { client, credentials, quota, settings, breaker, token: Mutex::new(None) }
    }

    /// The cached client token, or a new one (one mint at a time).
    async fn token(
        &self,
        credentials: &AppCredentials,
        guard: &Guard<'_>,
        out: &mut Fetched,
    ) -> Result<AccessToken, CallFailure> {
        let mut cached = self.token.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| c.client_key == credentials.client_key.0) {
            if Instant::now() < c.renew_at {
                return Ok(c.token.clone());
            }
        }
        let minted = guard.call(&mut out.stats, || self.client.client_token(credentials)).await?;
        let life = Duration::from_secs(minted.expires_in);
        let renew_at = Instant::now() + life.saturating_sub(Duration::from_secs(60).min(life / 2));
        *cached = Some(CachedToken {
            client_key: credentials.client_key.0.clone(),
            token: minted.access_token.clone(),
            renew_at,
        });
        Ok(minted.access_token)
    }

    async fn forget_token(&self) {
        *self.token.lock().await = None;
    }

    /// One page, after reserving its quota slot.
    async fn page(
        &self,
        session: &mut Session<'_>,
        query: &ResearchVideoQuery,
    ) -> Result<Attempt, FetchError> {
        let app = session.credentials.client_key.0.as_str();
        let (token, out) = (&session.token, &mut session.out);
        // An open circuit sends nothing: spend no quota slot on it.
        if !self.breaker.would_permit() {
            return Ok(Attempt::Failed(CallFailure::CircuitOpen));
        }
        if !self.quota.reserve_request(app).await? {
            return Ok(Attempt::QuotaSpent);
        }
        match session.guard.call(&mut out.stats, || self.client.research_videos(token, query)).await {
            Ok(page) => {
                out.stats.pages += 1;
                self.quota.add_records(app, page.videos.len() as u64).await?;
                Ok(Attempt::Got(page))
            }
            Err(failure) => Ok(Attempt::Failed(failure)),
        }
    }

    /// A page, renewing the token once if TikTok says it is no longer valid.
    async fn page_renewing(
        &self,
        session: &mut Session<'_>,
        query: &ResearchVideoQuery,
    ) -> Result<Page, FetchError> {
        let app = session.credentials.client_key.0.as_str();
        let mut renewed = false;
        loop {
            let failure = match self.page(session, query).await? {
                Attempt::Got(page) => return Ok(Page::Got(page)),
                Attempt::QuotaSpent => return Ok(Page::Stop(PartialReason::QuotaExhausted)),
                Attempt::Failed(failure) => failure,
            };
            match &failure {
                CallFailure::Exhausted(e) | CallFailure::Refused(e) if is_quota_answer(e) => {
                    self.quota.exhaust(app).await?;
                    return Ok(Page::Stop(PartialReason::QuotaExhausted));
                }
                CallFailure::Refused(e) if matches!(e.class(), ErrorClass::Reauth { .. }) && !renewed => {
                    renewed = true;
                    self.forget_token().await;
                    session.token =
                        match self.token(session.credentials, session.guard, &mut session.out).await {
                            Ok(t) => t,
                            Err(f) => return Ok(Page::Stop(PartialReason::of(&f))),
                        };
                }
                _ => return Ok(Page::Stop(PartialReason::of(&failure))),
            }
        }
    }

    fn tag_query(request: &AnalysisRequest) -> ResearchQuery {
        let mut and = vec![Condition {
            operation: Operation::In,
            field_name: "hashtag_name".into(),
            field_values: vec![request.tag.to_string()],
        }];
        if let Some(region) = &request.region {
            and.push(region_condition(vec![region.as_str().to_owned()]));
        }
        ResearchQuery { and, ..ResearchQuery::default() }
    }

    async fn fetch_tagged(
        &self,
        request: &AnalysisRequest,
        session: &mut Session<'_>,
    ) -> Result<(), FetchError> {
        let mut seen = HashSet::new();
        for part in request.window.split(RESEARCH_MAX_SPAN_DAYS) {
            let query = ResearchVideoQuery::new(
                Self::tag_query(request),
                part.start(),
                part.end(),
                RESEARCH_MAX_COUNT,
            );
            let Ok(mut query) = query else {
                session.out.mark(PartialReason::ProviderRefused);
                return Ok(());
            };
            loop {
                let page = match self.page_renewing(session, &query).await? {
                    Page::Got(page) => page,
                    Page::Stop(reason) => {
                        session.out.mark(reason);
                        return Ok(());
                    }
                };
                for video in &page.videos {
                    if request.window.contains(video.create_time) && seen.insert(video.id.clone()) {
                        session.out.videos.push(Video::from_research(video.clone()));
                    }
                }
                if session.out.videos.len() >= self.settings.max_videos {
                    // A page may overshoot: the cap is exact.
                    session.out.videos.truncate(self.settings.max_videos);
                    session.out.mark(PartialReason::ResultCap);
                    return Ok(());
                }
                match query.next_page(&page) {
                    Some(next) => query = next,
                    None => break,
                }
            }
        }
        Ok(())
    }

    async fn sample_baseline(
        &self,
        request: &AnalysisRequest,
        session: &mut Session<'_>,
    ) -> Result<Baseline, FetchError> {
        let regions = match &request.region {
            Some(region) => vec![region.as_str().to_owned()],
            None => BASELINE_REGIONS.iter().map(|r| (*r).to_owned()).collect(),
        };
        let mut baseline = Baseline::default();
        for stratum in request.window.strata(self.settings.baseline_pages) {
            let query =
                ResearchQuery { and: vec![region_condition(regions.clone())], ..ResearchQuery::default() };
            let Ok(query) =
                ResearchVideoQuery::new(query, stratum.start(), stratum.end(), RESEARCH_MAX_COUNT)
            else {
                break;
            };
            match self.page_renewing(session, &query).await? {
                Page::Got(page) => page
                    .videos
                    .into_iter()
                    .filter(|v| request.window.contains(v.create_time))
                    .for_each(|v| baseline.add(&Video::from_research(v))),
                Page::Stop(reason) => {
                    tracing::info!(?reason, "baseline sample stopped early");
                    break;
                }
            }
        }
        Ok(baseline)
    }
}

/// One analysis's calls to the Research API: the app, its current client
/// token (renewed once if TikTok refuses it), the retry guard, and what has
/// been fetched so far.
struct Session<'a> {
    credentials: &'a AppCredentials,
    token: AccessToken,
    guard: &'a Guard<'a>,
    out: Fetched,
}

fn region_condition(regions: Vec<String>) -> Condition {
    Condition { operation: Operation::In, field_name: "region_code".into(), field_values: regions }
}

impl Fetch for ResearchProvider {
    async fn run(&self, request: &AnalysisRequest, budget: &Budget) -> Result<Fetched, FetchError> {
        let credentials = self
            .credentials
            .research_credentials()
            .await?
            .ok_or(FetchError::NotConfigured("the Research API is not configured for this deployment"))?;
        let app = credentials.client_key.0.clone();
        let guard = Guard { policy: &self.settings.retry, breaker: &self.breaker, budget };
        let mut out = Fetched::default();
        match self.token(&credentials, &guard, &mut out).await {
            Ok(token) => {
                let mut session = Session { credentials: &credentials, token, guard: &guard, out };
                self.fetch_tagged(request, &mut session).await?;
                if session.out.partial.is_empty() && self.settings.baseline_pages > 0 {
                    session.out.baseline = self.sample_baseline(request, &mut session).await?;
                }
                out = session.out;
            }
            Err(CallFailure::Refused(e)) if !matches!(e.class(), ErrorClass::Ambiguous) => {
                tracing::error!(error = %e, "research credentials refused");
                return Err(FetchError::ResearchRefused);
            }
            Err(failure) => out.mark(PartialReason::of(&failure)),
        }
        out.quota = Some(self.quota.report(&app).await?);
        Ok(out)
    }
}
