//! Typed configuration, read once at init from the environment.
//!
//! Every problem is collected before failing, so a bad deploy is fixed in one
//! round: the error names each missing or invalid variable.

use std::fmt;

use url::Url;

/// One thing wrong with the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub variable: &'static str,
    pub reason: String,
}

/// Every problem found while reading the configuration.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl ConfigError {
    /// The bad variables' names, in the order they were read.
    pub fn variables(&self) -> Vec<&'static str> {
        self.problems.iter().map(|p| p.variable).collect()
    }
}

// `main` returning this error prints its Debug form: make that the message.
impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{} {}", p.variable, p.reason)?;
        }
        Ok(())
    }
}

/// Reads variables from a source (the process environment, or a map in tests)
/// and remembers every problem instead of stopping at the first.
pub struct EnvReader<F: Fn(&str) -> Option<String>> {
    lookup: F,
    problems: Vec<Problem>,
}

impl EnvReader<fn(&str) -> Option<String>> {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        EnvReader::new(|k| std::env::var(k).ok())
    }
}

impl<F: Fn(&str) -> Option<String>> EnvReader<F> {
    pub fn new(lookup: F) -> Self {
        Self { lookup, problems: Vec::new() }
    }

    fn raw(&self, name: &str) -> Option<String> {
        (self.lookup)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn problem(&mut self, variable: &'static str, reason: impl Into<String>) {
        self.problems.push(Problem { variable, reason: reason.into() });
    }

    /// Records a problem found by the caller's own parsing of a variable.
    pub fn invalid(&mut self, variable: &'static str, reason: impl Into<String>) {
        self.problem(variable, reason);
    }

    /// A required, non-empty string.
    pub fn required(&mut self, name: &'static str) -> String {
        match self.raw(name) {
            Some(v) => v,
            None => {
                self.problem(name, "is missing");
                String::new()
            }
        }
    }

    /// An optional string with a default.
    pub fn optional(&mut self, name: &'static str, default: &str) -> String {
        self.raw(name).unwrap_or_else(|| default.to_owned())
    }

    /// An optional absolute http(s) URL; `None` when unset.
    pub fn optional_url(&mut self, name: &'static str) -> Option<Url> {
        let raw = self.raw(name)?;
        match parse_http_url(&raw) {
            Ok(url) => Some(url),
            Err(reason) => {
                self.problem(name, reason);
                None
            }
        }
    }

    /// A required absolute http(s) URL.
    pub fn required_url(&mut self, name: &'static str) -> Option<Url> {
        if self.raw(name).is_none() {
            self.problem(name, "is missing");
            return None;
        }
        self.optional_url(name)
    }

    /// An optional number within `min..=max`, with a default.
    pub fn number(&mut self, name: &'static str, default: u64, min: u64, max: u64) -> u64 {
        let Some(raw) = self.raw(name) else { return default };
        match raw.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => n,
            Ok(n) => {
                self.problem(name, format!("is {n}, must be within {min}..={max}"));
                default
            }
            Err(_) => {
                self.problem(name, "is not a whole number");
                default
            }
        }
    }

    /// Ends reading: the value if nothing was wrong, else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, ConfigError> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(ConfigError { problems: self.problems })
        }
    }
}

/// A whole function's configuration. A function reads each of its parts
/// (the stack's, TikTok's, the HTTP surface's, its own settings) through one
/// reader in [`read_parts`](Self::read_parts); `read` and `from_env` then
/// report every problem of every part in one error.
pub trait FunctionConfig: Sized {
    /// Reads every part; problems are recorded in `env`, not returned. An
    /// invalid variable leaves its default, which `finish` then discards.
    fn read_parts<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self;

    /// The configuration if every variable is good, else one error naming
    /// every bad one.
    fn read<F: Fn(&str) -> Option<String>>(mut env: EnvReader<F>) -> Result<Self, ConfigError> {
        let value = Self::read_parts(&mut env);
        env.finish(value)
    }

    /// Reads the process environment.
    fn from_env() -> Result<Self, ConfigError> {
        Self::read(EnvReader::from_process())
    }
}

/// A reader over fixed `(name, value)` pairs: what a test configures with.
pub fn env_of(vars: &[(&str, &str)]) -> EnvReader<impl Fn(&str) -> Option<String>> {
    let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    EnvReader::new(move |name| vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

fn parse_http_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("must be an http or https URL, has scheme {:?}", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".to_owned());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_out_of_range_are_reported() {
        let mut env = EnvReader::new(|k| (k == "N").then(|| "99".to_owned()));
        assert_eq!(env.number("N", 5, 1, 10), 5);
        let err = env.finish(()).expect_err("out of range");
        assert_eq!(err.to_string(), "invalid configuration: N is 99, must be within 1..=10");
    }

    #[test]
    fn blank_values_count_as_missing() {
        let mut env = EnvReader::new(|_| Some("   ".to_owned()));
        assert_eq!(env.required("X"), "");
        assert_eq!(env.finish(()).expect_err("blank").to_string(), "invalid configuration: X is missing");
    }
}
