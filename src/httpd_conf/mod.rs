//! httpd 2.4's configuration files read the way httpd reads them, so that `ajpgate --httpd
//! /etc/apache2/apache2.conf` can take over a site from the files it already has (docs/httpd-conf.md).
//!
//! This layer only reads: it yields the directive tree with every directive's file and line, after
//! what httpd itself settles while reading (includes, defines, conditional sections, loaded modules).
//! What the directives mean for ajpgate — mounts, hosts, listeners — is decided by the layers above.
//!
//! Layout:
//! * [`lines`] — physical lines to logical ones (continuations, comments, line numbers).
//! * [`words`] — a line split into words with httpd's quoting rules (nom).
//! * [`defines`] — `Define`, `-D` and `${NAME}` substitution.
//! * [`envvars`] — Debian's envvars shell file, the environment `${NAME}` falls back to.
//! * [`modules`] — the modules `LoadModule` has loaded so far, for `<IfModule>`.
//! * [`condition`] — `<IfModule>`, `<IfDefine>`, `<IfFile>`, `<IfVersion>`.
//! * [`include`] — the files an `Include` names: wildcards, directories, sorting.
//! * [`reader`] — the one pass over the files that does all of the above in httpd's order.
//! * [`tree`] — what comes out: directives and sections with their places.

pub mod condition;
pub mod defines;
pub mod envvars;
pub mod include;
pub mod lines;
pub mod modules;
mod reader;
pub mod tree;
pub mod words;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{ConfigErrors, Diagnostic, Severity};
pub use modules::Module;
pub use tree::{Directive, IncludedFile, Place, walk};

/// What the command line adds to the files.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `-D NAME`: names `<IfDefine>` sees as defined.
    pub defines: Vec<String>,
    /// `-d DIR`: ServerRoot before any `ServerRoot` line; the main file's directory when absent.
    pub server_root: Option<PathBuf>,
}

/// A configuration tree as httpd would have read it.
#[derive(Debug, Clone)]
pub struct HttpdConf {
    pub main: PathBuf,
    /// ServerRoot at the end of reading: relative paths in directives are taken from it.
    pub root: PathBuf,
    pub directives: Vec<Directive>,
    /// Every file read, in reading order, the main file first.
    pub includes: Vec<IncludedFile>,
    /// Every module loaded, static ones first.
    pub modules: Vec<Module>,
    /// Names defined at the end (`-D` first, then `Define`s), in the order of definition.
    pub defined: Vec<String>,
    /// `Define NAME VALUE` values in force at the end.
    pub variables: BTreeMap<String, String>,
    /// What httpd would warn about (undefined `${NAME}`, a module loaded twice, …).
    pub warnings: Vec<Diagnostic>,
}

/// Reads `main` and everything it includes. Fails with every error found, each with file and line.
pub fn read(main: &Path, options: &ReadOptions) -> Result<HttpdConf, ConfigErrors> {
    let confdir = main.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut diagnostics = Vec::new();
    let envvars_file = confdir.join("envvars");
    let environment = if envvars_file.is_file() {
        envvars::environment_after(&envvars_file, &confdir).unwrap_or_else(|message| {
            diagnostics.push(Diagnostic {
                file: envvars_file.clone(),
                line: None,
                key: None,
                message,
                severity: Severity::Error,
            });
            BTreeMap::new()
        })
    } else {
        envvars::process_environment()
    };
    let mut reader = reader::Reader {
        root: options.server_root.clone().unwrap_or(confdir),
        defines: defines::Defines::new(&options.defines, environment),
        modules: modules::Modules::default(),
        includes: Vec::new(),
        diagnostics,
    };
    let directives = reader.read_file(main, None, 0);
    if reader
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        return Err(ConfigErrors(reader.diagnostics));
    }
    Ok(HttpdConf {
        main: main.to_path_buf(),
        root: reader.root,
        directives,
        includes: reader.includes,
        modules: reader.modules.all().to_vec(),
        defined: reader.defines.names().to_vec(),
        variables: reader.defines.values().clone(),
        warnings: reader.diagnostics,
    })
}

impl HttpdConf {
    /// Every directive called `name`, sections' contents included, in file order.
    pub fn find<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        walk(&self.directives)
            .into_iter()
            .filter(move |d| d.is(name))
    }
}

#[cfg(test)]
mod tests;
