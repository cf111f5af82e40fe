//! The API's configuration: the stack's, plus the HTTP surface settings.

use shared::{
    config::{EnvReader, FunctionConfig, StackConfig},
    http_surface::{AuthMode, Cors},
    post::intake::ScheduleWindow,
};
use tiktok::TikTokConfig;

#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub stack: StackConfig,
    pub tiktok: TikTokConfig,
    pub cors: Cors,
    pub auth: AuthMode,
    pub max_body_bytes: usize,
    pub upload_url_ttl_seconds: u64,
    /// `SCHEDULE_MIN_LEAD_SECS` (60, 0..=3600) and `SCHEDULE_HORIZON_DAYS`
    /// (90, 1..=365): when a post may be scheduled.
    pub schedule: ScheduleWindow,
    /// `API_WRITES_PER_MINUTE` (120, 1..=100000): a tenant's writes and
    /// creator-info reads per UTC minute, across every instance.
    pub writes_per_minute: u64,
}

impl FunctionConfig for ApiConfig {
    fn read_parts<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        let stack = StackConfig::read(env);
        let tiktok = TikTokConfig::read(env);
        let cors = Cors::read(env);
        let auth = AuthMode::read(env);
        Self {
            stack,
            tiktok,
            cors,
            auth,
            max_body_bytes: env.number("MAX_BODY_BYTES", 65_536, 1_024, 1_048_576) as usize,
            upload_url_ttl_seconds: env.number("UPLOAD_URL_TTL_SECS", 900, 60, 3_600),
            schedule: ScheduleWindow {
                min_lead_secs: env.number("SCHEDULE_MIN_LEAD_SECS", 60, 0, 3_600),
                horizon_days: env.number("SCHEDULE_HORIZON_DAYS", 90, 1, 365),
            },
            writes_per_minute: env.number("API_WRITES_PER_MINUTE", 120, 1, 100_000),
        }
    }
}
