//! The Range header (RFC 9110 §14.2) as httpd 2.4's byterange filter reads it (`ap_set_byterange` in
//! modules/http/byterange_filter.c), so the same request gets the same parts:
//! * `bytes=` then comma-separated specs; one invalid spec (or whitespace, or another unit) makes the
//!   whole header ignored: 200 with the whole file.
//! * Specs are clipped to the file; ones starting past its end are dropped; none left: 416.
//! * Each spec is merged into the one before it when they overlap or touch (in request order, not
//!   sorted), counting overlaps and reversals; `0-` alone replaces every other spec.
//! * The sum of the parts larger than the file, more than 200 parts, more than 20 overlaps or 20
//!   reversals (httpd's MaxRanges, MaxRangeOverlaps, MaxRangeReversals defaults): the header is ignored.
//! * An empty file ignores ranges. If-Range (§13.1.5): an entity tag must match strongly, a date must
//!   equal Last-Modified; otherwise the whole file is sent.

use http::HeaderMap;
use http::header::{IF_RANGE, RANGE};

use super::validators::{Validators, header_text, parse_http_date};

const MAX_RANGES: usize = 200;
const MAX_OVERLAPS: usize = 20;
const MAX_REVERSALS: usize = 20;

/// One part: first and last byte, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub first: u64,
    pub last: u64,
}

impl ByteRange {
    /// Bytes in the part (never 0).
    pub fn count(&self) -> u64 {
        self.last - self.first + 1
    }
}

/// What a request's Range header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeAsk {
    /// The whole file (no header, or one httpd ignores).
    Whole,
    Parts(Vec<ByteRange>),
    Unsatisfiable,
}

/// The Range header of `headers`, with If-Range applied, for a file of `size` bytes.
pub fn requested(headers: &HeaderMap, size: u64, validators: &Validators) -> RangeAsk {
    let Some(range) = header_text(headers, RANGE) else {
        return RangeAsk::Whole;
    };
    if size == 0 || !if_range_holds(headers, validators) {
        return RangeAsk::Whole;
    }
    parse(&range, size)
}

fn if_range_holds(headers: &HeaderMap, v: &Validators) -> bool {
    let Some(value) = header_text(headers, IF_RANGE) else {
        return true;
    };
    if value.starts_with('"') {
        return !v.is_weak() && value == v.etag;
    }
    parse_http_date(&value) == Some(v.last_modified)
}

/// Digits only, as httpd's `ap_parse_strict_length`.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// One spec clipped to the file.
enum Spec {
    /// Ignore the whole header.
    Invalid,
    /// Starts past the end: dropped.
    PastEnd,
    /// `0-`: the whole file, every other spec forgotten.
    FromStart,
    Part(u64, u64),
}

fn spec(text: &str, size: u64) -> Spec {
    let Some((from, to)) = text.split_once('-') else {
        return Spec::Invalid;
    };
    let (first, last) = if from.is_empty() {
        match number(to) {
            Some(n) if n >= 1 => (size.saturating_sub(n), size - 1),
            _ => return Spec::Invalid,
        }
    } else {
        let Some(first) = number(from) else {
            return Spec::Invalid;
        };
        if to.is_empty() {
            if first == 0 {
                return Spec::FromStart;
            }
            (first, size - 1)
        } else {
            match number(to) {
                Some(last) if last >= first => (first, last.min(size - 1)),
                _ => return Spec::Invalid,
            }
        }
    };
    if first >= size {
        return Spec::PastEnd;
    }
    Spec::Part(first, last)
}

