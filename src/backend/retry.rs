//! When a failed attempt may be tried again: only while that cannot duplicate work or responses (see
//! `crate::backend::exchange` for the rule in words).

use super::error::BackendError;

/// What the retry rule needs to know about the request's method.
#[derive(Debug, Clone, Copy)]
pub struct MethodFacts {
    pub is_head: bool,
    pub is_get: bool,
    /// GET, HEAD, OPTIONS, TRACE, PUT, DELETE (RFC 9110 §9.2.2).
    pub idempotent: bool,
}

/// Progress of one attempt; decides whether a failure may be retried.
#[derive(Debug, Default)]
pub struct Progress {
    pub head_sent: bool,
    pub body_consumed: bool,
    pub reached_backend: bool,
}

/// Whether a failed attempt may be tried again on another connection (see the module docs).
pub fn may_retry(
    error: &BackendError,
    progress: &Progress,
    method: &MethodFacts,
    recovery_options: u32,
) -> bool {
    if progress.head_sent || progress.body_consumed {
        return false;
    }
    if error.before_delivery() || !progress.reached_backend {
        return true;
    }
    // The request may have reached the application.
    // A reply timeout means the application is working on it: sending it again doubles the load.
    if matches!(error, BackendError::ReplyTimeout) || !method.idempotent {
        return false;
    }
    const BEFORE_HEADERS_UNRECOVERABLE: u32 = 1;
    const RESCUE_HEAD: u32 = 8;
    const RESCUE_GET: u32 = 16;
    if recovery_options & BEFORE_HEADERS_UNRECOVERABLE != 0 {
        // mod_jk evaluates the two rescue bits as if/else-if; so does ajpgate.
        return if recovery_options & RESCUE_HEAD != 0 {
            method.is_head
        } else {
            recovery_options & RESCUE_GET != 0 && method.is_get
        };
    }
    true
}
