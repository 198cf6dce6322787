//! The query string of a jk-status request, read as mod_jk 1.2.48 reads it.
//!
//! mod_jk splits on `&`, ignores pieces without `=` or with an empty key, %-decodes values (`+` is a
//! space), and lets a repeated key replace the earlier value in place. It reads no request body: its
//! forms use GET. Its only defence against cross-site scripting is to replace `<`, `>`, `?` and `"` by
//! `@` in the raw query string and in every decoded value, which also means that a `?` wildcard in `sw`
//! can never match. We do the same, so scripts see the same behaviour; the HTML page escapes
//! everything it prints on top of that.

use std::fmt::Write;

/// Characters mod_jk masks in request input.
const MASKED: [char; 4] = ['<', '>', '?', '"'];

/// mod_jk's masking: each of `<>?"` becomes `@`.
pub fn mask(text: &str) -> String {
    text.chars()
        .map(|c| if MASKED.contains(&c) { '@' } else { c })
        .collect()
}

/// The parameters of one request, in first-seen order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// The raw query string, masked (for the HTML auto-refresh link).
    raw: String,
}

impl Params {
    pub fn parse(query: Option<&str>) -> Params {
        let Some(query) = query else {
            return Params::default();
        };
        let raw = mask(query);
        let mut params = Params {
            pairs: Vec::new(),
            raw: raw.clone(),
        };
        for piece in raw.split('&') {
            let Some((key, value)) = piece.split_once('=') else {
                continue;
            };
            if key.is_empty() {
                continue;
            }
            params.set(key, &mask(&decode(value)));
        }
        params
    }

    /// Replaces a value in place, or appends the pair.
    pub fn set(&mut self, key: &str, value: &str) {
        match self.pairs.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.to_string(),
            None => self.pairs.push((key.to_string(), value.to_string())),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// C's `atoi` of the value, or `default` when the key is absent.
    pub fn int(&self, key: &str, default: i64) -> i64 {
        self.get(key).map_or(default, atoi)
    }

    /// mod_jk's `jk_get_bool_code`: `default` when absent or unrecognised.
    pub fn boolean(&self, key: &str, default: bool) -> bool {
        self.get(key).and_then(bool_code).unwrap_or(default)
    }

    /// The `opt` bit mask.
    pub fn options(&self) -> u32 {
        u32::try_from(self.int("opt", 0).clamp(0, i64::from(u32::MAX))).unwrap_or(0)
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }
}

/// `%XX` decoding with `+` as space; malformed escapes stay as they are, invalid UTF-8 becomes U+FFFD.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// C's `atoi`: optional whitespace and sign, then digits up to the first non-digit; 0 when there are
/// none. Saturates instead of overflowing.
pub fn atoi(text: &str) -> i64 {
    let text = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for digit in digits.bytes().take_while(u8::is_ascii_digit) {
        value = value
            .saturating_mul(10)
            .saturating_add(i64::from(digit - b'0'));
    }
    let value = if negative { -value } else { value };
    value.clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

/// mod_jk's `jk_get_bool_code`: `off`, or a first letter of `f n 0` is false; `on`, or `t y 1` is true.
pub fn bool_code(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("off") {
        return Some(false);
    }
    if text.eq_ignore_ascii_case("on") {
        return Some(true);
    }
    match text.bytes().next()? {
        b'F' | b'f' | b'N' | b'n' | b'0' => Some(false),
        b'T' | b't' | b'Y' | b'y' | b'1' => Some(true),
        _ => None,
    }
}

/// `%`-encodes a value for a link or form target (unreserved characters stay).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~*".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_without_equals_or_key_are_ignored_and_the_last_value_wins_in_place() {
        let p = Params::parse(Some("cmd=list&bare&=x&mime=txt&cmd=show"));
        assert_eq!(
            p.pairs(),
            &[
                ("cmd".to_string(), "show".to_string()),
                ("mime".to_string(), "txt".to_string())
            ]
        );
    }

    #[test]
    fn values_are_decoded_then_masked() {
        let p = Params::parse(Some("w=l%62&sw=w%3F&x=a+b&y=%3Cscript%3E&z=%zz%4"));
        assert_eq!(p.get("w"), Some("lb"));
        assert_eq!(p.get("sw"), Some("w@"), "a decoded ? is masked too");
        assert_eq!(p.get("x"), Some("a b"));
        assert_eq!(p.get("y"), Some("@script@"));
        assert_eq!(p.get("z"), Some("%zz%4"));
        assert_eq!(Params::parse(Some("a=\"<x>\"")).raw(), "a=@@x@@");
    }

    #[test]
    fn numbers_and_booleans_read_like_c() {
        assert_eq!(atoi(" 42abc"), 42);
        assert_eq!(atoi("-7"), -7);
        assert_eq!(atoi("x"), 0);
        assert_eq!(atoi("99999999999999999999"), i64::from(i32::MAX));
        assert_eq!(bool_code("on"), Some(true));
        assert_eq!(bool_code("Off"), Some(false));
        assert_eq!(bool_code("True"), Some(true));
        assert_eq!(bool_code("0"), Some(false));
        assert_eq!(bool_code("maybe"), None);
        let p = Params::parse(Some("opt=0x20&re=5"));
        assert_eq!(p.options(), 0, "atoi stops at the x");
        assert_eq!(p.int("re", 0), 5);
    }

    #[test]
    fn encoding_round_trips() {
        let text = "a b&c=d/é";
        assert_eq!(decode(&encode(text)), text);
    }
}
