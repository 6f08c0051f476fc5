//! Live config reload: a checked configuration goes to the running loop, which applies it
//! between batches (never on the per-event path) to the engine factory and every owned engine,
//! and answers with the new version label or every reason it was refused.
//!
//! The binary checks the file (the same checks as `check-config`) and hands the outcome to
//! [`ReloadHandle::apply`], which also counts it in [`metric::CONFIG_RELOADS`] by `result` (`ok` or
//! `invalid`) and logs it: a refused file leaves the running settings as they were.

use crate::metric;
use tokio::sync::{mpsc, oneshot};

/// The loop's answer to one reload: the applied version label, or every problem.
pub type ReloadOutcome = Result<String, Vec<String>>;

/// One reload on its way to the loop.
pub struct ReloadRequest<S> {
    /// The checked settings.
    pub settings: S,
    /// Where the loop answers.
    pub reply: oneshot::Sender<ReloadOutcome>,
}

/// The loop's end of the reload channel.
pub type Reloads<S> = mpsc::UnboundedReceiver<ReloadRequest<S>>;

/// The sending end: what the SIGHUP handler (and tests) call.
pub struct ReloadHandle<S> {
    requests: mpsc::UnboundedSender<ReloadRequest<S>>,
}

impl<S> Clone for ReloadHandle<S> {
    fn clone(&self) -> Self {
        ReloadHandle {
            requests: self.requests.clone(),
        }
    }
}

/// A reload channel: the handle for the signal handler, the receiver for
/// [`crate::run_reloadable`].
pub fn channel<S>() -> (ReloadHandle<S>, Reloads<S>) {
    let (requests, receiver) = mpsc::unbounded_channel();
    (ReloadHandle { requests }, receiver)
}

impl<S> ReloadHandle<S> {
    /// Apply a checked configuration (`Ok`) or refuse one that failed its checks (`Err`:
    /// every problem): waits for the loop's answer, counts the outcome in
    /// [`metric::CONFIG_RELOADS`] and logs it. The running settings change only on `Ok`.
    pub async fn apply(&self, checked: Result<S, Vec<String>>) -> ReloadOutcome {
        let outcome = match checked {
            Err(problems) => Err(problems),
            Ok(settings) => {
                let (reply, answer) = oneshot::channel();
                let sent = self.requests.send(ReloadRequest { settings, reply });
                match sent {
                    Ok(()) => answer
                        .await
                        .unwrap_or_else(|_| Err(vec!["the live loop has stopped".into()])),
                    Err(_) => Err(vec!["the live loop has stopped".into()]),
                }
            }
        };
        match &outcome {
            Ok(version) => {
                metrics::counter!(metric::CONFIG_RELOADS, "result" => "ok").increment(1);
                tracing::info!(config_version = %version, "configuration reloaded");
            }
            Err(problems) => {
                metrics::counter!(metric::CONFIG_RELOADS, "result" => "invalid").increment(1);
                tracing::error!(
                    "configuration reload refused, the running configuration stays:\n  {}",
                    problems.join("\n  ")
                );
            }
        }
        outcome
    }
}
