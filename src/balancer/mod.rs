//! The lb worker: mod_jk's load balancing, sticky sessions, failover and recovery (docs/load-balancing.md).
//!
//! Kept apart so each piece can be read and tested alone:
//! * [`state`] — member states and their transitions, with time passed in (no clock, no I/O).
//! * [`method`] — the five load methods behind one trait, one file each.
//! * [`sticky`] — session ids and routes from the path parameter and cookies.
//! * [`select`] — choosing a member: stickiness, redirect/domain failover, balancing.
//! * [`lb`] — the running lb: the shared member table and its jk-status operations.
//! * [`plan`] — the per-request plan the exchange follows.
//! * [`recovery`] — the background maintenance and recovery probes.

mod lb;
mod method;
mod plan;
mod recovery;
mod select;
mod state;
mod sticky;

pub use lb::{LbSettings, LbWorker, MemberView};
pub use plan::{LbPlan, RequestOptions};
pub use state::{Member, MemberState, Timing};
