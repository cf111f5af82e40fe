//! The function's configuration: the stack's, the HTTP surface's, TikTok's
//! and the analysis settings, read once and reported together.

use shared::{
    config::{EnvReader, FunctionConfig, StackConfig},
    http_surface::{AuthMode, Cors},
};
use tiktok::TikTokConfig;

use crate::AnalysisSettings;

#[derive(Debug, Clone)]
pub struct HashtagsConfig {
    pub stack: StackConfig,
    pub cors: Cors,
    pub auth: AuthMode,
    pub tiktok: TikTokConfig,
    pub analysis: AnalysisSettings,
}

impl FunctionConfig for HashtagsConfig {
    fn read_parts<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        let stack = StackConfig::read(env);
        let cors = Cors::read(env);
        let auth = AuthMode::read(env);
        let tiktok = TikTokConfig::read(env);
        let analysis = AnalysisSettings::read(env);
        Self { stack, cors, auth, tiktok, analysis }
    }
}
