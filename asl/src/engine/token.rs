//! Task tokens of `.waitForTaskToken` tasks: issued by the engine, completed by
//! SendTaskSuccess / SendTaskFailure, kept alive by SendTaskHeartbeat.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use tokio::sync::mpsc;

/// Why a callback (SendTaskSuccess/Failure/Heartbeat) was refused, as Step Functions reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The token is not a task token at all (AWS `InvalidToken`).
    #[error("Invalid Token: 'Provided task token is malformed.'")]
    InvalidToken,
    /// No task waits for this token: never issued, or its execution ended (AWS
    /// `TaskDoesNotExist`).
    #[error("Task Token does not exist or the task has already completed.")]
    TaskDoesNotExist,
    /// The task for this token timed out, or a callback already ended it (AWS answers
    /// `TaskTimedOut`, "Provided task does not exist anymore", to a second SendTaskSuccess).
    #[error("Task Timed Out: the task for this token timed out.")]
    TaskTimedOut,
}

impl CallbackError {
    /// Refuses a token that is not a task token at all (`InvalidToken`). Step Functions checks
    /// this before anything else in a callback, SendTaskSuccess's output included.
    pub fn check_well_formed(token: &str) -> Result<(), CallbackError> {
        let well_formed = !token.is_empty()
            && token.len() <= 2048
            && token
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"+/=_-".contains(&c));
        if well_formed {
            Ok(())
        } else {
            Err(CallbackError::InvalidToken)
        }
    }

    /// The AWS error code (`InvalidToken`, `TaskDoesNotExist`, `TaskTimedOut`).
    pub fn code(self) -> &'static str {
        match self {
            CallbackError::InvalidToken => "InvalidToken",
            CallbackError::TaskDoesNotExist => "TaskDoesNotExist",
            CallbackError::TaskTimedOut => "TaskTimedOut",
        }
    }
}

/// How every token the engine issues begins; 96 lowercase hex digits follow.
const TOKEN_PREFIX: &str = "AQ";
/// The number of hex digits after [`TOKEN_PREFIX`].
const TOKEN_DIGITS: usize = 96;

/// The task tokens this engine could have issued that occur in `text` (the recorded
/// Parameters of a task, where `$$.Task.Token` put it), wherever nested or embedded, in order.
pub(crate) fn find_tokens(text: &str) -> impl Iterator<Item = &str> {
    let is_digit = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    text.match_indices(TOKEN_PREFIX).filter_map(move |(at, _)| {
        let digits = text.as_bytes().get(at + TOKEN_PREFIX.len()..)?;
        let run = digits.iter().take_while(|&&c| is_digit(c)).count();
        (run == TOKEN_DIGITS).then(|| &text[at..at + TOKEN_PREFIX.len() + TOKEN_DIGITS])
    })
}

/// What a callback tells the waiting task.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Signal {
    Success(Value),
    Failure {
        error: Option<String>,
        cause: Option<String>,
    },
    Heartbeat,
}

/// The tokens of every waiting task of one engine.
#[derive(Default)]
pub(crate) struct Tokens {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    open: HashMap<String, mpsc::UnboundedSender<Signal>>,
    /// Tokens whose task timed out or was ended by a callback: later callbacks get `TaskTimedOut`.
    timed_out: HashSet<String>,
}

/// An issued token; closes it when dropped (the task ended, or was aborted).
pub(crate) struct TokenGuard {
    tokens: Arc<Tokens>,
    token: String,
    timed_out: bool,
}

impl TokenGuard {
    /// The token text.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Remembers that the task timed out, so late callbacks get `TaskTimedOut`.
    pub fn mark_timed_out(&mut self) {
        self.timed_out = true;
    }
}

impl Drop for TokenGuard {
    fn drop(&mut self) {
        let mut inner = self.tokens.lock();
        inner.open.remove(&self.token);
        if self.timed_out {
            inner.timed_out.insert(self.token.clone());
        }
    }
}

