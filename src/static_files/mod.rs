//! Static files from a document root, as httpd 2.4's core `default_handler`, mod_dir, mod_mime and the
//! byterange filter serve them with Debian's defaults: every request no mount rule sends to Tomcat.
//! The request pipeline has already decoded and normalised the path; this module only ever sees that
//! form, maps it under a root it cannot leave, and answers GET/HEAD with httpd's validators,
//! conditional requests and ranges. Where ajpgate answers differently, docs/static-files.md says why.
//!
//! * [`resolve`] — URL path → file under the root or an alias: containment, symlinks, hidden files,
//!   directories (DirectoryIndex, the trailing-slash redirect).
//! * [`mime`] — Content-Type by extension from /etc/mime.types (httpd's TypesConfig).
//! * [`validators`] — ETag and Last-Modified as httpd makes them, and the RFC 9110 §13 preconditions.
//! * [`ranges`] — the Range header as httpd's byterange filter reads it, If-Range.
//! * [`body`] — the response body: bytes, file ranges, multipart/byteranges, streamed in bounded chunks.
//! * [`reply`] — one request's answer put together from the above.
//!
//! [`StaticSettings`] is a plain struct so the httpd-configuration reader can fill it from DocumentRoot
//! and Alias lines as the command line does today.

pub mod body;
pub mod mime;
pub mod ranges;
pub mod reply;
pub mod resolve;
pub mod validators;

use std::path::{Path, PathBuf};

pub use body::StaticBody;
pub use reply::{StaticReply, StaticRequest};

/// Where static files come from: httpd's `DocumentRoot` and `Alias` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticSettings {
    /// `DocumentRoot`; without it only aliases are served.
    pub document_root: Option<PathBuf>,
    /// `Alias URL-PREFIX DIR`, tried in order before the document root (mod_alias runs first).
    pub aliases: Vec<Alias>,
    /// The TypesConfig file; `None`: /etc/mime.types.
    pub types_config: Option<PathBuf>,
}

/// One `Alias URL-PREFIX DIR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub prefix: String,
    pub dir: PathBuf,
}

impl Alias {
    /// `URL-PREFIX=DIR`, as the command line gives it.
    pub fn parse(text: &str) -> Result<Alias, StaticError> {
        let (prefix, dir) = text
            .split_once('=')
            .ok_or_else(|| StaticError::BadAlias(text.to_owned()))?;
        if !prefix.starts_with('/') || dir.is_empty() {
            return Err(StaticError::BadAlias(text.to_owned()));
        }
        Ok(Alias {
            prefix: prefix.to_owned(),
            dir: PathBuf::from(dir),
        })
    }
}

/// Why the static settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StaticError {
    #[error("alias {0:?} is not URL-PREFIX=DIR with a prefix starting with '/'")]
    BadAlias(String),
    #[error("{0}: not a directory ({1})")]
    NotADirectory(PathBuf, String),
}

/// The settings made ready to serve: roots resolved once, the types table read once.
#[derive(Debug)]
pub struct StaticFiles {
    pub(crate) roots: resolve::Roots,
    pub(crate) types: mime::Types,
}

impl StaticFiles {
    /// Resolves the roots (each must be a directory) and reads the types file.
    pub fn load(settings: &StaticSettings) -> Result<StaticFiles, StaticError> {
        let canonical_dir = |dir: &Path| -> Result<PathBuf, StaticError> {
            let real = dir
                .canonicalize()
                .map_err(|e| StaticError::NotADirectory(dir.to_owned(), e.to_string()))?;
            if !real.is_dir() {
                return Err(StaticError::NotADirectory(dir.to_owned(), "a file".into()));
            }
            Ok(real)
        };
        let document_root = settings
            .document_root
            .as_deref()
            .map(canonical_dir)
            .transpose()?;
        let mut aliases = Vec::new();
        for alias in &settings.aliases {
            aliases.push((alias.prefix.clone(), canonical_dir(&alias.dir)?));
        }
        let types_file = settings
            .types_config
            .clone()
            .unwrap_or_else(|| PathBuf::from(mime::TYPES_CONFIG));
        Ok(StaticFiles {
            roots: resolve::Roots {
                document_root,
                aliases,
            },
            types: mime::Types::load(&types_file),
        })
    }

    /// Answers one request for a path no mount rule matched.
    pub fn serve(&self, request: &StaticRequest<'_>) -> StaticReply {
        reply::answer(&self.roots, &self.types, request)
    }

    /// Whether any root is configured.
    pub fn is_empty(&self) -> bool {
        self.roots.document_root.is_none() && self.roots.aliases.is_empty()
    }
}
