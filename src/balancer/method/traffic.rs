//! Traffic (T): the value grows with the bytes moved to and from the member, weighted by its multiplier.

use super::{LoadMethod, halve};
use crate::balancer::state::Member;

#[derive(Debug)]
pub struct Traffic;

impl LoadMethod for Traffic {
    fn on_pick(&self, _member: &mut Member, _has_session: bool, _stateless: bool) {}

    fn on_end(&self, member: &mut Member, bytes: u64) {
        member.lb_value = member
            .lb_value
            .saturating_add(bytes.saturating_mul(member.lb_mult));
    }

    fn decay(&self, members: &mut [Member], intervals: u32) -> Option<u64> {
        halve(members, intervals)
    }
}
