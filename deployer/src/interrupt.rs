//! Ctrl-C for the rest of a run: one listener, installed once (at the first question or the
//! first change, whichever comes first), counting presses. Code that cares compares the count
//! with the one it last saw, so a press during an API call is never lost (a `ctrl_c()` future
//! made anew on each loop pass misses the presses between two passes).

use std::sync::OnceLock;

use tokio::sync::watch;

static PRESSES: OnceLock<watch::Receiver<u32>> = OnceLock::new();

/// Starts listening (once per process; later calls do nothing) and returns the presses so far.
/// From here on, Ctrl-C no longer ends the process: the code that follows handles it.
pub fn install() -> u32 {
    PRESSES.get_or_init(|| {
        let (tx, rx) = watch::channel(0u32);
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                tx.send_modify(|n| *n += 1);
            }
        });
        rx
    });
    count()
}

/// How many times Ctrl-C was pressed since [`install`] (0 before it).
pub fn count() -> u32 {
    PRESSES.get().map_or(0, |rx| *rx.borrow())
}

/// Waits until the count is above `seen`, and returns it; never, if nothing is installed.
pub async fn after(seen: u32) -> u32 {
    let Some(rx) = PRESSES.get() else {
        return std::future::pending().await;
    };
    let mut rx = rx.clone();
    let reached = rx.wait_for(|n| *n > seen).await.map(|n| *n);
    match reached {
        Ok(n) => n,
        Err(_) => std::future::pending().await,
    }
}
