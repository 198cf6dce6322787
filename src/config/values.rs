//! How mod_jk reads a property value as a number, a boolean, a list or a one-letter code.
//!
//! These rules are loose: mod_jk reads numbers with C's `atoi`, so `10s` is 10 and `abc` is 0, and
//! anything it cannot read as a boolean silently becomes the default. A file that relies on this still
//! has to load as it did under httpd, so each reader returns what mod_jk would make of the value *and*
//! whether the value was clean, and the caller warns about the unclean ones.

/// What mod_jk's `jk_map_get_int` makes of a value: a trailing `k`/`K` multiplies by 1024, `m`/`M` by
/// 1048576, the rest is read like `atoi` (leading spaces, a sign, digits; no digits is 0). mod_jk's
/// `int` overflow is undefined; we saturate at the `i32` range instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Int {
    pub value: i32,
    /// The whole value was an integer with an optional suffix, nothing else.
    pub clean: bool,
}

pub(crate) fn int(text: &str) -> Int {
    let (body, multiplier) = match text.as_bytes().last() {
        Some(b'k' | b'K') => (&text[..text.len() - 1], 1024i64),
        Some(b'm' | b'M') => (&text[..text.len() - 1], 1024 * 1024),
        _ => (text, 1),
    };
    let bytes = body.as_bytes();
    let mut at = bytes.iter().take_while(|b| is_c_space(**b)).count();
    let negative = match bytes.get(at) {
        Some(b'-') => {
            at += 1;
            true
        }
        Some(b'+') => {
            at += 1;
            false
        }
        _ => false,
    };
    let digits = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let magnitude = bytes[at..at + digits].iter().fold(0i64, |n, d| {
        n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    let signed = if negative { -magnitude } else { magnitude };
    let value = signed
        .saturating_mul(multiplier)
        .clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    let clean = digits > 0 && at + digits == bytes.len() && !is_c_space(bytes[0]);
    Int { value, clean }
}

/// mod_jk's `jk_get_bool_code`: `off`, anything starting with `f`/`n`, or exactly `0` is false; `on`,
/// anything starting with `t`/`y`, or exactly `1` is true; anything else is `None` (the default).
pub(crate) fn boolean(text: &str) -> Option<bool> {
    let first = text.as_bytes().first().map(u8::to_ascii_lowercase);
    if text.eq_ignore_ascii_case("off") || matches!(first, Some(b'f' | b'n')) || text == "0" {
        Some(false)
    } else if text.eq_ignore_ascii_case("on") || matches!(first, Some(b't' | b'y')) || text == "1" {
        Some(true)
    } else {
        None
    }
}

/// A list value: items separated by spaces, tabs and commas; empty items dropped.
pub(crate) fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split([' ', '\t', ',']).filter(|item| !item.is_empty())
}

/// C's `isspace` in the "C" locale, which mod_jk's trimming uses.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Trims C whitespace from both ends, as mod_jk's `trim` does.
pub(crate) fn trim_c(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && is_c_space(c as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_like_atoi_with_suffixes() {
        let v = |s| int(s).value;
        assert_eq!(v("8009"), 8009);
        assert_eq!(v("8k"), 8192);
        assert_eq!(v("64K"), 65536);
        assert_eq!(v("1m"), 1_048_576);
        assert_eq!(v("-404"), -404);
        assert_eq!(v("+7"), 7);
        assert_eq!(v("10s"), 10);
        assert_eq!(v("abc"), 0);
        assert_eq!(v("k"), 0);
        assert_eq!(v("99999999999999999999"), i32::MAX);
        assert_eq!(v("-9999999m"), i32::MIN);
        assert!(int("8k").clean && int("-1").clean);
        assert!(!int("10s").clean && !int("abc").clean && !int("k").clean && !int("").clean);
    }

    #[test]
    fn booleans_as_mod_jk_reads_them() {
        for t in ["1", "on", "ON", "true", "True", "yes", "y", "tx"] {
            assert_eq!(boolean(t), Some(true), "{t}");
        }
        for f in ["0", "off", "Off", "false", "no", "nope", "F"] {
            assert_eq!(boolean(f), Some(false), "{f}");
        }
        for d in ["2", "01", "10", "onx", "maybe", ""] {
            assert_eq!(boolean(d), None, "{d}");
        }
    }

    #[test]
    fn lists_split_on_space_tab_and_comma() {
        assert_eq!(
            list(" a,b\tc ,, d").collect::<Vec<_>>(),
            vec!["a", "b", "c", "d"]
        );
        assert_eq!(list(", \t").count(), 0);
    }
}
