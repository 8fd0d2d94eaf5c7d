//! Retry policies: which Retry entry handles an error, and how long to wait before the next
//! attempt (IntervalSeconds × BackoffRate^attempt, capped by MaxDelaySeconds, with optional FULL
//! jitter).

use std::time::Duration;

use super::error::{Failure, STATES_RUNTIME};
use crate::model::Retrier;

/// The attempts made so far under each Retry entry of one state.
#[derive(Debug, Default)]
pub(crate) struct RetryBudget {
    attempts: Vec<u64>,
}

impl RetryBudget {
    /// The delay before retrying `failure`, or `None` when no entry retries it (the first entry
    /// whose ErrorEquals matches decides; an exhausted entry does not fall through).
    pub fn next_delay(&mut self, retriers: &[Retrier], failure: &Failure) -> Option<Duration> {
        if failure.error.as_deref() == Some(STATES_RUNTIME) {
            return None;
        }
        let index = retriers
            .iter()
            .position(|r| failure.matches(&r.error_equals))?;
        if self.attempts.len() < retriers.len() {
            self.attempts.resize(retriers.len(), 0);
        }
        let retrier = &retriers[index];
        let attempt = self.attempts[index];
        if attempt >= retrier.max_attempts.unwrap_or(3) {
            return None;
        }
        self.attempts[index] = attempt + 1;
        Some(delay(retrier, attempt, random_unit()))
    }
}

/// The back-off before retry number `attempt` (from 0); `unit` in [0, 1) draws the jitter.
fn delay(retrier: &Retrier, attempt: u64, unit: f64) -> Duration {
    let interval = retrier.interval_seconds.unwrap_or(1) as f64;
    let rate = retrier.backoff_rate.unwrap_or(2.0);
    let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
    let mut seconds = interval * rate.powi(exponent);
    if let Some(max) = retrier.max_delay_seconds {
        seconds = seconds.min(max as f64);
    }
    if retrier.jitter_strategy.as_deref() == Some("FULL") {
        seconds *= unit;
    }
    Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX)
}

/// A random number in [0, 1), from the operating system's randomness (via UUID v4).
fn random_unit() -> f64 {
    (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retrier(errors: &[&str]) -> Retrier {
        Retrier {
            error_equals: errors.iter().map(|s| s.to_string()).collect(),
            ..Retrier::default()
        }
    }

    #[test]
    fn backs_off_and_gives_up() {
        let mut r = retrier(&["States.ALL"]);
        r.interval_seconds = Some(2);
        r.max_attempts = Some(3);
        r.backoff_rate = Some(3.0);
        r.max_delay_seconds = Some(10);
        let retriers = [r];
        let f = Failure::new("Boom", None);
        let mut budget = RetryBudget::default();
        let delays: Vec<_> = (0..4).map(|_| budget.next_delay(&retriers, &f)).collect();
        assert_eq!(
            delays,
            vec![
                Some(Duration::from_secs(2)),
                Some(Duration::from_secs(6)),
                Some(Duration::from_secs(10)),
                None
            ]
        );
    }

    #[test]
    fn first_matching_entry_decides_and_runtime_is_never_retried() {
        let mut first = retrier(&["Boom"]);
        first.max_attempts = Some(0);
        let retriers = [first, retrier(&["States.ALL"])];
        let mut budget = RetryBudget::default();
        assert_eq!(
            budget.next_delay(&retriers, &Failure::new("Boom", None)),
            None
        );
        assert_eq!(
            budget.next_delay(&retriers, &Failure::new("Other", None)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(budget.next_delay(&retriers, &Failure::runtime("x")), None);
    }

    #[test]
    fn full_jitter_scales_the_delay() {
        let mut r = retrier(&["States.ALL"]);
        r.jitter_strategy = Some("FULL".into());
        r.interval_seconds = Some(10);
        assert_eq!(delay(&r, 0, 0.5), Duration::from_secs(5));
        let u = random_unit();
        assert!((0.0..1.0).contains(&u));
    }
}
