//! A request path → the file that answers it, never one outside its root.
//!
//! The path is the request pipeline's decoded, dot-resolved form (httpd's `r->uri`), never the raw URI.
//! Containment does not trust that alone: every segment is checked again (`.`, `..`, NUL, empty), the
//! candidate is canonicalised (all symlinks resolved) and must still lie under the canonical root.
//! So a symlink inside the root that points inside it is followed, one that leaves it is refused with
//! 403 — httpd's answer for a link it may not follow. (Debian's `Options FollowSymLinks` would follow
//! it; see docs/static-files.md.)
//! * Any segment starting with `.ht` is refused with 403, as Debian's `<FilesMatch "^\.ht"> Require all
//!   denied` refuses `.htaccess` and `.htpasswd`; here also as a directory name on the way.
//! * A directory: without a trailing slash, 301 to the slash form (mod_dir's `DirectorySlash On`);
//!   with one, its `index.html` (DirectoryIndex) or, without one, 403 as httpd with `Options -Indexes`.
//! * A file followed by a slash or more segments: 404, as httpd's default handler refuses path info.

use std::ffi::OsStr;
use std::fs::Metadata;
use std::io::ErrorKind;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// mod_dir's `DirectoryIndex`, Debian's first choice.
pub const DIRECTORY_INDEX: &str = "index.html";

/// The canonical roots, resolved once at start.
#[derive(Debug, Clone)]
pub struct Roots {
    pub document_root: Option<PathBuf>,
    /// URL prefix → canonical directory, in configuration order.
    pub aliases: Vec<(String, PathBuf)>,
}