impl Tokens {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Issues a new token and the channel its callbacks arrive on.
    pub fn issue(self: &Arc<Self>) -> (TokenGuard, mpsc::UnboundedReceiver<Signal>) {
        let token = format!(
            "{TOKEN_PREFIX}{}{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        self.register(token)
    }

    /// Opens `token` (one issued before, by this engine or by the one whose execution is being
    /// resumed) and the channel its callbacks arrive on.
    pub fn register(
        self: &Arc<Self>,
        token: String,
    ) -> (TokenGuard, mpsc::UnboundedReceiver<Signal>) {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().open.insert(token.clone(), tx);
        let guard = TokenGuard {
            tokens: self.clone(),
            token,
            timed_out: false,
        };
        (guard, rx)
    }

    /// Delivers a callback to the task waiting for `token`.
    pub fn signal(&self, token: &str, signal: Signal) -> Result<(), CallbackError> {
        CallbackError::check_well_formed(token)?;
        let mut inner = self.lock();
        let ends = !matches!(signal, Signal::Heartbeat);
        match inner.open.get(token) {
            // The first success or failure closes the token at once, before the task has even
            // read it, so a concurrent second callback is refused as on AWS.
            Some(tx) if ends => {
                tx.send(signal)
                    .map_err(|_| CallbackError::TaskDoesNotExist)?;
                inner.open.remove(token);
                inner.timed_out.insert(token.to_string());
                Ok(())
            }
            Some(tx) => tx.send(signal).map_err(|_| CallbackError::TaskDoesNotExist),
            None if inner.timed_out.contains(token) => Err(CallbackError::TaskTimedOut),
            None => Err(CallbackError::TaskDoesNotExist),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_deliver_once_and_report_like_aws() {
        let tokens = Arc::new(Tokens::default());
        let (mut guard, mut rx) = tokens.issue();
        let token = guard.token().to_string();
        assert_eq!(tokens.signal(&token, Signal::Heartbeat), Ok(()));
        assert_eq!(rx.try_recv().ok(), Some(Signal::Heartbeat));
        assert_eq!(
            tokens.signal("not a token!", Signal::Heartbeat),
            Err(CallbackError::InvalidToken)
        );
        assert_eq!(
            tokens.signal("AQabc", Signal::Heartbeat),
            Err(CallbackError::TaskDoesNotExist)
        );
        guard.mark_timed_out();
        drop(guard);
        assert_eq!(
            tokens.signal(&token, Signal::Success(Value::Null)),
            Err(CallbackError::TaskTimedOut)
        );
        assert_eq!(CallbackError::TaskTimedOut.code(), "TaskTimedOut");
    }

    #[test]
    fn finds_issued_tokens_in_recorded_parameters_and_reopens_them() {
        let tokens = Arc::new(Tokens::default());
        let (guard, _) = tokens.issue();
        let token = guard.token().to_string();
        drop(guard);
        let parameters =
            serde_json::json!({"Item": {"url": {"S": format!("https://x/?t={token}&y=1")}}});
        let text = parameters.to_string();
        assert_eq!(find_tokens(&text).collect::<Vec<_>>(), [token.as_str()]);
        assert_eq!(find_tokens(&format!("AQ{}", "a".repeat(95))).next(), None);
        assert_eq!(find_tokens(&format!("AQ{}", "a".repeat(97))).next(), None);
        let (_guard, mut rx) = tokens.register(token.clone());
        assert_eq!(tokens.signal(&token, Signal::Heartbeat), Ok(()));
        assert_eq!(rx.try_recv().ok(), Some(Signal::Heartbeat));
    }

    #[test]
    fn a_second_success_before_the_task_reads_the_first_is_refused() {
        let tokens = Arc::new(Tokens::default());
        let (_guard, mut rx) = tokens.issue();
        let token = _guard.token().to_string();
        let done = Signal::Success(Value::Bool(true));
        assert_eq!(tokens.signal(&token, done.clone()), Ok(()));
        assert_eq!(
            tokens.signal(&token, done.clone()),
            Err(CallbackError::TaskTimedOut)
        );
        assert_eq!(
            tokens.signal(
                &token,
                Signal::Failure {
                    error: None,
                    cause: None
                }
            ),
            Err(CallbackError::TaskTimedOut)
        );
        assert_eq!(rx.try_recv().ok(), Some(done));
        assert!(rx.try_recv().is_err(), "one callback reaches the task");
    }
}
