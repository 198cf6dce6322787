//! Talking to backends: connections, pools, and the exchange of one request. Policy, not bytes: every
//! byte goes through [`crate::ajp`].
//!
//! * [`connection`] — one TCP connection, framed by the codec, with CPing probes.
//! * [`pool`] — keep-alive connections per backend, with mod_jk's limits and maintenance.
//! * [`body`] — the client's request body, read packet by packet as the backend asks.
//! * [`exchange`] — one request/response conversation, with safe retries and timeouts.
//! * [`worker`] — an ajp13 worker: settings, pool and counters.
//! * [`error`] — failures and the HTTP status each one means.

pub mod body;
pub mod connection;
pub mod error;
pub mod exchange;
pub mod pool;
pub mod worker;

pub use error::BackendError;
pub use worker::{AjpWorker, WorkerSettings, WorkerStats};
