//! Logging for Lambda: one JSON object per line on stdout, which CloudWatch
//! indexes as fields. `RUST_LOG` sets the filter (default `info`).
//!
//! Types holding tokens, secrets, codes or captions never print them, so
//! structured fields cannot leak them by accident.

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber. Safe to call more than once (tests): later
/// calls are ignored.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        // Lambda adds its own timestamp to every line.
        .without_time()
        .try_init();
}
