//! Talking to backends: connections, pools, and the exchange of one request. Policy, not bytes: every
//! byte goes through [`crate::ajp`].
//!
//! The submodules are private; everything other layers use is re-exported here, so each type has
//! one path (`crate::backend::Name`).
//!
//! * `connection` — one TCP connection, framed by the codec, with CPing probes.
//! * `pool` — keep-alive connections per backend, with mod_jk's limits and maintenance.
//! * `body` — the client's request body, read packet by packet as the backend asks.
//! * `exchange` — one request/response conversation, with safe retries and timeouts.
//! * `plan` — where the attempts of one exchange go; a plain worker's plan.
//! * `retry` — when a failed attempt may be tried again.
//! * `response_head` — SEND_HEADERS → the client's status and headers.
//! * `worker` — an ajp13 worker: settings and pool.
//! * `stats` — a worker's counters and backend-time histogram.
//! * `error` — failures and the HTTP status each one means.

mod body;
mod connection;
mod error;
mod exchange;
mod plan;
mod pool;
mod response_head;
mod retry;
mod stats;
mod worker;

pub use body::BodyKind;
pub use connection::{ConnectSettings, Connection, resolve};
pub use error::BackendError;
pub use exchange::{
    ExchangeError, Outcome, Report, RequestFacts, ResponseSink, run as run_exchange,
};
pub use plan::{Attempt, AttemptPlan, AttemptResult, SingleWorker, for_worker};
pub use pool::{PoolCounters, PoolSettings, Probes};
pub use retry::MethodFacts;
pub use stats::{HistogramSnapshot, LatencyHistogram, WorkerStats, unix_now};
pub use worker::{AjpWorker, WorkerSettings};
