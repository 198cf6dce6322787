//! The good / degraded / bad rating of lb members (the `good` and `bad` properties, docs/jk-status.md#rating).
//!
//! Each member gets one bit from its activation and state: the activation selects a byte (ACT, DIS,
//! STP) and the state a bit in it (OK, IDLE, BUSY, REC, ERR; the three ERR/ substates all count as REC).
//! A rule is one letter (`a d s` or `o i n b r e`) or two joined by a dot (activation and state); the
//! rules of one property are OR-ed. A member matching `bad` is bad, else one matching `good` is good,
//! else it is degraded.

use crate::balancer::MemberState;
use crate::vocabulary::Activation;

const ACTIVE: u32 = 0x0000_00FF;
const DISABLED: u32 = 0x0000_FF00;
const STOPPED: u32 = 0x00FF_0000;
const OK: u32 = 0x0001_0101;
const IDLE: u32 = 0x0002_0202;
const BUSY: u32 = 0x0004_0404;
const RECOVER: u32 = 0x0008_0808;
const ERROR: u32 = 0x0010_1010;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    Good,
    Degraded,
    Bad,
}

/// The compiled `good` and `bad` rules of one status worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    good: u32,
    bad: u32,
}

impl Rules {
    pub fn new(good: &[String], bad: &[String]) -> Rules {
        let compile = |rules: &[String]| rules.iter().fold(0, |mask, rule| mask | rule_mask(rule));
        Rules {
            good: compile(good),
            bad: compile(bad),
        }
    }

    pub fn rate(&self, activation: Activation, state: MemberState) -> Rating {
        let mask = member_mask(activation, state);
        if mask & self.bad != 0 {
            Rating::Bad
        } else if mask & self.good != 0 {
            Rating::Good
        } else {
            Rating::Degraded
        }
    }
}

fn member_mask(activation: Activation, state: MemberState) -> u32 {
    let activation = match activation {
        Activation::Active => ACTIVE,
        Activation::Disabled => DISABLED,
        Activation::Stopped => STOPPED,
    };
    let state = match state {
        MemberState::OkIdle => IDLE,
        MemberState::Ok => OK,
        MemberState::OkBusy => BUSY,
        MemberState::Err => ERROR,
        MemberState::ErrRec | MemberState::ErrFrc | MemberState::ErrPrb => RECOVER,
    };
    activation & state
}

fn letter_mask(letter: u8) -> u32 {
    match letter.to_ascii_lowercase() {
        b'a' => ACTIVE,
        b'd' => DISABLED,
        b's' => STOPPED,
        b'o' => OK,
        b'i' | b'n' => IDLE,
        b'b' => BUSY,
        b'r' => RECOVER,
        b'e' => ERROR,
        _ => 0,
    }
}

/// mod_jk's `status_get_rating`: skip leading blanks and dots, take a letter; if a dot follows
/// (after any further characters), AND it with the letter after the dot.
fn rule_mask(rule: &str) -> u32 {
    let bytes = rule.as_bytes();
    let mut at = 0;
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'.') {
        at += 1;
    }
    let Some(&first) = bytes.get(at) else {
        return 0;
    };
    let mut mask = letter_mask(first);
    while at < bytes.len() && bytes[at] != b'.' {
        at += 1;
    }
    if at < bytes.len() {
        at += 1;
    }
    if let Some(&second) = bytes.get(at) {
        mask &= letter_mask(second);
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_BAD, DEFAULT_GOOD};

    fn defaults() -> Rules {
        let split = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        Rules::new(&split(DEFAULT_GOOD), &split(DEFAULT_BAD))
    }

    #[test]
    fn default_rules_match_mod_jk() {
        let r = defaults();
        assert_eq!(r.rate(Activation::Active, MemberState::Ok), Rating::Good);
        assert_eq!(
            r.rate(Activation::Active, MemberState::OkIdle),
            Rating::Good
        );
        assert_eq!(
            r.rate(Activation::Active, MemberState::OkBusy),
            Rating::Good
        );
        assert_eq!(
            r.rate(Activation::Active, MemberState::ErrRec),
            Rating::Good
        );
        assert_eq!(r.rate(Activation::Active, MemberState::Err), Rating::Bad);
        assert_eq!(
            r.rate(Activation::Disabled, MemberState::Ok),
            Rating::Degraded
        );
        assert_eq!(r.rate(Activation::Disabled, MemberState::Err), Rating::Bad);
        assert_eq!(r.rate(Activation::Stopped, MemberState::Ok), Rating::Bad);
    }

    #[test]
    fn rules_are_letters_or_pairs_in_any_case() {
        assert_eq!(rule_mask("A.O"), ACTIVE & OK);
        assert_eq!(rule_mask(" d"), DISABLED);
        assert_eq!(rule_mask("n"), IDLE);
        assert_eq!(rule_mask("x"), 0);
        assert_eq!(rule_mask(""), 0);
        let r = Rules::new(&["d".into()], &[]);
        assert_eq!(r.rate(Activation::Disabled, MemberState::Ok), Rating::Good);
        assert_eq!(
            r.rate(Activation::Active, MemberState::Ok),
            Rating::Degraded
        );
    }
}
