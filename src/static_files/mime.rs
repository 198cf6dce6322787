//! Content-Type by file extension, as mod_mime with `TypesConfig /etc/mime.types` decides it: every
//! extension after the first dot of the name is looked up (case-insensitively) and the last one known
//! wins, so `x.html.en` is text/html; a name with none known gets no Content-Type at all (httpd 2.4
//! has no DefaultType). Without the types file a small built-in table is used.

use std::collections::HashMap;
use std::path::Path;

/// The file httpd's TypesConfig reads on Debian.
pub const TYPES_CONFIG: &str = "/etc/mime.types";

/// Used only when the types file cannot be read.
const BUILT_IN: &[(&str, &str)] = &[
    ("html", "text/html"),
    ("htm", "text/html"),
    ("css", "text/css"),
    ("js", "text/javascript"),
    ("mjs", "text/javascript"),
    ("txt", "text/plain"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("svg", "image/svg+xml"),
    ("ico", "image/vnd.microsoft.icon"),
    ("webp", "image/webp"),
    ("pdf", "application/pdf"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("wasm", "application/wasm"),
    ("zip", "application/zip"),
];

/// Extension (lower case) → media type.
#[derive(Debug, Clone)]
pub struct Types(HashMap<String, String>);

impl Types {
    /// Reads a mime.types file; the built-in table when it cannot be read.
    pub fn load(file: &Path) -> Types {
        match std::fs::read(file) {
            Ok(bytes) => Types::parse(&String::from_utf8_lossy(&bytes)),
            Err(error) => {
                tracing::warn!(
                    "static files: cannot read {}: {error}; using the built-in types",
                    file.display()
                );
                Types::built_in()
            }
        }
    }

    pub fn built_in() -> Types {
        Types(
            BUILT_IN
                .iter()
                .map(|(ext, ty)| ((*ext).to_owned(), (*ty).to_owned()))
                .collect(),
        )
    }

    /// `type ext ext ...` lines; `#` starts a comment. A later line's extension replaces an earlier one,
    /// as mod_mime's table does.
    pub fn parse(text: &str) -> Types {
        let mut map = HashMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default();
            let mut words = line.split_whitespace();
            let Some(media_type) = words.next() else {
                continue;
            };
            for ext in words {
                map.insert(ext.to_ascii_lowercase(), media_type.to_ascii_lowercase());
            }
        }
        Types(map)
    }

    /// The type for a file name (its last path component, as sent by the client's path).
    pub fn for_name(&self, name: &[u8]) -> Option<&str> {
        let mut found = None;
        for ext in name.split(|&b| b == b'.').skip(1) {
            let ext = String::from_utf8_lossy(ext).to_ascii_lowercase();
            if let Some(media_type) = self.0.get(&ext) {
                found = Some(media_type.as_str());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_known_extension_wins_and_unknown_has_none() {
        let types = Types::parse("text/html html htm # web\ntext/plain txt\n");
        assert_eq!(types.for_name(b"a.HTML"), Some("text/html"));
        assert_eq!(types.for_name(b"a.txt.html"), Some("text/html"));
        assert_eq!(types.for_name(b"a.html.zzz"), Some("text/html"));
        assert_eq!(types.for_name(b"Makefile"), None);
        assert_eq!(types.for_name(b"html"), None);
    }

    #[test]
    fn built_in_table_knows_the_common_types() {
        assert_eq!(Types::built_in().for_name(b"x.css"), Some("text/css"));
    }
}
