//! Throttling, retried: when a call is refused for its rate (ThrottlingException,
//! TooManyRequestsException, HTTP 429) after the SDK's own attempts, wait and try again, with
//! exponential backoff and full jitter, so that many callers in flight at once (a batch resume)
//! spread out instead of retrying in step.

use std::future::Future;
use std::time::Duration;

use aws_sdk_cloudformation::config::http::HttpResponse;
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};

/// The error codes AWS services answer a call refused for its rate with.
const THROTTLING: [&str; 6] = [
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "TooManyRequests",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
];

/// An error that may say the call was refused for its rate.
pub trait Throttle {
    /// Whether the call was throttled (and may succeed if tried again later).
    fn throttled(&self) -> bool;
}

impl<E: ProvideErrorMetadata> Throttle for SdkError<E, HttpResponse> {
    fn throttled(&self) -> bool {
        match self {
            SdkError::ServiceError(service) => {
                service
                    .err()
                    .code()
                    .is_some_and(|c| THROTTLING.contains(&c))
                    || service.raw().status().as_u16() == 429
            }
            _ => false,
        }
    }
}

/// How throttled calls are retried.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first wait's upper bound; it doubles at each attempt.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
}

impl Default for Policy {
    /// Eight attempts, waits up to 0.5 s, 1 s, 2 s, … 20 s (on top of the SDK's own three).
    fn default() -> Self {
        Policy {
            attempts: 8,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(20),
        }
    }
}

/// Runs `call` (which makes the request anew each time) until it is not throttled, or the
/// attempts run out (then its last error).
pub async fn throttled<T, E, F, Fut>(call: F) -> Result<T, E>
where
    E: Throttle,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    with_policy(Policy::default(), call).await
}

/// [`throttled`] with another policy.
pub async fn with_policy<T, E, F, Fut>(policy: Policy, mut call: F) -> Result<T, E>
where
    E: Throttle,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Err(err) if err.throttled() && attempt < policy.attempts => {
                tokio::time::sleep(wait(policy, attempt)).await;
                attempt += 1;
            }
            done => return done,
        }
    }
}

/// Full jitter: a random wait between zero and the attempt's bound (`base` doubled per
/// attempt, at most `cap`).
fn wait(policy: Policy, attempt: u32) -> Duration {
    let bound = policy
        .base
        .saturating_mul(1 << (attempt - 1).min(16))
        .min(policy.cap);
    let fraction = (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0;
    bound.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[derive(Debug, PartialEq)]
    enum Refusal {
        Throttled,
        Other,
    }

    impl Throttle for Refusal {
        fn throttled(&self) -> bool {
            *self == Refusal::Throttled
        }
    }

    fn quick(attempts: u32) -> Policy {
        Policy {
            attempts,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
        }
    }

    #[tokio::test]
    async fn throttled_calls_are_tried_again_until_they_pass() {
        let calls = Cell::new(0);
        let result = with_policy(quick(5), || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 3 {
                    Err(Refusal::Throttled)
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result, Ok(3));
    }

    #[tokio::test]
    async fn other_errors_and_the_last_attempt_are_returned_as_they_are() {
        let calls = Cell::new(0);
        let result: Result<(), _> = with_policy(quick(5), || {
            calls.set(calls.get() + 1);
            async { Err(Refusal::Other) }
        })
        .await;
        assert_eq!((result, calls.get()), (Err(Refusal::Other), 1));
        calls.set(0);
        let result: Result<(), _> = with_policy(quick(4), || {
            calls.set(calls.get() + 1);
            async { Err(Refusal::Throttled) }
        })
        .await;
        assert_eq!((result, calls.get()), (Err(Refusal::Throttled), 4));
    }

    #[test]
    fn waits_are_jittered_below_a_doubling_bound() {
        let policy = Policy {
            attempts: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(350),
        };
        for _ in 0..50 {
            assert!(wait(policy, 1) <= Duration::from_millis(100));
            assert!(wait(policy, 2) <= Duration::from_millis(200));
            assert!(wait(policy, 9) <= Duration::from_millis(350));
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| wait(policy, 3)).collect();
        assert!(spread.len() > 1, "the waits are not all the same");
    }
}
