//! mod_jk's five load-balancing methods behind one small trait (docs/load-balancing.md#load-values).
//!
//! A method only decides how a member's `lb_value` moves: when a member is picked, when an attempt ends,
//! and at maintenance. Selection itself (lowest distance, then lowest value, round-robin among equals)
//! is the same for all of them and lives in `select.rs`.

mod busyness;
mod next;
mod request;
mod sessions;
mod traffic;

use super::state::Member;
use crate::vocabulary::LbMethod;

pub trait LoadMethod: Send + Sync + std::fmt::Debug {
    /// The member was chosen for an attempt of a request with or without a session id.
    fn on_pick(&self, member: &mut Member, has_session: bool, stateless: bool);
    /// The attempt ended after moving `bytes` between ajpgate and the member.
    fn on_end(&self, member: &mut Member, bytes: u64);
    /// Maintenance after `intervals` whole `worker.maintain` periods. Returns the largest value after
    /// decay (a recovering member starts there), or `None` for methods whose value is not history.
    fn decay(&self, members: &mut [Member], intervals: u32) -> Option<u64>;
}

/// The method an lb worker's `method` property names.
pub fn for_config(method: LbMethod) -> Box<dyn LoadMethod> {
    match method {
        LbMethod::Requests => Box::new(request::Request),
        LbMethod::Traffic => Box::new(traffic::Traffic),
        LbMethod::Busyness => Box::new(busyness::Busyness),
        LbMethod::Sessions => Box::new(sessions::Sessions),
        LbMethod::Next => Box::new(next::Next),
    }
}

/// Halves every value once per interval: history fades, ratios stay (Request, Traffic, Sessions).
fn halve(members: &mut [Member], intervals: u32) -> Option<u64> {
    for member in members.iter_mut() {
        member.lb_value = member.lb_value.checked_shr(intervals).unwrap_or(0);
    }
    members.iter().map(|m| m.lb_value).max()
}
