//! Metrics as CloudWatch embedded metric format (EMF) lines.
//!
//! CloudWatch Logs turns a log line into metrics when the line is a JSON
//! object with an `_aws` key at the top level — which a `tracing` event
//! cannot produce (its fields are nested) — so EMF lines are written to
//! stdout directly, one whole line per write, beside the JSON logs.
//! Dimensions and values are never secrets: counts and outcome names only.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

/// The namespace every function's metrics go to unless configured otherwise.
pub const DEFAULT_NAMESPACE: &str = "TikTokScheduler";

/// CloudWatch metric units used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
    Seconds,
    Bytes,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
            Unit::Seconds => "Seconds",
            Unit::Bytes => "Bytes",
        }
    }
}

/// One EMF line: `dimensions` become both the dimension set and top-level
/// members, each metric a top-level number.
pub fn emf_line(
    namespace: &str,
    dimensions: &[(&str, &str)],
    metrics: &[(&str, f64, Unit)],
    timestamp_ms: i64,
) -> String {
    let mut root = Map::new();
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    let definitions: Vec<Value> =
        metrics.iter().map(|(name, _, unit)| json!({"Name": name, "Unit": unit.as_str()})).collect();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": [names], "Metrics": definitions}],
        }),
    );
    for (name, value) in dimensions {
        root.insert((*name).into(), Value::from(*value));
    }
    for (name, value, _) in metrics {
        root.insert((*name).into(), json!(value));
    }
    Value::Object(root).to_string()
}

#[derive(Clone, Debug)]
enum Sink {
    Stdout,
    Memory(Arc<Mutex<Vec<String>>>),
}

/// Emits EMF lines for one function (its name is the `Function` dimension).
#[derive(Clone, Debug)]
pub struct Metrics {
    namespace: String,
    function: String,
    sink: Sink,
}

impl Metrics {
    /// Lines to stdout, where Lambda sends them to CloudWatch Logs.
    pub fn stdout(namespace: impl Into<String>, function: impl Into<String>) -> Self {
        Self { namespace: namespace.into(), function: function.into(), sink: Sink::Stdout }
    }

    /// Lines kept in memory (tests); the handle reads them back.
    pub fn in_memory(namespace: impl Into<String>, function: impl Into<String>) -> (Self, MetricLines) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let metrics = Self {
            namespace: namespace.into(),
            function: function.into(),
            sink: Sink::Memory(Arc::clone(&lines)),
        };
        (metrics, MetricLines(lines))
    }

    /// Emits one line with `metrics` under the `Function` dimension plus
    /// `dimensions`. `Function` is always this function's name, once: a
    /// caller's own `Function` is dropped, since a dimension set naming it
    /// twice is a different metric, one no alarm watches.
    pub fn emit(&self, dimensions: &[(&str, &str)], metrics: &[(&str, f64, Unit)]) {
        let mut all = vec![("Function", self.function.as_str())];
        all.extend(dimensions.iter().filter(|(name, _)| *name != "Function"));
        let now = time::OffsetDateTime::now_utc();
        let timestamp_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        let line = emf_line(&self.namespace, &all, metrics, timestamp_ms);
        match &self.sink {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                // Metrics are best effort: a closed stdout must not fail the work.
                let _ = writeln!(out, "{line}");
            }
            Sink::Memory(lines) => {
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line);
                }
            }
        }
    }

    /// Emits one counter line.
    pub fn count(&self, metric: &str, value: u64, dimensions: &[(&str, &str)]) {
        self.emit(dimensions, &[(metric, value as f64, Unit::Count)]);
    }
}

/// The lines an in-memory [`Metrics`] emitted.
#[derive(Clone, Debug)]
pub struct MetricLines(Arc<Mutex<Vec<String>>>);

impl MetricLines {
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_valid_emf() {
        let line = emf_line("Ns", &[("Function", "f"), ("Outcome", "ok")], &[("Done", 3.0, Unit::Count)], 42);
        let v: Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["_aws"]["Timestamp"], 42);
        let directive = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Ns");
        assert_eq!(directive["Dimensions"], json!([["Function", "Outcome"]]));
        assert_eq!(directive["Metrics"], json!([{"Name": "Done", "Unit": "Count"}]));
        assert_eq!(v["Function"], "f");
        assert_eq!(v["Outcome"], "ok");
        assert_eq!(v["Done"], 3.0);
        assert!(!line.contains('\n'), "one line");
    }

    #[test]
    fn in_memory_metrics_carry_the_function_dimension() {
        let (metrics, lines) = Metrics::in_memory("Ns", "token-refresher");
        metrics.count("TokenRefreshes", 2, &[("Outcome", "refreshed")]);
        let lines = lines.lines();
        assert_eq!(lines.len(), 1);
        let v: Value = serde_json::from_str(&lines[0]).expect("json");
        assert_eq!(v["Function"], "token-refresher");
        assert_eq!(v["Outcome"], "refreshed");
        assert_eq!(v["TokenRefreshes"], 2.0);
    }

    #[test]
    fn the_function_dimension_is_named_once_whatever_the_caller_passes() {
        let (metrics, lines) = Metrics::in_memory("Ns", "publisher");
        metrics.count("NeedsAttention", 1, &[("Function", "publisher")]);
        metrics.count("Failed", 1, &[("Function", "other"), ("Reason", "upload")]);
        let lines = lines.lines();
        let first: Value = serde_json::from_str(&lines[0]).expect("json");
        assert_eq!(
            first["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Function"]]),
            "the alarm's set"
        );
        let second: Value = serde_json::from_str(&lines[1]).expect("json");
        assert_eq!(second["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Function", "Reason"]]));
        assert_eq!(second["Function"], "publisher");
    }
}
