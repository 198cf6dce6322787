//! Session ids and their routes, found the way mod_jk finds them (docs/load-balancing.md#session-ids).
//!
//! The `;jsessionid=` path parameter wins over cookies. Every matching cookie value counts, and each id's
//! route is what follows its first `.`.

/// Where session ids are looked for (`session_path` includes its `;`).
#[derive(Debug, Clone, Copy)]
pub struct SessionNames<'a> {
    pub cookie: &'a str,
    pub path_param: &'a str,
}

/// The session ids of a request, in the order mod_jk tries them; empty when there are none.
pub fn session_ids<'c>(
    req_uri: &[u8],
    cookie_headers: impl Iterator<Item = &'c [u8]>,
    names: SessionNames<'_>,
) -> Vec<String> {
    if let Some(id) = from_path(req_uri, names.path_param.as_bytes()) {
        return vec![id];
    }
    let mut ids = Vec::new();
    for header in cookie_headers {
        from_cookie(header, names.cookie.as_bytes(), &mut ids);
    }
    ids
}

/// The first non-empty `<param>=value` in the path, the value running to `?`, `;` or `/`.
fn from_path(uri: &[u8], param: &[u8]) -> Option<String> {
    if param.is_empty() {
        return None;
    }
    let mut start = 0;
    while let Some(found) = find(&uri[start..], param) {
        let after = start + found + param.len();
        if uri.get(after) == Some(&b'=') {
            let value = &uri[after + 1..];
            let end = value
                .iter()
                .position(|b| matches!(b, b'?' | b';' | b'/'))
                .unwrap_or(value.len());
            if end > 0 {
                return Some(String::from_utf8_lossy(&value[..end]).into_owned());
            }
        }
        start = after;
    }
    None
}

/// Every `name=value` cookie in one Cookie header; the name must start the header or follow `;`, `,`
/// or white space; the value ends at `;` or `,` and loses surrounding quotes.
fn from_cookie(header: &[u8], name: &[u8], ids: &mut Vec<String>) {
    if name.is_empty() {
        return;
    }
    let mut start = 0;
    while let Some(found) = find(&header[start..], name) {
        let at = start + found;
        start = at + name.len();
        let boundary = at == 0 || matches!(header[at - 1], b';' | b',' | b' ' | b'\t');
        if !boundary {
            continue;
        }
        let mut rest = &header[start..];
        while let [b' ' | b'\t', tail @ ..] = rest {
            rest = tail;
        }
        let Some(value) = rest.strip_prefix(b"=") else {
            continue;
        };
        let end = value
            .iter()
            .position(|b| matches!(b, b';' | b','))
            .unwrap_or(value.len());
        let mut value = value[..end].trim_ascii();
        if let [b'"', inner @ .., b'"'] = value {
            value = inner;
        }
        if !value.is_empty() {
            ids.push(String::from_utf8_lossy(value).into_owned());
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The route of a session id: everything after its first `.`.
pub fn route_of(id: &str) -> Option<&str> {
    id.split_once('.')
        .map(|(_, route)| route)
        .filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: SessionNames<'static> = SessionNames {
        cookie: "JSESSIONID",
        path_param: ";jsessionid",
    };

    fn ids(uri: &str, cookies: &[&str]) -> Vec<String> {
        session_ids(uri.as_bytes(), cookies.iter().map(|c| c.as_bytes()), NAMES)
    }

    #[test]
    fn cookie_ids_and_routes() {
        assert_eq!(ids("/app", &["JSESSIONID=ABC.node1"]), ["ABC.node1"]);
        assert_eq!(route_of("ABC.node1"), Some("node1"));
        assert_eq!(route_of("ABC.dom1.n2"), Some("dom1.n2"));
        assert_eq!(route_of("ABC"), None);
        assert_eq!(ids("/app", &["a=1; JSESSIONID = \"X.n2\" , b=2"]), ["X.n2"]);
        assert_eq!(
            ids("/app", &["XJSESSIONID=no; JSESSIONID=yes.n1"]),
            ["yes.n1"]
        );
        assert_eq!(ids("/app", &["JSESSIONID="]), Vec::<String>::new());
        assert_eq!(
            ids("/app", &["jsessionid=lower.n1"]),
            Vec::<String>::new(),
            "case-sensitive"
        );
    }

    #[test]
    fn every_matching_cookie_counts_in_order() {
        assert_eq!(
            ids("/", &["JSESSIONID=A.n1", "x=1; JSESSIONID=B.n2"]),
            ["A.n1", "B.n2"]
        );
    }

    #[test]
    fn the_path_parameter_wins_and_ends_at_delimiters() {
        assert_eq!(
            ids("/app/x;jsessionid=P.n2?q=1", &["JSESSIONID=C.n1"]),
            ["P.n2"]
        );
        assert_eq!(ids("/app;jsessionid=P.n2/more", &[]), ["P.n2"]);
        assert_eq!(
            ids("/app;jsessionid=;x;jsessionid=Q.n1", &[]),
            ["Q.n1"],
            "first non-empty"
        );
        assert_eq!(ids("/app;jsessionidx=1", &["JSESSIONID=C.n1"]), ["C.n1"]);
    }
}
