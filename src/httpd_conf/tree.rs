//! The configuration as read: directives in file order with the files of `Include`s spliced in and
//! the true `<IfModule>`/`<IfDefine>`/`<IfFile>` sections opened, every other section kept as a node
//! with its children. Each directive knows the file and line it came from, so everything built from it
//! can say where a problem is.

use std::fmt;
use std::path::PathBuf;

/// Where a directive was written: file and (last physical) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: PathBuf,
    pub line: usize,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One directive, or one section (`<VirtualHost *:80>`…`</VirtualHost>`) with its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The name as written (`JkMount`, `VirtualHost`); compare with [`Directive::is`].
    pub name: String,
    /// The arguments after `${NAME}` substitution, split into words.
    pub args: Vec<String>,
    /// The arguments as one string, for directives that take the rest of the line as it stands.
    pub raw_args: String,
    pub place: Place,
    /// `Some` for a section, with what it contains.
    pub section: Option<Vec<Directive>>,
}

impl Directive {
    /// Whether this is the directive `name` (directive names are case-insensitive in httpd).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The directives of a section; none for a plain directive.
    pub fn children(&self) -> &[Directive] {
        self.section.as_deref().unwrap_or(&[])
    }
}

#[cfg(test)]
impl Directive {
    /// A directive as the reader makes it, written at `line` of `file`: for unit tests of the layers
    /// that interpret directives.
    pub(crate) fn for_test(
        name: &str,
        args: &[&str],
        section: Option<Vec<Directive>>,
        (file, line): (&str, usize),
    ) -> Directive {
        Directive {
            name: name.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            raw_args: args.join(" "),
            place: Place {
                file: PathBuf::from(file),
                line,
            },
            section,
        }
    }
}

/// Every directive of `directives` and of the sections within, depth first, in file order.
pub fn walk(directives: &[Directive]) -> Vec<&Directive> {
    let mut out = Vec::new();
    let mut stack: Vec<std::slice::Iter<'_, Directive>> = vec![directives.iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(directive) => {
                out.push(directive);
                stack.push(directive.children().iter());
            }
            None => {
                stack.pop();
            }
        }
    }
    out
}

/// A file read for an `Include`, as `apache2 -t -D DUMP_INCLUDES` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludedFile {
    pub path: PathBuf,
    /// The line of the `Include` that read it; `None` for the main file.
    pub from_line: Option<usize>,
    /// 0 for the main file, 1 for what it includes, and so on.
    pub depth: usize,
}
