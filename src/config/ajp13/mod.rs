//! The ajp13 worker: one Tomcat AJP connector, with its connection pool, probes and timeouts.
//!
//! Defaults, units and clamps are mod_jk 1.2.48's (`ajp_validate`, `ajp_init` and the `jk_get_worker_*`
//! getters), including its cross-property rules: `connect_timeout`/`prepost_timeout` fall back to
//! `ping_timeout` when their `ping_mode` letter is set, `connection_ping_interval` to `ping_timeout`/100
//! seconds, `connection_acquire_timeout` to `retries × retry_interval`, and a route with a `.` names
//! its domain. `ajp14` workers are read as ajp13 (ajpgate does not speak AJP14's login); like mod_jk
//! they default to port 8011.
//!
//! [`settings`] is the resolved worker the rest of ajpgate reads; [`read`] gets it from the
//! properties, with all of the above. [`http`] reads ajpgate's own keys for the worker's HTTP
//! connector, where upgraded requests go.

mod http;
mod read;
mod settings;

pub use http::HttpConnector;

pub(crate) use settings::hidden;
pub use settings::{Ajp13Config, AjpKind, DEFAULT_CONNECTION_POOL_SIZE, PingMode};
