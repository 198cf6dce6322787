//! The lb's background loop: global maintenance every `worker.maintain`, and a CPing probe every second
//! for members in error, which readmits a member as soon as it answers. Kept apart from selection
//! (`select`, `plan`) so that picking a member never waits on I/O.
//!
//! Where ajpgate goes beyond mod_jk: the probe does not wait out `recover_time`, so users no longer see a
//! dead node come back one `worker.maintain` late. A readmitted member starts at the current highest
//! load value so that it is not flooded (docs/load-balancing.md#global-maintenance).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::lb::{LbWorker, Shared};
use super::state::{self, MemberState};
use crate::backend::Connection;
use crate::vocabulary::Activation;

impl LbWorker {
    /// Global maintenance (§3.4); `now` is passed in so that tests control time.
    pub fn maintain(&self, now: Instant) {
        let timing = self.settings().timing;
        let mut shared = self.lock();
        let last = shared.last_maintain;
        if now.saturating_duration_since(last) < timing.maintain {
            return;
        }
        let Shared {
            members, method, ..
        } = &mut *shared;
        state::maintain(members, &timing, last, now, |m, k| method.decay(m, k));
        shared.last_maintain = now;
    }

    /// Readmits a member whose background probe succeeded.
    fn readmit(&self, index: usize) {
        let mut shared = self.lock();
        let curmax = state::highest_lb_value(&shared.members);
        let member = &mut shared.members[index];
        if member.readmit(curmax) {
            tracing::info!(lb = %self.name, member = %member.name, "member answers CPing again; back in rotation");
        }
    }

    /// Maintenance every `worker.maintain` and the error probe every second, until the lb is dropped.
    pub fn spawn_background(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let lb = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(1));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(lb) = lb.upgrade() else { return };
                lb.maintain(Instant::now());
                lb.probe_members_in_error().await;
            }
        })
    }

    async fn probe_members_in_error(&self) {
        let down: Vec<usize> = self
            .lock()
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.state == MemberState::Err && m.activation != Activation::Stopped)
            .map(|(i, _)| i)
            .collect();
        for index in down {
            let settings = &self.workers[index].pool().settings().connect;
            let timeout = Duration::from_secs(2);
            let probe = async {
                let mut connection = Connection::open(settings, 0).await?;
                connection.cping(timeout).await
            };
            match tokio::time::timeout(timeout * 2, probe).await {
                Ok(Ok(())) => self.readmit(index),
                _ => tracing::trace!(lb = %self.name, member = index, "member still down"),
            }
        }
    }
}
