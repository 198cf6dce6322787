//! Talking to backends: connections, pools, and the exchange of one request. Policy, not bytes: every
//! byte goes through [`crate::ajp`].
//!
//! * [`connection`] — one TCP connection, framed by the codec, with CPing probes.
//! * [`pool`] — keep-alive connections per backend, with mod_jk's limits and maintenance.
//! * [`body`] — the client's request body, read packet by packet as the backend asks.
//! * [`exchange`] — one request/response conversation, with safe retries and timeouts.
//! * [`plan`] — where the attempts of one exchange go; a plain worker's plan.
//! * [`retry`] — when a failed attempt may be tried again.
//! * [`response_head`] — SEND_HEADERS → the client's status and headers.
//! * [`worker`] — an ajp13 worker: settings and pool.
//! * [`stats`] — a worker's counters and backend-time histogram.
//! * [`error`] — failures and the HTTP status each one means.

pub mod body;
pub mod connection;
pub mod error;
pub mod exchange;
pub mod plan;
pub mod pool;
pub mod response_head;
pub mod retry;
pub mod stats;
pub mod worker;

pub use error::BackendError;
pub use stats::WorkerStats;
pub use worker::{AjpWorker, WorkerSettings};
