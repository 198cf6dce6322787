//! The validators httpd sends for a file and the preconditions they decide (RFC 9110 §8.8, §13).
//!
//! * ETag: `FileETag MTime Size`, httpd 2.4's default: `"<size hex>-<mtime µs hex>"`. A file modified
//!   within the second before the request gets a weak tag (`W/"…"`), as httpd's `ap_make_etag` does:
//!   it could change again within the same second of Last-Modified.
//! * Last-Modified: the file's time, never later than the request (httpd's `ap_rationalize_mtime`).
//! * Preconditions in RFC 9110 §13.2.2's order, which is also httpd's `ap_meets_conditions`: If-Match
//!   (strong comparison), else If-Unmodified-Since → 412; If-None-Match (weak comparison), else
//!   If-Modified-Since (only when the date is not in the future) → 304. Times compare in whole seconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDateTime, Utc};
use http::HeaderMap;
use http::header::{IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE};

/// A file's validators at the time of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// The header value, quotes (and `W/`) included.
    pub etag: String,
    /// Seconds since the epoch, already capped at the request time.
    pub last_modified: i64,
}

impl Validators {
    pub fn new(size: u64, mtime: SystemTime, now: SystemTime) -> Validators {
        let micros = |t: SystemTime| {
            t.duration_since(UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                .as_micros()
        };
        let (m, n) = (micros(mtime), micros(now));
        let weak = n.saturating_sub(m) <= 1_000_000;
        let etag = format!("{}\"{size:x}-{m:x}\"", if weak { "W/" } else { "" });
        let last_modified = (m.min(n) / 1_000_000) as i64;
        Validators {
            etag,
            last_modified,
        }
    }

    pub fn last_modified_header(&self) -> String {
        http_date(self.last_modified)
    }

    pub fn is_weak(&self) -> bool {
        self.etag.starts_with("W/")
    }
}

/// What the preconditions say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Go on (ranges may still apply).
    Proceed,
    NotModified,
    Failed,
}

/// RFC 9110 §13.2.2 steps 1–4 for a GET or HEAD of an existing file.
pub fn evaluate(headers: &HeaderMap, v: &Validators, now: SystemTime) -> Precondition {
    let now_secs = unix_secs(now);
    if let Some(list) = header_text(headers, IF_MATCH) {
        if !list_matches(&list, &v.etag, true) {
            return Precondition::Failed;
        }
    } else if let Some(date) =
        header_text(headers, IF_UNMODIFIED_SINCE).and_then(|d| parse_http_date(&d))
        && v.last_modified > date
    {
        return Precondition::Failed;
    }
    if let Some(list) = header_text(headers, IF_NONE_MATCH) {
        if list_matches(&list, &v.etag, false) {
            return Precondition::NotModified;
        }
    } else if let Some(date) =
        header_text(headers, IF_MODIFIED_SINCE).and_then(|d| parse_http_date(&d))
        && v.last_modified <= date
        && date <= now_secs
    {
        return Precondition::NotModified;
    }
    Precondition::Proceed
}

/// Whether an If-Match / If-None-Match list matches the current tag: `*` always (the file exists);
/// strong comparison needs both tags strong and equal, weak comparison ignores `W/`.
pub fn list_matches(list: &str, etag: &str, strong: bool) -> bool {
    if list.trim() == "*" {
        return true;
    }
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    list.split(',').map(str::trim).any(|tag| {
        if strong {
            !tag.starts_with("W/") && !etag.starts_with("W/") && tag == etag
        } else {
            opaque(tag) == opaque(etag)
        }
    })
}

pub(crate) fn header_text(headers: &HeaderMap, name: http::header::HeaderName) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64
}

/// IMF-fixdate (RFC 9110 §5.6.7), as httpd writes dates.
pub fn http_date(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// The three date forms RFC 9110 §5.6.7 says a recipient accepts: IMF-fixdate, RFC 850, asctime.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let text = text.trim();
    const FORMATS: &[&str] = &[
        "%a, %d %b %Y %H:%M:%S GMT",
        "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y",
    ];
    FORMATS.iter().find_map(|format| {
        NaiveDateTime::parse_from_str(text, format)
            .ok()
            .map(|t| t.and_utc().timestamp())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(secs * 1_000_000 + micros)
    }

    #[test]
    fn etag_is_size_and_microseconds_in_hex_weak_within_a_second() {
        let mtime = at(1_796_690_967, 123_456);
        let v = Validators::new(12, mtime, at(1_796_690_990, 0));
        assert_eq!(v.etag, format!("\"c-{:x}\"", 1_796_690_967_123_456u64));
        assert!(!v.is_weak());
        assert!(Validators::new(12, mtime, at(1_796_690_968, 0)).is_weak());
    }

    #[test]
    fn last_modified_is_capped_at_now() {
        let v = Validators::new(1, at(2000, 0), at(1000, 0));
        assert_eq!(v.last_modified, 1000);
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn dates_in_all_three_forms() {
        let t = 784_111_777;
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(parse_http_date("garbage"), None);
    }

    #[test]
    fn precedence_follows_rfc_9110() {
        let v = Validators::new(12, at(1000, 0), at(5000, 0));
        let now = at(5000, 0);
        let mut h = HeaderMap::new();
        h.insert(IF_MATCH, "\"nope\"".parse().unwrap());
        h.insert(IF_NONE_MATCH, v.etag.parse().unwrap());
        assert_eq!(evaluate(&h, &v, now), Precondition::Failed);
        h.remove(IF_MATCH);
        assert_eq!(evaluate(&h, &v, now), Precondition::NotModified);
        // If-None-Match present: If-Modified-Since is ignored.
        h.insert(IF_NONE_MATCH, "\"other\"".parse().unwrap());
        h.insert(IF_MODIFIED_SINCE, http_date(2000).parse().unwrap());
        assert_eq!(evaluate(&h, &v, now), Precondition::Proceed);
        h.remove(IF_NONE_MATCH);
        assert_eq!(evaluate(&h, &v, now), Precondition::NotModified);
        // A date in the future is ignored.
        h.insert(IF_MODIFIED_SINCE, http_date(9000).parse().unwrap());
        assert_eq!(evaluate(&h, &v, now), Precondition::Proceed);
        let mut h = HeaderMap::new();
        h.insert(IF_UNMODIFIED_SINCE, http_date(999).parse().unwrap());
        assert_eq!(evaluate(&h, &v, now), Precondition::Failed);
        h.insert(IF_MATCH, "*".parse().unwrap());
        assert_eq!(evaluate(&h, &v, now), Precondition::Proceed);
    }

    #[test]
    fn strong_comparison_refuses_weak_tags() {
        assert!(!list_matches("W/\"a\"", "\"a\"", true));
        assert!(list_matches("W/\"a\"", "\"a\"", false));
        assert!(list_matches("\"b\", \"a\"", "\"a\"", true));
    }
}
