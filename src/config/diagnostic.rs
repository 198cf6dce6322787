//! Problems found in configuration files, each with the place it was found.
//!
//! mod_jk either logs a configuration problem and carries on, or refuses to start httpd. We keep that
//! split as two severities: a [`Severity::Warning`] is something mod_jk accepts (often silently) and
//! ajpgate accepts too, an [`Severity::Error`] stops the load. Every message names the file, the line
//! and the key as written, so an operator can go straight to it: `workers.properties:12:
//! worker.node1.prot: unknown property 'prot' of worker 'node1'`.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem, with where it was found. Display: `FILE:LINE: KEY: message` (LINE and KEY left out
/// when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
    pub severity: Severity,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, "{line}:")?;
        }
        if let Some(key) = &self.key {
            write!(f, " {key}:")?;
        }
        write!(f, " {}", self.message)
    }
}

/// Where a value was written: the file, the line and the key as it stands on that line. A value a
/// worker inherited through `reference` keeps the origin of the template's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    pub line: usize,
    pub key: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// Why a configuration could not be loaded: every diagnostic found, errors and warnings, in the order
/// they were found. Display: one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<Diagnostic>);

impl ConfigErrors {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Collects diagnostics while a configuration is read.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics(pub(crate) Vec<Diagnostic>);

impl Diagnostics {
    /// A problem with a value written at `origin`.
    pub(crate) fn at(&mut self, severity: Severity, origin: &Origin, message: impl Into<String>) {
        self.0.push(Diagnostic {
            file: origin.file.clone(),
            line: Some(origin.line),
            key: Some(origin.key.clone()),
            message: message.into(),
            severity,
        });
    }

    pub(crate) fn error_at(&mut self, origin: &Origin, message: impl Into<String>) {
        self.at(Severity::Error, origin, message);
    }

    pub(crate) fn warn_at(&mut self, origin: &Origin, message: impl Into<String>) {
        self.at(Severity::Warning, origin, message);
    }

    /// A problem with a line that holds no usable key.
    pub(crate) fn line(
        &mut self,
        severity: Severity,
        file: &Path,
        line: usize,
        message: impl Into<String>,
    ) {
        self.0.push(Diagnostic {
            file: file.to_path_buf(),
            line: Some(line),
            key: None,
            message: message.into(),
            severity,
        });
    }

    /// A problem with a whole file, or with something that has no line (a command-line mount).
    pub(crate) fn file(
        &mut self,
        severity: Severity,
        file: &Path,
        key: Option<&str>,
        message: impl Into<String>,
    ) {
        self.0.push(Diagnostic {
            file: file.to_path_buf(),
            line: None,
            key: key.map(str::to_string),
            message: message.into(),
            severity,
        });
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_leaves_out_what_is_unknown() {
        let mut d = Diagnostic {
            file: PathBuf::from("workers.properties"),
            line: Some(12),
            key: Some("worker.node1.prot".into()),
            message: "unknown property 'prot' of worker 'node1'".into(),
            severity: Severity::Error,
        };
        assert_eq!(
            d.to_string(),
            "workers.properties:12: worker.node1.prot: unknown property 'prot' of worker 'node1'"
        );
        d.key = None;
        assert_eq!(
            d.to_string(),
            "workers.properties:12: unknown property 'prot' of worker 'node1'"
        );
        d.line = None;
        assert_eq!(
            d.to_string(),
            "workers.properties: unknown property 'prot' of worker 'node1'"
        );
    }
}
