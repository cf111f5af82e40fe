//! Calling a provider that may fail: retries with capped exponential backoff
//! and full jitter on retryable failures, a circuit breaker so a failing
//! provider answers fast, and a total time budget, well under API Gateway's
//! 29 s, after which the caller keeps what it has and answers partially.
//!
//! Times use `tokio::time`, so tests can pause the clock.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use tiktok::{ErrorClass, RetryCause, TikTokError};

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry): a random
    /// time up to `min(cap, base * 2^(retry - 1))`. A 429 waits at least what
    /// TikTok suggested, which usually ends the attempt within a request's budget.
    pub fn delay(&self, retry: u32, error: &TikTokError) -> Duration {
        let exp = self.base.saturating_mul(2u32.saturating_pow(retry.saturating_sub(1))).min(self.cap);
        let jittered = Duration::from_millis(rand::rng().random_range(0..=exp.as_millis() as u64));
        match (error, error.class()) {
            (TikTokError::Retry { cause: RetryCause::Api(f), .. }, ErrorClass::Retry { after })
                if f.http_status == Some(429) || f.code == "rate_limit_exceeded" =>
            {
                jittered.max(after)
            }
            _ => jittered,
        }
    }
}

/// When a breaker opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failures that open the circuit.
    pub threshold: u32,
    /// How long an open circuit refuses calls before one trial call.
    pub cooldown: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BreakerState {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One trial call is out; others are refused until it reports.
    HalfOpen,
}

/// A circuit breaker shared by every request a warm Lambda serves.
#[derive(Debug)]
pub struct Breaker {
    settings: BreakerSettings,
    state: Mutex<BreakerState>,
}

impl Breaker {
    pub fn new(settings: BreakerSettings) -> Self {
        Self { settings, state: Mutex::new(BreakerState::Closed { failures: 0 }) }
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut BreakerState) -> T) -> T {
        let mut guard = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Whether a call may go out now.
    pub fn permit(&self) -> bool {
        self.with_state(|state| match *state {
            BreakerState::Closed { .. } => true,
            BreakerState::Open { until } if Instant::now() >= until => {
                *state = BreakerState::HalfOpen;
                true
            }
            BreakerState::Open { .. } | BreakerState::HalfOpen => false,
        })
    }

    /// Whether a call would be let through now, without taking the half-open
    /// trial (to skip work that only makes sense before a call).
    pub fn would_permit(&self) -> bool {
        self.with_state(|state| match *state {
            BreakerState::Closed { .. } => true,
            BreakerState::Open { until } => Instant::now() >= until,
            BreakerState::HalfOpen => false,
        })
    }

    pub fn is_open(&self) -> bool {
        self.with_state(|state| !matches!(state, BreakerState::Closed { .. }))
    }

    pub fn record_success(&self) {
        self.with_state(|state| *state = BreakerState::Closed { failures: 0 });
    }

    pub fn record_failure(&self) {
        let (threshold, cooldown) = (self.settings.threshold, self.settings.cooldown);
        self.with_state(|state| {
            let failures = match *state {
                BreakerState::Closed { failures } => failures + 1,
                _ => threshold,
            };
            *state = if failures >= threshold {
                tracing::warn!(failures, "circuit opened");
                BreakerState::Open { until: Instant::now() + cooldown }
            } else {
                BreakerState::Closed { failures }
            };
        });
    }
}

/// The time left to an analysis.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Instant,
}

impl Budget {
    pub fn new(total: Duration) -> Self {
        Self { deadline: Instant::now() + total }
    }

    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    pub fn expired(&self) -> bool {
        self.remaining().is_zero()
    }
}

/// Counts kept while fetching, reported with the analysis.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct CallStats {
    /// Requests sent to TikTok (retries included).
    pub calls: u64,
    pub retries: u64,
    pub pages: u64,
}

/// Why a guarded call gave up.
#[derive(Debug)]
pub enum CallFailure {
    /// The time budget ran out (before or during the call).
    Budget,
    /// The circuit is open: no request was sent.
    CircuitOpen,
    /// Retryable failures until attempts (or the budget for one more) ran out.
    Exhausted(TikTokError),
    /// A failure retrying cannot fix (re-auth, permanent, ambiguous).
    Refused(TikTokError),
}

/// The retry policy, breaker and budget of one provider call.
pub struct Guard<'a> {
    pub policy: &'a RetryPolicy,
    pub breaker: &'a Breaker,
    pub budget: &'a Budget,
}