/// What a path resolves to.
#[derive(Debug)]
pub enum Resolved {
    /// A regular file: its canonical path and the name its type comes from.
    File { path: PathBuf, name: Vec<u8> },
    /// A directory asked for without its trailing slash.
    AddSlash,
    /// 403; the reason is for the log only and never names a file system path.
    Forbidden(&'static str),
    /// 404; likewise.
    NotFound(&'static str),
}

impl Roots {
    /// The directory serving `path`, and the rest of `path` below it: the first alias whose prefix
    /// matches whole segments (httpd's `alias_matches`), else the document root.
    fn base_for<'p>(&self, path: &'p [u8]) -> Option<(&Path, &'p [u8])> {
        for (prefix, dir) in &self.aliases {
            let prefix = prefix.as_bytes();
            if prefix.ends_with(b"/") {
                if path.starts_with(prefix) {
                    return Some((dir, &path[prefix.len() - 1..]));
                }
            } else if path.starts_with(prefix)
                && matches!(path.get(prefix.len()), None | Some(b'/'))
            {
                return Some((dir, &path[prefix.len()..]));
            }
        }
        self.document_root.as_deref().map(|root| (root, path))
    }
}

/// `%XX` escapes decoded; `None` for a malformed one.
pub fn percent_decoded(escaped: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(escaped.len());
    let mut i = 0;
    while i < escaped.len() {
        if escaped[i] == b'%' {
            let hex = std::str::from_utf8(escaped.get(i + 1..i + 3)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(escaped[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Resolves `path` (decoded, dot segments resolved, starting with `/`).
pub fn resolve(roots: &Roots, path: &[u8]) -> Resolved {
    let Some((root, rest)) = roots.base_for(path) else {
        return Resolved::NotFound("no document root for this path");
    };
    let trailing_slash = path.ends_with(b"/");
    let mut candidate = root.to_path_buf();
    let mut name: &[u8] = b"";
    for segment in rest.split(|&b| b == b'/').filter(|s| !s.is_empty()) {
        if segment == b"." || segment == b".." || segment.contains(&0) {
            return Resolved::Forbidden("dot segment or NUL in the path");
        }
        if segment.starts_with(b".ht") {
            return Resolved::Forbidden("hidden .ht file");
        }
        candidate.push(OsStr::from_bytes(segment));
        name = segment;
    }
    let (real, meta) = match contained(root, &candidate) {
        Ok(found) => found,
        Err(refusal) => return refusal.into(),
    };
    if meta.is_dir() {
        if !trailing_slash {
            return Resolved::AddSlash;
        }
        return match contained(root, &real.join(DIRECTORY_INDEX)) {
            Ok((path, meta)) if meta.is_file() => Resolved::File {
                path,
                name: DIRECTORY_INDEX.as_bytes().to_vec(),
            },
            Ok(_) | Err(Refusal::NotFound(_)) => {
                Resolved::Forbidden("directory without index (no listings)")
            }
            Err(refusal) => refusal.into(),
        };
    }
    if !meta.is_file() {
        return Resolved::Forbidden("not a regular file");
    }
    if trailing_slash {
        return Resolved::NotFound("a file followed by '/'");
    }
    Resolved::File {
        path: real,
        name: name.to_vec(),
    }
}

/// Why [`contained`] refused.
enum Refusal {
    Forbidden(&'static str),
    NotFound(&'static str),
}

impl From<Refusal> for Resolved {
    fn from(refusal: Refusal) -> Resolved {
        match refusal {
            Refusal::Forbidden(why) => Resolved::Forbidden(why),
            Refusal::NotFound(why) => Resolved::NotFound(why),
        }
    }
}

/// The canonical form of `candidate` and its metadata, if it exists under `root`; else the refusal.
fn contained(root: &Path, candidate: &Path) -> Result<(PathBuf, Metadata), Refusal> {
    let real = candidate
        .canonicalize()
        .map_err(|error| match error.kind() {
            ErrorKind::PermissionDenied => Refusal::Forbidden("permission denied"),
            _ => Refusal::NotFound("no such file"),
        })?;
    if !real.starts_with(root) {
        return Err(Refusal::Forbidden("symbolic link leaves the root"));
    }
    let meta = real.metadata().map_err(|error| match error.kind() {
        ErrorKind::PermissionDenied => Refusal::Forbidden("permission denied"),
        _ => Refusal::NotFound("no such file"),
    })?;
    Ok((real, meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (PathBuf, Roots) {
        let base = std::env::temp_dir().join(format!("ajpgate-resolve-{}", std::process::id()));
        let root = base.join("root");
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(root.join("empty")).unwrap();
        std::fs::write(root.join("a.txt"), "a").unwrap();
        std::fs::write(root.join("sub/index.html"), "i").unwrap();
        std::fs::write(root.join(".htpasswd"), "x").unwrap();
        std::fs::write(base.join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(base.join("secret"), root.join("out")).unwrap();
        std::os::unix::fs::symlink(root.join("a.txt"), root.join("in")).unwrap();
        let root = root.canonicalize().unwrap();
        let roots = Roots {
            document_root: Some(root.clone()),
            aliases: vec![("/alias".into(), root.join("sub"))],
        };
        (base, roots)
    }

    fn kind(r: Resolved) -> String {
        match r {
            Resolved::File { name, .. } => format!("file {}", String::from_utf8_lossy(&name)),
            Resolved::AddSlash => "301".into(),
            Resolved::Forbidden(_) => "403".into(),
            Resolved::NotFound(_) => "404".into(),
        }
    }

    #[test]
    fn resolves_as_httpd_and_never_leaves_the_root() {
        let (base, roots) = tree();
        let cases: &[(&[u8], &str)] = &[
            (b"/a.txt", "file a.txt"),
            (b"/a.txt/", "404"),
            (b"/a.txt/x", "404"),
            (b"/sub", "301"),
            (b"/sub/", "file index.html"),
            (b"/empty/", "403"),
            (b"/.htpasswd", "403"),
            (b"/out", "403"),
            (b"/in", "file in"),
            (b"/../secret", "403"),
            (b"/nope", "404"),
            (b"/alias/", "file index.html"),
            (b"/alias", "301"),
            (b"/aliasx", "404"),
            (b"/a\0.txt", "403"),
        ];
        for (path, want) in cases {
            let got = kind(resolve(&roots, path));
            assert_eq!(&got, want, "{}", String::from_utf8_lossy(path));
        }
        let _ = std::fs::remove_dir_all(base);
    }

    #[test]
    fn percent_decoding_is_exact() {
        assert_eq!(percent_decoded(b"/a%20b%2F").unwrap(), b"/a b/");
        assert_eq!(percent_decoded(b"/%zz"), None);
        assert_eq!(percent_decoded(b"/%2"), None);
    }
}
