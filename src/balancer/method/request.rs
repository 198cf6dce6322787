//! Request (R), mod_jk's default: every attempt costs the member its multiplier, so members share
//! requests in proportion to their lbfactor.

use super::{LoadMethod, halve};
use crate::balancer::state::Member;

#[derive(Debug)]
pub struct Request;

impl LoadMethod for Request {
    fn on_pick(&self, member: &mut Member, _has_session: bool, _stateless: bool) {
        member.lb_value = member.lb_value.saturating_add(member.lb_mult);
    }

    fn on_end(&self, _member: &mut Member, _bytes: u64) {}

    fn decay(&self, members: &mut [Member], intervals: u32) -> Option<u64> {
        halve(members, intervals)
    }
}
