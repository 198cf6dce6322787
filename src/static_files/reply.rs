//! One static request's answer: resolve the path, check the method, open the file, evaluate the
//! preconditions, then the range; the head carries httpd's headers for each outcome (what a 304 and a
//! 412 carry was read off Debian's apache2: Last-Modified, ETag, Accept-Ranges).
//!
//! Methods: GET and HEAD are served, OPTIONS gets 200 with Allow, every other method 405 with Allow —
//! POST and TRACE included, where httpd would serve the file to a POST (docs/static-files.md).

use std::fs::File;
use std::sync::Arc;
use std::time::SystemTime;

use http::header::{
    ACCEPT_RANGES, ALLOW, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, HeaderName,
    LAST_MODIFIED, LOCATION,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

use super::body::{self, StaticBody};
use super::mime::Types;
use super::ranges::{ByteRange, RangeAsk, requested};
use super::resolve::{Resolved, Roots, percent_decoded, resolve};
use super::validators::{Precondition, Validators, evaluate};

/// The methods a static file allows.
pub const ALLOWED: &str = "GET, HEAD, OPTIONS";

/// What the request pipeline knows of one request.
#[derive(Debug)]
pub struct StaticRequest<'a> {
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    /// The request pipeline's path as it would go to Tomcat (`RequestPath::forwarded`): decoded,
    /// dot segments resolved, path parameters kept (httpd's `r->uri`), then %-escaped once. It is
    /// decoded here once more; nothing else of the URI is used.
    pub path: &'a [u8],
    pub query: Option<&'a str>,
    /// `Host` (or `:authority`), for the trailing-slash redirect.
    pub host: Option<&'a str>,
    pub is_tls: bool,
}

/// The answer: a file's head and body, or ajpgate's own page for `status` with extra headers.
#[derive(Debug)]
pub enum StaticReply {
    File {
        status: StatusCode,
        headers: HeaderMap,
        body: StaticBody,
    },
    Page {
        status: StatusCode,
        headers: HeaderMap,
        /// For the access log; never a file system path.
        reason: &'static str,
    },
}

impl StaticReply {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::File { status, .. } | Self::Page { status, .. } => *status,
        }
    }

    fn page(status: StatusCode, reason: &'static str) -> StaticReply {
        StaticReply::Page {
            status,
            headers: HeaderMap::new(),
            reason,
        }
    }
}

