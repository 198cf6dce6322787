//! mod_jk's normalisation of a request path before it is matched against the mounts.
//!
//! CVE-2018-11759: httpd protected `<Location /jkstatus>`, but mod_jk matched `/jkstatus;foo` (path
//! parameter stripped) to the status worker, so the status page was open to anyone. Since 1.2.46 mod_jk
//! normalises a copy of the path the way Tomcat does (`jk_servlet_normalize`), matches *that*, and
//! replaces httpd's `r->uri` with it, so access control and mapping see the same path; the original
//! path is what is forwarded to Tomcat (so `;jsessionid=` survives). ajpgate must do the same: every
//! access decision uses [`normalize`]'s result, and the backend receives the path before normalisation,
//! re-encoded as mod_jk's ForwardURIProxy does (`crate::http::request::request_path`).
//!
//! The input is the path as httpd's `r->uri` holds it: percent-decoded, without the query. `%2e` and
//! the like are not decoded again here; only literal characters count. Four passes, in this order:
//! 1. remove path parameters, every `;…` up to the next `/`, in every segment (`/a;x=1/b;y` → `/a/b`);
//! 2. collapse runs of `/` (`//a//b` → `/a/b`; the CVE-2014-8111 fix, unconditional since 1.2.44);
//! 3. drop `.` segments (`/a/./b` → `/a/b`, `/a/.` → `/a/`);
//! 4. resolve `..` segments (`/a/b/..` → `/a/`); climbing above the root is an error (HTTP 400).

use std::fmt;

/// mod_jk maps only URIs shorter than this many bytes (CVE-2007-0774 hardening); longer ones are
/// simply not mapped.
pub const MAX_MAPPED_URI_LEN: usize = 4095;

/// Why a path cannot be normalised. Either way mod_jk answers HTTP 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormalizeError {
    /// The path does not start with `/` (and is not `*`).
    NotAbsolute,
    /// A `..` segment climbs above the root (`/..`, `/a/../../b`).
    AboveRoot,
}

impl fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NormalizeError::NotAbsolute => "the path does not start with '/'",
            NormalizeError::AboveRoot => "a '..' segment climbs above the root",
        })
    }
}

impl std::error::Error for NormalizeError {}

/// mod_jk's normalisation (see the module docs) of a request path without its query. `*` (the target
/// of `OPTIONS *`) is returned as it is, as mod_jk does since 1.2.45; it maps to no worker.
pub fn normalize(path: &str) -> Result<String, NormalizeError> {
    if path == "*" {
        return Ok(path.to_string());
    }
    if !path.starts_with('/') {
        return Err(NormalizeError::NotAbsolute);
    }
    let without_parameters = remove_path_parameters(path.as_bytes());
    let collapsed = collapse_slashes(&without_parameters);
    let without_dots = remove_dot_segments(&collapsed);
    let resolved = resolve_dot_dot_segments(&without_dots)?;
    // Only whole ASCII runs were removed from valid UTF-8, so this never takes the lossy branch.
    Ok(
        String::from_utf8(resolved)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()),
    )
}

/// Pass 1: `;` up to (not including) the next `/` goes.
fn remove_path_parameters(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    let mut in_parameter = false;
    for &b in path {
        match b {
            b';' => in_parameter = true,
            b'/' => {
                in_parameter = false;
                out.push(b);
            }
            _ if !in_parameter => out.push(b),
            _ => {}
        }
    }
    out
}

/// Pass 2: runs of `/` become one.
fn collapse_slashes(path: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(path.len());
    for &b in path {
        if !(b == b'/' && out.last() == Some(&b'/')) {
            out.push(b);
        }
    }
    out
}

/// The segments of a normalised-so-far path (which starts with `/`), with whether each is the last.
fn segments(path: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    let mut parts = path[1..].split(|&b| b == b'/').peekable();
    std::iter::from_fn(move || {
        let segment = parts.next()?;
        Some((segment, parts.peek().is_none()))
    })
}

