//! Choosing the member for one attempt (mod_jk's `get_most_suitable_worker`, docs/load-balancing.md#member-selection).
//!
//! First stickiness: a session's route names a member; if that member cannot take it, the session moves to
//! the member's `redirect`, then to its `domain`. With `sticky_session_force` it does not move at all.
//! Otherwise balance: among the active, usable members, the lowest `distance` and then the lowest `lb_value`,
//! round-robin among equals. A pure function of the member table, so it is tested without I/O.

use super::state::Member;
use super::sticky::route_of;
use crate::vocabulary::Activation;

/// The member chosen and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub index: usize,
    /// Chosen because the request's session routes to it.
    pub sticky: bool,
    /// The route sent to Tomcat: the member's, or a domain's name for a domain match.
    pub route: String,
}

/// What selection needs to know about this request.
#[derive(Debug)]
pub struct Request<'a> {
    pub session_ids: &'a [String],
    pub force_sticky: bool,
    /// Activation of each member for this request when a mount rule overrides it; otherwise each
    /// member's own.
    pub activation: Option<&'a [Activation]>,
    /// Members that already failed during this request.
    pub excluded: &'a [bool],
}

impl Request<'_> {
    fn activation(&self, members: &[Member], i: usize) -> Activation {
        self.activation.map_or(members[i].activation, |a| a[i])
    }

    fn balancable(&self, members: &[Member], i: usize) -> bool {
        !self.excluded[i] && members[i].balancable(self.activation(members, i))
    }

    fn sticky_usable(&self, members: &[Member], i: usize) -> bool {
        !self.excluded[i] && members[i].sticky_usable(self.activation(members, i))
    }
}

/// The best balancable member among `candidates`: lowest distance, then lowest value, first seen from
/// `offset` on ties.
fn best_of(
    members: &[Member],
    request: &Request<'_>,
    offset: usize,
    candidates: impl Fn(usize) -> bool,
) -> Option<usize> {
    let n = members.len();
    let mut best: Option<usize> = None;
    for step in 0..n {
        let i = (offset + step) % n;
        if !candidates(i) || !request.balancable(members, i) {
            continue;
        }
        let better = match best {
            None => true,
            Some(b) => {
                (members[i].distance, members[i].lb_value)
                    < (members[b].distance, members[b].lb_value)
            }
        };
        if better {
            best = Some(i);
        }
    }
    best
}

fn by_route(members: &[Member], route: &str) -> Option<usize> {
    members.iter().position(|m| m.route == route)
}

fn best_in_domain(members: &[Member], request: &Request<'_>, domain: &str) -> Option<usize> {
    if domain.is_empty() {
        return None;
    }
    best_of(members, request, 0, |i| members[i].domain == domain)
}

/// Where a session that cannot stay on `i` goes: its redirect, else the best of its domain.
fn failover(
    members: &[Member],
    request: &Request<'_>,
    i: usize,
    via_domain: bool,
) -> Option<Choice> {
    let member = &members[i];
    let target = if !member.redirect.is_empty() {
        by_route(members, &member.redirect)
    } else if !via_domain {
        best_in_domain(members, request, &member.domain)
    } else {
        None
    }?;
    request.sticky_usable(members, target).then(|| Choice {
        index: target,
        sticky: false,
        route: members[target].route.clone(),
    })
}