fn insert(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// Answers one request for a path no mount rule matched.
pub fn answer(roots: &Roots, types: &Types, request: &StaticRequest<'_>) -> StaticReply {
    let Some(decoded) = percent_decoded(request.path) else {
        return StaticReply::page(StatusCode::BAD_REQUEST, "malformed path");
    };
    let (path, name) = match resolve(roots, &decoded) {
        Resolved::File { path, name } => (path, name),
        Resolved::AddSlash => return add_slash(request),
        Resolved::Forbidden(why) => return StaticReply::page(StatusCode::FORBIDDEN, why),
        Resolved::NotFound(why) => return StaticReply::page(StatusCode::NOT_FOUND, why),
    };
    let method = request.method;
    if method == Method::OPTIONS {
        let mut headers = HeaderMap::new();
        insert(&mut headers, ALLOW, ALLOWED);
        insert(&mut headers, CONTENT_LENGTH, "0");
        insert(&mut headers, CONTENT_TYPE, "text/plain");
        let body = StaticBody::Empty;
        let status = StatusCode::OK;
        return StaticReply::File {
            status,
            headers,
            body,
        };
    }
    if method != Method::GET && method != Method::HEAD {
        let mut reply = StaticReply::page(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        if let StaticReply::Page { headers, .. } = &mut reply {
            insert(headers, ALLOW, ALLOWED);
        }
        return reply;
    }
    let opened = File::open(&path).and_then(|f| f.metadata().map(|m| (f, m)));
    let Ok((file, meta)) = opened else {
        return StaticReply::page(StatusCode::FORBIDDEN, "cannot open the file");
    };
    let now = SystemTime::now();
    let mtime = meta.modified().unwrap_or(now);
    let validators = Validators::new(meta.len(), mtime, now);
    let mut headers = HeaderMap::new();
    insert(
        &mut headers,
        LAST_MODIFIED,
        &validators.last_modified_header(),
    );
    insert(&mut headers, ETAG, &validators.etag);
    insert(&mut headers, ACCEPT_RANGES, "bytes");
    match evaluate(request.headers, &validators, now) {
        Precondition::Proceed => {}
        Precondition::NotModified => {
            let (status, body) = (StatusCode::NOT_MODIFIED, StaticBody::Empty);
            return StaticReply::File {
                status,
                headers,
                body,
            };
        }
        Precondition::Failed => {
            let (status, reason) = (StatusCode::PRECONDITION_FAILED, "precondition failed");
            return StaticReply::Page {
                status,
                headers,
                reason,
            };
        }
    }
    let content_type = types.for_name(&name);
    ranged(
        request,
        Arc::new(file),
        meta.len(),
        &validators,
        content_type,
        headers,
    )
}

/// The 200, 206 or 416 for a file whose preconditions held.
fn ranged(
    request: &StaticRequest<'_>,
    file: Arc<File>,
    size: u64,
    validators: &Validators,
    content_type: Option<&str>,
    mut headers: HeaderMap,
) -> StaticReply {
    let (status, body) = match requested(request.headers, size, validators) {
        RangeAsk::Whole if size == 0 => (StatusCode::OK, StaticBody::Empty),
        RangeAsk::Whole => {
            let whole = ByteRange {
                first: 0,
                last: size - 1,
            };
            (StatusCode::OK, body::single(file, whole))
        }
        RangeAsk::Parts(parts) if parts.len() == 1 => {
            let part = parts[0];
            let range = format!("bytes {}-{}/{size}", part.first, part.last);
            insert(&mut headers, CONTENT_RANGE, &range);
            (StatusCode::PARTIAL_CONTENT, body::single(file, part))
        }
        RangeAsk::Parts(parts) => {
            let (body, multipart) = body::multipart(file, &parts, content_type, size);
            insert(&mut headers, CONTENT_LENGTH, &body.len().to_string());
            insert(&mut headers, CONTENT_TYPE, &multipart);
            return finish(request, StatusCode::PARTIAL_CONTENT, headers, body);
        }
        RangeAsk::Unsatisfiable => {
            let mut headers = HeaderMap::new();
            insert(&mut headers, CONTENT_RANGE, &format!("bytes */{size}"));
            let (status, reason) = (StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable");
            return StaticReply::Page {
                status,
                headers,
                reason,
            };
        }
    };
    insert(&mut headers, CONTENT_LENGTH, &body.len().to_string());
    if let Some(content_type) = content_type {
        insert(&mut headers, CONTENT_TYPE, content_type);
    }
    finish(request, status, headers, body)
}

/// A HEAD gets the GET's head (Content-Length included) and no body.
///
/// An empty file's HEAD has no Content-Length at all, as httpd sends it (its GET has `0`).
fn finish(
    request: &StaticRequest<'_>,
    status: StatusCode,
    mut headers: HeaderMap,
    body: StaticBody,
) -> StaticReply {
    let body = if request.method == Method::HEAD {
        if body.is_empty() {
            headers.remove(CONTENT_LENGTH);
        }
        StaticBody::Empty
    } else {
        body
    };
    StaticReply::File {
        status,
        headers,
        body,
    }
}

/// mod_dir's redirect: the same URL with `/` added, query kept, path escaped as httpd's
/// `ap_escape_uri` escapes it.
fn add_slash(request: &StaticRequest<'_>) -> StaticReply {
    let mut location = String::new();
    if let Some(host) = request.host {
        let scheme = if request.is_tls { "https" } else { "http" };
        location.push_str(&format!("{scheme}://{host}"));
    }
    for &b in &percent_decoded(request.path).unwrap_or_default() {
        if b.is_ascii_alphanumeric() || b"$-_.+!*'(),:@&=/~".contains(&b) {
            location.push(b as char);
        } else {
            location.push_str(&format!("%{b:02x}"));
        }
    }
    location.push('/');
    if let Some(query) = request.query {
        location.push('?');
        location.push_str(query);
    }
    let mut headers = HeaderMap::new();
    insert(&mut headers, LOCATION, &location);
    let (status, reason) = (StatusCode::MOVED_PERMANENTLY, "directory without '/'");
    StaticReply::Page {
        status,
        headers,
        reason,
    }
}
