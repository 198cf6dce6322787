//! Sessions (S): only requests that start a session (no session id, not stateless) count, so new
//! sessions are spread by lbfactor while sticky traffic stays where it is.

use super::{LoadMethod, halve};
use crate::balancer::state::Member;

#[derive(Debug)]
pub struct Sessions;

impl LoadMethod for Sessions {
    fn on_pick(&self, member: &mut Member, has_session: bool, stateless: bool) {
        if !has_session && !stateless {
            member.lb_value = member.lb_value.saturating_add(member.lb_mult);
        }
    }

    fn on_end(&self, _member: &mut Member, _bytes: u64) {}

    fn decay(&self, members: &mut [Member], intervals: u32) -> Option<u64> {
        halve(members, intervals)
    }
}
