//! One access-log line per request, like mod_jk's JkRequestLogFormat, emitted as a `tracing` event on the
//! target `ajpgate::access`: client, method, path, status, bytes in and out, worker, backend time, total time.
//!
//! `RUST_LOG=ajpgate::access=info` shows only these lines. Their fields are structured, so a JSON
//! subscriber can emit them as-is.

use std::time::Instant;

use http::StatusCode;
use http::request::Parts;

use super::request::ConnectionInfo;
use crate::backend::{Outcome, Report};

pub const ACCESS_TARGET: &str = "ajpgate::access";

/// What is known of a request before it is forwarded.
#[derive(Debug)]
pub struct AccessInfo {
    client: String,
    method: String,
    path: String,
    pub worker: String,
}

impl AccessInfo {
    pub fn new(conn: &ConnectionInfo, parts: &Parts) -> Self {
        Self {
            client: conn.client.to_string(),
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            worker: "-".to_owned(),
        }
    }

    /// A request ajpgate answered itself (bad framing, no mount, worker unavailable).
    pub fn log_refused(&self, status: StatusCode, why: &str, started: Instant) {
        tracing::info!(
            target: ACCESS_TARGET,
            client = %self.client,
            method = %self.method,
            path = %self.path,
            status = status.as_u16(),
            bytes_in = 0u64,
            bytes_out = 0u64,
            worker = %self.worker,
            backend_ms = 0.0,
            total_ms = started.elapsed().as_secs_f64() * 1000.0,
            error = why,
        );
    }

    /// A request that went to a backend.
    pub fn log_exchange(&self, report: &Report, started: Instant) {
        let status = report.status.map_or(0, |s| s.as_u16());
        let outcome = match report.outcome {
            Outcome::Completed => "ok",
            Outcome::ClientError => "client-error",
            Outcome::BackendError => "backend-error",
        };
        tracing::info!(
            target: ACCESS_TARGET,
            client = %self.client,
            method = %self.method,
            path = %self.path,
            status,
            bytes_in = report.bytes_from_client,
            bytes_out = report.bytes_to_client,
            worker = %self.worker,
            backend_ms = report.backend_time.as_secs_f64() * 1000.0,
            total_ms = started.elapsed().as_secs_f64() * 1000.0,
            attempts = report.attempts,
            outcome,
            error = report.error.as_deref().unwrap_or("-"),
        );
        if report.outcome == Outcome::BackendError {
            tracing::warn!(
                worker = %self.worker,
                path = %self.path,
                status,
                cause = report.error.as_deref().unwrap_or("-"),
                "backend request failed"
            );
        }
    }
}
