//! Next (N): counts like Sessions, but maintenance subtracts the smallest value among usable members
//! instead of halving, so the member whose turn it is stays next.

use super::LoadMethod;
use crate::balancer::state::Member;

#[derive(Debug)]
pub struct Next;

impl LoadMethod for Next {
    fn on_pick(&self, member: &mut Member, has_session: bool, stateless: bool) {
        if !has_session && !stateless {
            member.lb_value = member.lb_value.saturating_add(member.lb_mult);
        }
    }

    fn on_end(&self, _member: &mut Member, _bytes: u64) {}

    fn decay(&self, members: &mut [Member], _intervals: u32) -> Option<u64> {
        let floor = members
            .iter()
            .filter(|m| m.balancable(m.activation))
            .map(|m| m.lb_value)
            .min()
            .unwrap_or(0);
        for member in members.iter_mut() {
            member.lb_value = member.lb_value.saturating_sub(floor);
        }
        members.iter().map(|m| m.lb_value).max()
    }
}