impl Guard<'_> {
    /// Runs `op` until it succeeds, a failure is not retryable, attempts run
    /// out, the circuit opens, or the budget is spent.
    pub async fn call<T, F, Fut>(&self, stats: &mut CallStats, mut op: F) -> Result<T, CallFailure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, TikTokError>>,
    {
        let mut attempt = 0;
        loop {
            if self.budget.expired() {
                return Err(CallFailure::Budget);
            }
            if !self.breaker.permit() {
                return Err(CallFailure::CircuitOpen);
            }
            attempt += 1;
            stats.calls += 1;
            let error = match tokio::time::timeout(self.budget.remaining(), op()).await {
                Err(_) => {
                    self.breaker.record_failure();
                    return Err(CallFailure::Budget);
                }
                Ok(Ok(value)) => {
                    self.breaker.record_success();
                    return Ok(value);
                }
                Ok(Err(error)) => error,
            };
            if !matches!(error.class(), ErrorClass::Retry { .. }) {
                // TikTok answered: the provider is up, the request is the problem.
                self.breaker.record_success();
                return Err(CallFailure::Refused(error));
            }
            self.breaker.record_failure();
            tracing::info!(attempt, error = %error, "provider call failed");
            if attempt >= self.policy.attempts {
                return Err(CallFailure::Exhausted(error));
            }
            let delay = self.policy.delay(attempt, &error);
            if delay >= self.budget.remaining() {
                return Err(CallFailure::Exhausted(error));
            }
            stats.retries += 1;
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiktok::ApiFailure;

    fn server_error() -> TikTokError {
        let failure = ApiFailure {
            http_status: Some(503),
            code: "internal_error".into(),
            message: String::new(),
            log_id: None,
        };
        TikTokError::Retry { after: Duration::from_secs(5), cause: RetryCause::Api(failure) }
    }

    fn rate_limited() -> TikTokError {
        let failure = ApiFailure {
            http_status: Some(429),
            code: "rate_limit_exceeded".into(),
            message: String::new(),
            log_id: None,
        };
        TikTokError::Retry { after: Duration::from_secs(60), cause: RetryCause::Api(failure) }
    }

    const POLICY: RetryPolicy =
        RetryPolicy { attempts: 4, base: Duration::from_millis(100), cap: Duration::from_millis(300) };

    #[test]
    fn backoff_is_capped_and_jittered_but_429_waits_what_tiktok_asks() {
        for retry in 1..10 {
            assert!(POLICY.delay(retry, &server_error()) <= Duration::from_millis(300));
        }
        assert!(POLICY.delay(1, &rate_limited()) >= Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn breaker_opens_after_threshold_and_lets_one_trial_through_after_cooldown() {
        let breaker = Breaker::new(BreakerSettings { threshold: 2, cooldown: Duration::from_secs(30) });
        breaker.record_failure();
        assert!(breaker.permit());
        breaker.record_failure();
        assert!(!breaker.permit(), "open after two failures");
        tokio::time::advance(Duration::from_secs(31)).await;
        assert!(breaker.permit(), "one trial after the cooldown");
        assert!(!breaker.permit(), "only one");
        breaker.record_failure();
        assert!(!breaker.permit(), "a failed trial opens it again");
        tokio::time::advance(Duration::from_secs(31)).await;
        assert!(breaker.permit());
        breaker.record_success();
        assert!(breaker.permit() && breaker.permit() && !breaker.is_open());
    }

    #[tokio::test(start_paused = true)]
    async fn retries_until_attempts_run_out_then_circuit_refuses_without_calling() {
        let breaker = Breaker::new(BreakerSettings { threshold: 4, cooldown: Duration::from_secs(30) });
        let budget = Budget::new(Duration::from_secs(20));
        let guard = Guard { policy: &POLICY, breaker: &breaker, budget: &budget };
        let mut stats = CallStats::default();
        let result: Result<(), _> = guard.call(&mut stats, || async { Err(server_error()) }).await;
        assert!(matches!(result, Err(CallFailure::Exhausted(_))));
        assert_eq!((stats.calls, stats.retries), (4, 3));
        let mut calls = 0;
        let result: Result<(), _> = guard
            .call(&mut stats, || {
                calls += 1;
                async { Ok(()) }
            })
            .await;
        assert!(matches!(result, Err(CallFailure::CircuitOpen)));
        assert_eq!(calls, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_call_ends_with_the_budget() {
        let breaker = Breaker::new(BreakerSettings { threshold: 5, cooldown: Duration::from_secs(30) });
        let budget = Budget::new(Duration::from_millis(500));
        let guard = Guard { policy: &POLICY, breaker: &breaker, budget: &budget };
        let mut stats = CallStats::default();
        let result: Result<(), _> = guard
            .call(&mut stats, || async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                Ok(())
            })
            .await;
        assert!(matches!(result, Err(CallFailure::Budget)));
    }
}
