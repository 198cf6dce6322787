//! Counters of one worker's upgrades: how many the member accepted or refused, how many could not
//! reach it, the tunnels open now and the bytes relayed each way. Atomics, so that the relay never
//! takes a lock; jk-status and /metrics read a [`TunnelStats`] copy.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct TunnelCounters {
    upgrades: AtomicU64,
    refused: AtomicU64,
    failures: AtomicU64,
    open: AtomicU64,
    to_backend: AtomicU64,
    to_client: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TunnelStats {
    /// Upgrades the member accepted (101).
    pub upgrades: u64,
    /// Upgrade requests the member answered with another status (relayed as they were).
    pub refused: u64,
    /// Attempts that could not reach the member's HTTP connector or got no response head.
    pub failures: u64,
    /// Tunnels open now.
    pub open: u64,
    /// Bytes relayed from clients to the member, after the 101.
    pub bytes_to_backend: u64,
    /// Bytes relayed from the member to clients, after the 101.
    pub bytes_to_client: u64,
}

/// One open tunnel; it counts as open until dropped.
#[derive(Debug)]
pub struct OpenTunnel<'a>(&'a TunnelCounters);

impl Drop for OpenTunnel<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl TunnelCounters {
    pub fn stats(&self) -> TunnelStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        TunnelStats {
            upgrades: get(&self.upgrades),
            refused: get(&self.refused),
            failures: get(&self.failures),
            open: get(&self.open),
            bytes_to_backend: get(&self.to_backend),
            bytes_to_client: get(&self.to_client),
        }
    }

    /// The member answered 101; the tunnel counts as open until the returned guard is dropped.
    pub fn opened(&self) -> OpenTunnel<'_> {
        self.upgrades.fetch_add(1, Ordering::Relaxed);
        self.open.fetch_add(1, Ordering::Relaxed);
        OpenTunnel(self)
    }

    pub fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    pub fn failed(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn to_backend(&self, bytes: usize) {
        self.to_backend.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub fn to_client(&self, bytes: usize) {
        self.to_client.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// jk-status `cmd=reset`: every counter but the open tunnels, which are still open.
    pub fn reset(&self) {
        for counter in [
            &self.upgrades,
            &self.refused,
            &self.failures,
            &self.to_backend,
            &self.to_client,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tunnel_is_open_while_its_guard_lives_and_reset_keeps_it() {
        let counters = TunnelCounters::default();
        let guard = counters.opened();
        counters.to_backend(10);
        counters.to_client(7);
        counters.refused();
        assert_eq!(
            counters.stats(),
            TunnelStats {
                upgrades: 1,
                refused: 1,
                failures: 0,
                open: 1,
                bytes_to_backend: 10,
                bytes_to_client: 7
            }
        );
        counters.reset();
        assert_eq!(counters.stats().open, 1);
        assert_eq!(counters.stats().upgrades, 0);
        drop(guard);
        assert_eq!(counters.stats().open, 0);
    }
}
