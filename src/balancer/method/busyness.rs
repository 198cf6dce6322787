//! Busyness (B): the value is the member's requests in flight times its multiplier, so new work goes
//! where the least is running. Nothing to decay: it is not history.

use super::LoadMethod;
use crate::balancer::state::Member;

#[derive(Debug)]
pub struct Busyness;

impl LoadMethod for Busyness {
    fn on_pick(&self, member: &mut Member, _has_session: bool, _stateless: bool) {
        member.lb_value = member.lb_value.saturating_add(member.lb_mult);
    }

    fn on_end(&self, member: &mut Member, _bytes: u64) {
        member.lb_value = member.lb_value.saturating_sub(member.lb_mult);
    }

    fn decay(&self, _members: &mut [Member], _intervals: u32) -> Option<u64> {
        None
    }
}
