//! Words of mod_jk's load balancer that several layers speak: a member's activation, the lb method
//! and the lock mode. workers.properties names them, the running balancer acts on them, and jk-status
//! shows and edits them. A leaf module (it imports nothing of the crate), so the configuration, the
//! balancer and the status worker can share these values without depending on one another.

use std::fmt;

/// A load-balancer member's administrative state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// Takes any request.
    #[default]
    Active,
    /// Takes only requests whose session is sticky to it.
    Disabled,
    /// Takes nothing.
    Stopped,
}

impl Activation {
    /// The text jk-status uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Activation::Active => "ACT",
            Activation::Disabled => "DIS",
            Activation::Stopped => "STP",
        }
    }
}

/// How the lb picks a member for a request without a (usable) session route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LbMethod {
    /// Fewest requests (weighted).
    #[default]
    Requests,
    /// Fewest bytes transferred.
    Traffic,
    /// Fewest requests in flight.
    Busyness,
    /// Fewest new sessions.
    Sessions,
    /// Like Sessions, next member in turn.
    Next,
}

impl LbMethod {
    /// The text jk-status uses.
    pub fn as_str(self) -> &'static str {
        match self {
            LbMethod::Requests => "Request",
            LbMethod::Traffic => "Traffic",
            LbMethod::Busyness => "Busyness",
            LbMethod::Sessions => "Sessions",
            LbMethod::Next => "Next",
        }
    }
}

impl fmt::Display for LbMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// mod_jk's locking around member selection. ajpgate is one process, so both behave alike; kept for
/// jk-status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LbLock {
    #[default]
    Optimistic,
    Pessimistic,
}

impl LbLock {
    pub fn as_str(self) -> &'static str {
        match self {
            LbLock::Optimistic => "Optimistic",
            LbLock::Pessimistic => "Pessimistic",
        }
    }
}