/// Pass 3: `.` segments go; a trailing one leaves its slash (`/a/.` → `/a/`).
fn remove_dot_segments(path: &[u8]) -> Vec<u8> {
    let mut out = vec![b'/'];
    for (segment, last) in segments(path) {
        if segment == b"." {
            continue;
        }
        out.extend_from_slice(segment);
        if !last {
            out.push(b'/');
        }
    }
    out
}

/// Pass 4: each `..` removes itself and the segment before it; with nothing before it, the path climbs
/// above the root.
fn resolve_dot_dot_segments(path: &[u8]) -> Result<Vec<u8>, NormalizeError> {
    // Each kept segment as it will be written, with its following slash when it has one.
    let mut kept: Vec<&[u8]> = Vec::new();
    let mut at = 1;
    for (segment, last) in segments(path) {
        let end = at + segment.len() + usize::from(!last);
        if segment == b".." {
            if kept.pop().is_none() {
                return Err(NormalizeError::AboveRoot);
            }
        } else {
            kept.push(&path[at..end]);
        }
        at = end;
    }
    let mut out = vec![b'/'];
    out.extend(kept.into_iter().flatten());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(path: &str) -> Result<String, NormalizeError> {
        normalize(path)
    }

    #[test]
    fn the_examples_of_the_reference() {
        assert_eq!(n("/a;x=1/b;y").unwrap(), "/a/b");
        assert_eq!(n("//a//b").unwrap(), "/a/b");
        assert_eq!(n("/a/./b").unwrap(), "/a/b");
        assert_eq!(n("/a/b/.").unwrap(), "/a/b/");
        assert_eq!(n("/a/b/..").unwrap(), "/a/");
        assert_eq!(n("/a/..;/b").unwrap(), "/b");
        assert_eq!(n("/.."), Err(NormalizeError::AboveRoot));
        assert_eq!(n("/../x"), Err(NormalizeError::AboveRoot));
        assert_eq!(n("a/b"), Err(NormalizeError::NotAbsolute));
        assert_eq!(n(""), Err(NormalizeError::NotAbsolute));
        assert_eq!(n("*").unwrap(), "*");
    }

    #[test]
    fn the_status_page_bypass_is_closed() {
        assert_eq!(n("/jkstatus;").unwrap(), "/jkstatus");
        assert_eq!(n("/jkstatus;foo").unwrap(), "/jkstatus");
        assert_eq!(n("/jkstatus/;x/..").unwrap(), "/");
        assert_eq!(n("//jkstatus").unwrap(), "/jkstatus");
        assert_eq!(n("/app/../jkstatus").unwrap(), "/jkstatus");
        assert_eq!(n("/./jkstatus").unwrap(), "/jkstatus");
    }

    #[test]
    fn edge_cases() {
        assert_eq!(n("/").unwrap(), "/");
        assert_eq!(n("/.").unwrap(), "/");
        assert_eq!(n("/./").unwrap(), "/");
        assert_eq!(n("/;x").unwrap(), "/");
        assert_eq!(n("/a/..").unwrap(), "/");
        assert_eq!(n("/a/../").unwrap(), "/");
        assert_eq!(n("/a/b/../").unwrap(), "/a/");
        assert_eq!(n("/a/b/../../c").unwrap(), "/c");
        assert_eq!(n("/a/../.."), Err(NormalizeError::AboveRoot));
        assert_eq!(n("/./.."), Err(NormalizeError::AboveRoot));
        assert_eq!(n("/...").unwrap(), "/...");
        assert_eq!(n("/a/.../..").unwrap(), "/a/");
        assert_eq!(n("/.a/..b/").unwrap(), "/.a/..b/");
        assert_eq!(n("/a/%2e%2e/b").unwrap(), "/a/%2e%2e/b");
        assert_eq!(n("/a/.;x/b").unwrap(), "/a/b");
        assert_eq!(n("/é;x/ü").unwrap(), "/é/ü");
        assert_eq!(n("/a//..//b").unwrap(), "/b");
    }
}