/// `bytes=...` for a file of `size` (> 0) bytes.
pub fn parse(header: &str, size: u64) -> RangeAsk {
    let Some(specs) = header
        .get(..6)
        .filter(|unit| unit.eq_ignore_ascii_case("bytes="))
        .map(|_| &header[6..])
        .filter(|s| !s.is_empty())
    else {
        return RangeAsk::Whole;
    };
    let mut parts: Vec<ByteRange> = Vec::new();
    let mut current: Option<ByteRange> = None;
    let (mut overlaps, mut reversals, mut past_end) = (0, 0, false);
    for text in specs.split(',').filter(|s| !s.is_empty()) {
        let (first, last) = match spec(text, size) {
            Spec::Invalid => return RangeAsk::Whole,
            Spec::PastEnd => {
                past_end = true;
                continue;
            }
            Spec::FromStart => {
                parts.clear();
                current = Some(ByteRange {
                    first: 0,
                    last: size - 1,
                });
                break;
            }
            Spec::Part(first, last) => (first, last),
        };
        let Some(open) = current.as_mut() else {
            current = Some(ByteRange { first, last });
            continue;
        };
        let mut merged = first >= open.first && last <= open.last;
        if first < open.first && last + 1 >= open.first {
            open.first = first;
            reversals += 1;
            merged = true;
        }
        if last >= open.last && first <= open.last + 1 {
            open.last = last;
            merged = true;
        }
        if merged {
            overlaps += 1;
        } else {
            parts.push(*open);
            *open = ByteRange { first, last };
        }
    }
    match current {
        Some(open) => parts.push(open),
        None if past_end => return RangeAsk::Unsatisfiable,
        None => return RangeAsk::Whole,
    }
    let sum: u64 = parts.iter().map(ByteRange::count).sum();
    if sum > size
        || parts.len() > MAX_RANGES
        || overlaps > MAX_OVERLAPS
        || reversals > MAX_REVERSALS
    {
        return RangeAsk::Whole;
    }
    RangeAsk::Parts(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(header: &str) -> Vec<(u64, u64)> {
        match parse(header, 12) {
            RangeAsk::Parts(p) => p.iter().map(|r| (r.first, r.last)).collect(),
            other => panic!("{header}: {other:?}"),
        }
    }

    /// Each case was answered by Debian's apache2 2.4 for a 12-byte file.
    #[test]
    fn as_httpd_merges_and_clips() {
        assert_eq!(parts("bytes=0-3"), [(0, 3)]);
        assert_eq!(parts("bytes=-3"), [(9, 11)]);
        assert_eq!(parts("bytes=0-1,5-6"), [(0, 1), (5, 6)]);
        assert_eq!(parts("bytes=5-6,0-1"), [(5, 6), (0, 1)]);
        assert_eq!(parts("bytes=0-3,2-6"), [(0, 6)]);
        assert_eq!(parts("bytes=0-3,4-6"), [(0, 6)]);
        assert_eq!(parts("bytes=5-6,0-4"), [(0, 6)]);
        assert_eq!(parts("bytes=0-1,3-4,1-3"), [(0, 1), (1, 4)]);
        assert_eq!(parts("bytes=0-1,,5-6"), [(0, 1), (5, 6)]);
        assert_eq!(parts("bytes=11-"), [(11, 11)]);
        assert_eq!(parts("bytes=0-0,-1"), [(0, 0), (11, 11)]);
        assert_eq!(parts("bytes=0-1,50-60"), [(0, 1)]);
        assert_eq!(parts("bytes=5-100"), [(5, 11)]);
        assert_eq!(parts("bytes=3-4,0-"), [(0, 11)]);
    }

    #[test]
    fn as_httpd_ignores_or_refuses() {
        for header in [
            "bytes=0-1, 5-6",
            "bytes=-0",
            "bytes=3-2",
            "bytes=bytes=0-1",
            "items=0-1",
        ] {
            assert_eq!(parse(header, 12), RangeAsk::Whole, "{header}");
        }
        assert_eq!(parse("bytes=12-", 12), RangeAsk::Unsatisfiable);
        assert_eq!(parse("bytes=50-60", 12), RangeAsk::Unsatisfiable);
        // Parts that add up to more than the file: httpd ignores the header.
        assert_eq!(parse("bytes=0-5,7-11,3-8", 12), RangeAsk::Whole);
    }
}
