//! The function's configuration: the stack's, the HTTP surface's, TikTok's
//! and the analysis settings, read once and reported together.

use shared::{
    config::{ConfigError, EnvReader, StackConfig},
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

impl HashtagsConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::read(EnvReader::from_process())
    }

    pub fn read<F: Fn(&str) -> Option<String>>(mut env: EnvReader<F>) -> Result<Self, ConfigError> {
        let stack = StackConfig::read(&mut env);
        let cors = Cors::read(&mut env);
        let auth = AuthMode::read(&mut env);
        let tiktok = TikTokConfig::read(&mut env);
        let analysis = AnalysisSettings::read(&mut env);
        env.finish(Self { stack, cors, auth, tiktok, analysis })
    }
}
