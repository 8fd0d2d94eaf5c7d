//! Time, as the engine sees it: wall-clock timestamps for events and the context object, and
//! sleeps for Wait states, retry back-offs and task timeouts.

use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;

/// A source of time. The engine never reads the system clock or sleeps on its own: it asks its
/// clock, so tests can run Wait states and retries in virtual time.
pub trait Clock: Send + Sync {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Real time: `SystemTime::now()` and tokio's timer. The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Virtual time that follows tokio's clock: wall-clock time is a fixed origin plus the time
/// elapsed on tokio's (possibly paused) clock. Under `#[tokio::test(start_paused = true)]` every
/// sleep completes at once while timestamps still advance by the time slept.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: SystemTime,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that reads `origin` now and advances with tokio's clock. Call it inside a tokio
    /// runtime.
    pub fn starting_at(origin: SystemTime) -> Self {
        TokioClock {
            origin,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> SystemTime {
        self.origin + self.start.elapsed()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_advances_with_virtual_sleeps() {
        let origin = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clock = TokioClock::starting_at(origin);
        assert_eq!(clock.now(), origin);
        clock.sleep(Duration::from_secs(3600)).await;
        assert_eq!(clock.now(), origin + Duration::from_secs(3600));
    }
}
