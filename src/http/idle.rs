//! Driving one client connection to its end: graceful shutdown on the stop signal, and for HTTP/2 an
//! idle timeout.
//!
//! hyper's HTTP/1.1 server cuts a keep-alive client that sends nothing at its header-read timeout,
//! but its HTTP/2 server has no idle timeout at all: a client that answers the keep-alive pings and
//! sends no request would hold its `max_connections` slot for ever. So HTTP/2 connections count their
//! requests in flight, and one that has had none for the header-read timeout is shut down gracefully
//! (GOAWAY; a response still streaming finishes).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// Requests in flight on one connection, and when the connection last became idle.
#[derive(Debug)]
pub(super) struct Activity {
    in_flight: AtomicUsize,
    opened: Instant,
    /// Milliseconds after `opened` when the last request ended (an atomic: this runs per request).
    idle_since_ms: AtomicU64,
}

impl Activity {
    pub fn new() -> Self {
        Activity {
            in_flight: AtomicUsize::new(0),
            opened: Instant::now(),
            idle_since_ms: AtomicU64::new(0),
        }
    }

    /// A request started; the guard ends it when dropped (its response head is out).
    pub fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(Arc::clone(self))
    }

    /// How long the connection has had no request in flight; `None` while one is.
    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let since = Duration::from_millis(self.idle_since_ms.load(Ordering::SeqCst));
        Some(self.opened.elapsed().saturating_sub(since))
    }
}

/// One request in flight.
pub(super) struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let now = self.0.opened.elapsed().as_millis();
        let now = u64::try_from(now).unwrap_or(u64::MAX);
        self.0.idle_since_ms.store(now, Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs a connection to its end. On the stop signal, or (with `idle`) once it has had no request
/// for that long, it is shut down gracefully: what is in flight finishes first.
pub(super) async fn drive<C>(
    connection: C,
    mut stop: watch::Receiver<bool>,
    idle: Option<(&Activity, Duration)>,
    graceful_shutdown: impl FnOnce(Pin<&mut C>),
) -> Result<(), hyper::Error>
where
    C: Future<Output = Result<(), hyper::Error>>,
{
    tokio::pin!(connection);
    loop {
        let wait = match idle {
            Some((activity, limit)) => {
                limit.saturating_sub(activity.idle_for().unwrap_or_default())
            }
            None => Duration::MAX,
        };
        tokio::select! {
            result = connection.as_mut() => return result,
            _ = stop.changed() => break,
            _ = tokio::time::sleep(wait) => {
                let over = idle.is_some_and(|(activity, limit)| {
                    activity.idle_for().is_some_and(|idle_for| idle_for >= limit)
                });
                if over {
                    break;
                }
            }
        }
    }
    graceful_shutdown(connection.as_mut());
    connection.await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_only_without_requests_in_flight() {
        let activity = Arc::new(Activity::new());
        assert!(activity.idle_for().is_some());
        let busy = activity.begin();
        let second = activity.begin();
        assert!(activity.idle_for().is_none());
        drop(busy);
        assert!(activity.idle_for().is_none());
        drop(second);
        assert!(activity.idle_for().unwrap() < Duration::from_secs(1));
    }
}
