//! Running several futures side by side within one task, deterministically: every round polls
//! the unfinished ones in index order, so events are recorded in the same order on every run.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Runs `futures` side by side until all succeed (their values, in order) or one fails: then the
/// others are dropped (cancelled) and the failure comes back with its index and the indexes of
/// the futures that had not finished.
pub(crate) async fn try_join_ordered<T, E, F>(futures: Vec<F>) -> Result<Vec<T>, Stopped<E>>
where
    F: Future<Output = Result<T, E>>,
{
    let mut pending: Vec<Option<Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut done: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        for index in 0..pending.len() {
            let Some(future) = pending[index].as_mut() else {
                continue;
            };
            if let Poll::Ready(result) = future.as_mut().poll(cx) {
                pending[index] = None;
                match result {
                    Ok(value) => done[index] = Some(value),
                    Err(error) => {
                        let unfinished = (0..pending.len())
                            .filter(|&i| pending[i].is_some())
                            .collect();
                        pending.clear();
                        return Poll::Ready(Err(Stopped {
                            index,
                            error,
                            unfinished,
                        }));
                    }
                }
            }
        }
        if pending.iter().all(Option::is_none) {
            Poll::Ready(Ok(done.iter_mut().filter_map(Option::take).collect()))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// The first failure of [`try_join_ordered`].
#[derive(Debug)]
pub(crate) struct Stopped<E> {
    /// Which future failed.
    pub index: usize,
    /// Its error.
    pub error: E,
    /// The futures that were still running, now cancelled.
    pub unfinished: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn joins_in_order_and_stops_at_the_first_failure() {
        let ok: Vec<_> = (0..3)
            .map(|i| async move {
                tokio::task::yield_now().await;
                Ok::<_, ()>(i)
            })
            .collect();
        assert_eq!(try_join_ordered(ok).await.unwrap(), vec![0, 1, 2]);

        type Boxed = Pin<Box<dyn Future<Output = Result<u8, &'static str>> + Send>>;
        let mixed: Vec<Boxed> = vec![
            Box::pin(std::future::pending()),
            Box::pin(async { Err("boom") }),
            Box::pin(std::future::pending()),
        ];
        let stopped = try_join_ordered(mixed).await.unwrap_err();
        assert_eq!((stopped.index, stopped.error), (1, "boom"));
        assert_eq!(stopped.unfinished, vec![0, 2]);
    }
}
