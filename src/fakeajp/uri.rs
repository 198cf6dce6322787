//! What the fake backend reads from `req_uri` and the `query_string` attribute.
//!
//! AJP carries the path and the query separately (a `?` in `req_uri` is part of the path,
//! docs/tomcat.md#forward-request-fields), so routing looks at `req_uri` only and parameters come from the query-string attribute. Path
//! parameters (`;jsessionid=...`) are removed before routing, as Tomcat does, and handed to the session
//! page. Nothing here decodes `%` escapes: every parameter the fake backend understands is a number or a
//! flag.

/// `req_uri` split into the path used for routing and its `;name=value` path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub path: String,
    pub path_params: Vec<(String, String)>,
}

impl Target {
    /// Parses `req_uri` bytes (invalid UTF-8 is replaced, never refused: the fake backend serves anything).
    pub fn parse(req_uri: &[u8]) -> Self {
        let uri = String::from_utf8_lossy(req_uri);
        let mut path = String::with_capacity(uri.len());
        let mut path_params = Vec::new();
        for (i, segment) in uri.split('/').enumerate() {
            if i > 0 {
                path.push('/');
            }
            let mut parts = segment.split(';');
            path.push_str(parts.next().unwrap_or(""));
            for param in parts {
                let (name, value) = param.split_once('=').unwrap_or((param, ""));
                path_params.push((name.to_owned(), value.to_owned()));
            }
        }
        Self { path, path_params }
    }
}

/// The value of the first `name=value` pair called `name` in a raw query string.
pub(crate) fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A numeric query parameter; absent or not a number gives `None`.
pub(crate) fn query_number(query: &str, name: &str) -> Option<u64> {
    query_param(query, name)?.parse().ok()
}

/// A flag parameter: `name=1` (or `true`/`yes`).
pub(crate) fn query_flag(query: &str, name: &str) -> bool {
    matches!(query_param(query, name), Some("1" | "true" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_are_removed_from_every_segment() {
        let target = Target::parse(b"/a;x=1/session;jsessionid=ABC.node1");
        assert_eq!(target.path, "/a/session");
        assert_eq!(
            target.path_params,
            [
                ("x".to_owned(), "1".to_owned()),
                ("jsessionid".to_owned(), "ABC.node1".to_owned())
            ]
        );
        assert_eq!(Target::parse(b"/plain").path, "/plain");
        assert_eq!(Target::parse(b"").path, "");
        assert_eq!(Target::parse(b"/\xff").path, "/\u{fffd}");
    }

    #[test]
    fn query_parameters() {
        let query = "n=10&flush=1&chunk=&x";
        assert_eq!(query_number(query, "n"), Some(10));
        assert_eq!(query_number(query, "chunk"), None);
        assert!(query_flag(query, "flush"));
        assert!(!query_flag(query, "x"));
        assert!(!query_flag(query, "cl"));
        assert_eq!(query_param(query, "x"), Some(""));
        assert_eq!(query_number("n=99999999999999999999999", "n"), None);
    }
}