/// Picks the member for the next attempt; `offset` rotates between calls for round-robin.
pub fn choose(members: &[Member], request: &Request<'_>, offset: &mut usize) -> Option<Choice> {
    if members.is_empty() {
        return None;
    }
    // A single member needs no balancing (mod_jk's shortcut), unless it is disabled.
    if members.len() == 1 && request.activation(members, 0) != Activation::Disabled {
        return request.sticky_usable(members, 0).then(|| Choice {
            index: 0,
            sticky: true,
            route: members[0].route.clone(),
        });
    }
    let mut had_route = false;
    for id in request.session_ids {
        let Some(route) = route_of(id) else { continue };
        had_route = true;
        let (candidate, via_domain, domain_route) = match by_route(members, route) {
            Some(i) => (Some(i), false, None),
            None => {
                let domain = route.split('.').next().unwrap_or(route);
                (
                    best_in_domain(members, request, domain),
                    true,
                    Some(domain.to_owned()),
                )
            }
        };
        let Some(i) = candidate else { continue };
        if request.sticky_usable(members, i) {
            return Some(Choice {
                index: i,
                sticky: true,
                route: domain_route.unwrap_or_else(|| members[i].route.clone()),
            });
        }
        if request.force_sticky {
            continue;
        }
        if let Some(choice) = failover(members, request, i, via_domain) {
            return Some(choice);
        }
    }
    if had_route && request.force_sticky {
        return None;
    }
    if let Some(i) = best_of(members, request, *offset, |_| true) {
        *offset = (i + 1) % members.len();
        return Some(Choice {
            index: i,
            sticky: false,
            route: members[i].route.clone(),
        });
    }
    // Nothing balancable: the first member with a redirect hands over to its standby.
    let i = members.iter().position(|m| !m.redirect.is_empty())?;
    let target = by_route(members, &members[i].redirect)?;
    request.sticky_usable(members, target).then(|| Choice {
        index: target,
        sticky: false,
        route: members[target].route.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balancer::state::MemberState;

    fn members(names: &[&str]) -> Vec<Member> {
        names
            .iter()
            .map(|n| Member::new(n, n, "", "", 0, Activation::Active, 1))
            .collect()
    }

    fn pick(ms: &[Member], ids: &[&str], force: bool, offset: &mut usize) -> Option<Choice> {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        let activation: Vec<Activation> = ms.iter().map(|m| m.activation).collect();
        let excluded = vec![false; ms.len()];
        choose(
            ms,
            &Request {
                session_ids: &ids,
                force_sticky: force,
                activation: Some(&activation),
                excluded: &excluded,
            },
            offset,
        )
    }

    fn index(c: Option<Choice>) -> Option<usize> {
        c.map(|c| c.index)
    }

    #[test]
    fn sessions_stick_to_their_route() {
        let ms = members(&["node1", "node2"]);
        let c = pick(&ms, &["ABC.node2"], false, &mut 0).unwrap();
        assert_eq!((c.index, c.sticky, c.route.as_str()), (1, true, "node2"));
        // A second id is tried when the first names no member.
        assert_eq!(
            index(pick(&ms, &["X.nosuch", "Y.node2"], false, &mut 0)),
            Some(1)
        );
    }

    #[test]
    fn equal_members_take_turns() {
        let ms = members(&["a", "b", "c"]);
        let mut offset = 0;
        let order: Vec<usize> = (0..6)
            .map(|_| index(pick(&ms, &[], false, &mut offset)).unwrap())
            .collect();
        assert_eq!(order, [0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn lower_distance_then_lower_value_wins() {
        let mut ms = members(&["a", "b", "c"]);
        ms[0].distance = 1;
        ms[1].lb_value = 5;
        ms[2].lb_value = 3;
        assert_eq!(index(pick(&ms, &[], false, &mut 0)), Some(2));
        ms[2].state = MemberState::Err;
        assert_eq!(
            index(pick(&ms, &[], false, &mut 0)),
            Some(1),
            "distance 0 beats a lower value at distance 1"
        );
    }

    #[test]
    fn a_down_member_sends_its_sessions_elsewhere_unless_forced() {
        let mut ms = members(&["node1", "node2"]);
        ms[1].state = MemberState::Err;
        let c = pick(&ms, &["S.node2"], false, &mut 0).unwrap();
        assert_eq!((c.index, c.sticky), (0, false));
        assert_eq!(
            pick(&ms, &["S.node2"], true, &mut 0),
            None,
            "sticky_session_force"
        );
        assert_eq!(
            pick(&ms, &["S.nosuch"], true, &mut 0),
            None,
            "unknown route with force"
        );
        assert_eq!(index(pick(&ms, &["S.nosuch"], false, &mut 0)), Some(0));
    }

    #[test]
    fn redirect_then_domain_take_over_a_session() {
        let mut ms = members(&["n1", "n2", "n3"]);
        ms[0].redirect = "n3".into();
        ms[0].state = MemberState::Err;
        assert_eq!(index(pick(&ms, &["S.n1"], false, &mut 0)), Some(2));
        // A disabled hot standby still takes redirected sessions.
        ms[2].activation = Activation::Disabled;
        assert_eq!(index(pick(&ms, &["S.n1"], false, &mut 0)), Some(2));
        let mut ms = members(&["n1", "n2", "n3"]);
        ms[0].domain = "d1".into();
        ms[2].domain = "d1".into();
        ms[0].state = MemberState::Err;
        ms[1].lb_value = 0;
        ms[2].lb_value = 9;
        assert_eq!(
            index(pick(&ms, &["S.n1"], false, &mut 0)),
            Some(2),
            "same domain before balancing"
        );
    }

    #[test]
    fn a_route_naming_a_domain_goes_to_its_best_member() {
        let mut ms = members(&["n1", "n2"]);
        ms[0].domain = "dom".into();
        ms[1].domain = "dom".into();
        ms[0].lb_value = 4;
        let c = pick(&ms, &["S.dom.x"], false, &mut 0).unwrap();
        assert_eq!((c.index, c.route.as_str(), c.sticky), (1, "dom", true));
    }

    #[test]
    fn disabled_members_keep_only_their_sessions_and_stopped_ones_get_nothing() {
        let mut ms = members(&["n1", "n2"]);
        ms[1].activation = Activation::Disabled;
        let mut offset = 0;
        for _ in 0..4 {
            assert_eq!(index(pick(&ms, &[], false, &mut offset)), Some(0));
        }
        assert_eq!(index(pick(&ms, &["S.n2"], false, &mut 0)), Some(1));
        ms[1].activation = Activation::Stopped;
        assert_eq!(index(pick(&ms, &["S.n2"], false, &mut 0)), Some(0));
        assert_eq!(pick(&ms, &["S.n2"], true, &mut 0), None);
    }

    #[test]
    fn members_that_failed_in_this_request_are_skipped() {
        let ms = members(&["a", "b"]);
        let activation = vec![Activation::Active; 2];
        let excluded = vec![true, false];
        let request = Request {
            session_ids: &[],
            force_sticky: false,
            activation: Some(&activation),
            excluded: &excluded,
        };
        assert_eq!(index(choose(&ms, &request, &mut 0)), Some(1));
        let excluded = vec![true, true];
        let request = Request {
            session_ids: &[],
            force_sticky: false,
            activation: Some(&activation),
            excluded: &excluded,
        };
        assert_eq!(choose(&ms, &request, &mut 0), None);
    }

    #[test]
    fn a_single_member_is_used_whatever_the_session() {
        let ms = members(&["only"]);
        assert_eq!(index(pick(&ms, &["X.other"], true, &mut 0)), Some(0));
        let mut down = members(&["only"]);
        down[0].state = MemberState::Err;
        assert_eq!(pick(&down, &[], false, &mut 0), None);
    }
}
