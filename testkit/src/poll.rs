//! Waiting for something that happens in the background (an execution, a stack operation).

use std::future::Future;
use std::time::{Duration, Instant};

/// How long to sleep between two checks.
const INTERVAL: Duration = Duration::from_millis(25);

/// Calls `check` until it returns `Some`, for up to `seconds`; `None` when time ran out.
pub async fn eventually<T, F, Fut>(seconds: u64, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(found) = check().await {
            return Some(found);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(INTERVAL).await;
    }
}
