//! Reading a configuration tree in httpd's order (server/config.c, `ap_build_config`,
//! `ap_build_cont_config`, `ap_soak_end_container`; server/core.c, `include_config`, `start_ifmod`,
//! `start_ifdefine`).
//!
//! httpd acts on some directives while it reads, before anything else sees the tree: `Define` and
//! `UnDefine`, `ServerRoot`, `LoadModule`, `Include`, and the conditional sections. Their effect
//! depends on the lines above them only, so this reader does the same in one pass, line by line:
//! `${NAME}` is substituted with what is defined at that line, a false `<IfModule>` is skipped without
//! reading its contents (so an `Include` in it is not followed and a missing variable in it is not
//! reported), and an `Include` reads its files in place.

use std::path::{Path, PathBuf};

use super::condition;
use super::defines::Defines;
use super::include;
use super::lines::{Line, logical_lines};
use super::modules::Modules;
use super::tree::{Directive, IncludedFile, Place};
use super::words::{first_word, is_space, words};
use crate::config::{Diagnostic, Severity};

/// How deep `Include`s may nest (httpd's `AP_MAX_INCLUDE_DEPTH`): deeper is a loop.
const MAX_INCLUDE_DEPTH: usize = 128;

pub struct Reader {
    pub root: PathBuf,
    pub defines: Defines,
    pub modules: Modules,
    pub includes: Vec<IncludedFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One file's logical lines and how far the reader has got.
struct Cursor<'a> {
    file: &'a Path,
    lines: &'a [Line],
    next: usize,
}

/// A section's opening line, split: `<VirtualHost *:80>` is `VirtualHost` with `*:80`.
struct Opening {
    name: String,
    raw_args: String,
}

impl Reader {
    /// Reads `file` and what it includes; `from_line` and `depth` say who included it.
    pub fn read_file(
        &mut self,
        file: &Path,
        from_line: Option<usize>,
        depth: usize,
    ) -> Vec<Directive> {
        self.includes.push(IncludedFile {
            path: file.to_path_buf(),
            from_line,
            depth,
        });
        let content = match std::fs::read(file) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                self.error(file, None, None, format!("could not read the file: {e}"));
                return Vec::new();
            }
        };
        let lines = match logical_lines(&content) {
            Ok(lines) => lines,
            Err(line) => {
                self.error(file, Some(line), None, "Line too long".into());
                return Vec::new();
            }
        };
        let mut cursor = Cursor {
            file,
            lines: &lines,
            next: 0,
        };
        self.block(&mut cursor, None, depth)
    }

    /// Directives up to the end of the file, or to the `</NAME>` closing `open`.
    fn block(
        &mut self,
        cursor: &mut Cursor,
        open: Option<(&str, usize)>,
        depth: usize,
    ) -> Vec<Directive> {
        let mut out = Vec::new();
        while let Some(line) = cursor.lines.get(cursor.next) {
            cursor.next += 1;
            let text = self.substitute(cursor.file, line);
            let (command, rest) = first_word(&text);
            if let Some(closing) = command.strip_prefix("</") {
                let closing = closing.trim_end_matches('>');
                match open {
                    Some((name, _)) if name.eq_ignore_ascii_case(closing) => return out,
                    Some((name, _)) => {
                        let message = format!("Expected </{name}> but saw </{closing}>");
                        self.error(cursor.file, Some(line.number), None, message);
                        return out;
                    }
                    None => {
                        let message = format!("</{closing}> without matching <{closing}> section");
                        self.error(cursor.file, Some(line.number), None, message);
                        continue;
                    }
                }
            }
            if let Some(opening) = opening(&command, rest) {
                self.section(cursor, line, opening, depth, &mut out);
                continue;
            }
            let place = Place {
                file: cursor.file.to_path_buf(),
                line: line.number,
            };
            let directive = Directive {
                args: words(rest),
                raw_args: rest.to_owned(),
                name: command,
                place,
                section: None,
            };
            self.act(directive, depth, &mut out);
        }
        if let Some((name, line)) = open {
            self.error(
                cursor.file,
                Some(line),
                None,
                format!("<{name}> was not closed."),
            );
        }
        out
    }

    fn section(
        &mut self,
        cursor: &mut Cursor,
        line: &Line,
        opening: Opening,
        depth: usize,
        out: &mut Vec<Directive>,
    ) {
        let Some(raw_args) = opening
            .raw_args
            .trim_end_matches(is_space)
            .strip_suffix('>')
        else {
            let message = format!("<{} directive missing closing '>'", opening.name);
            self.error(cursor.file, Some(line.number), None, message);
            soak(cursor);
            return;
        };
        let args = words(raw_args);
        let open = Some((opening.name.as_str(), line.number));
        match condition::judge(
            &opening.name,
            &args,
            &self.defines,
            &self.modules,
            &self.root,
        ) {
            Some(Ok(true)) => {
                let inner = self.block(cursor, open, depth);
                out.extend(inner);
            }
            Some(Ok(false)) => {
                if !soak(cursor) {
                    let message = format!("<{}> was not closed.", opening.name);
                    self.error(cursor.file, Some(line.number), None, message);
                }
            }
            Some(Err(message)) => {
                let key = Some(opening.name.as_str());
                self.error(cursor.file, Some(line.number), key, message);
                soak(cursor);
            }
            None => {
                let children = self.block(cursor, open, depth);
                out.push(Directive {
                    args,
                    raw_args: raw_args.trim_matches(is_space).to_owned(),
                    place: Place {
                        file: cursor.file.to_path_buf(),
                        line: line.number,
                    },
                    name: opening.name,
                    section: Some(children),
                });
            }
        }
    }

    /// What httpd does while reading; the directive is then kept in the tree.
    fn act(&mut self, directive: Directive, depth: usize, out: &mut Vec<Directive>) {
        let name = directive.name.to_ascii_lowercase();
        let args = &directive.args;
        let file = directive.place.file.clone();
        let line = Some(directive.place.line);
        match name.as_str() {
            "define" => {
                let value = args.get(1).map(String::as_str);
                let name = args.first().map(String::as_str).unwrap_or("");
                if let Err(message) = self.defines.define(name, value) {
                    self.error(&file, line, Some("Define"), message);
                }
            }
            "undefine" => args.iter().for_each(|name| self.defines.undefine(name)),
            "serverroot" => match args.first() {
                Some(root) => self.root = PathBuf::from(root),
                None => self.error(&file, line, Some("ServerRoot"), "needs a directory".into()),
            },
            "loadmodule" => self.load_module(&directive),
            "include" | "includeoptional" => {
                let optional = name == "includeoptional";
                let included = self.include(&directive, optional, depth);
                out.push(directive);
                out.extend(included);
                return;
            }
            _ => {}
        }
        out.push(directive);
    }

    fn load_module(&mut self, directive: &Directive) {
        let place = &directive.place;
        match directive.args.as_slice() {
            [name, file] => {
                if !self.modules.load(name, file) {
                    let message = format!("module {name} is already loaded, skipping");
                    self.warn(&place.file, place.line, "LoadModule", message);
                }
            }
            _ => self.error(
                &place.file,
                Some(place.line),
                Some("LoadModule"),
                "takes a module name and a file".into(),
            ),
        }
    }

    fn include(&mut self, directive: &Directive, optional: bool, depth: usize) -> Vec<Directive> {
        let place = &directive.place;
        let key = Some(directive.name.as_str());
        let Some(pattern) = directive.args.first() else {
            let message = "needs a file, a directory or a wildcard pattern".into();
            self.error(&place.file, Some(place.line), key, message);
            return Vec::new();
        };
        if depth + 1 > MAX_INCLUDE_DEPTH {
            let message = format!(
                "Exceeded the maximum include directory nesting level of {MAX_INCLUDE_DEPTH}. \
                 You have probably a recursion somewhere."
            );
            self.error(&place.file, Some(place.line), key, message);
            return Vec::new();
        }
        let files = match include::expand(&self.root, pattern, optional) {
            Ok(files) => files,
            Err(message) => {
                self.error(&place.file, Some(place.line), key, message);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for file in files {
            out.extend(self.read_file(&file, Some(place.line), depth + 1));
        }
        out
    }

    fn substitute(&mut self, file: &Path, line: &Line) -> String {
        let (text, unresolved) = self.defines.resolve(&line.text);
        for name in unresolved {
            let message = format!("Config variable ${{{name}}} is not defined");
            self.warn(file, line.number, "Define", message);
        }
        text
    }

    fn error(&mut self, file: &Path, line: Option<usize>, key: Option<&str>, message: String) {
        self.diagnostics.push(Diagnostic {
            file: file.to_path_buf(),
            line,
            key: key.map(str::to_owned),
            message,
            severity: Severity::Error,
        });
    }

    fn warn(&mut self, file: &Path, line: usize, key: &str, message: String) {
        self.diagnostics.push(Diagnostic {
            file: file.to_path_buf(),
            line: Some(line),
            key: Some(key.to_owned()),
            message,
            severity: Severity::Warning,
        });
    }
}

/// `<Name args>` (or `<Name>`) as a section opening; `None` for a plain directive or a closing tag.
fn opening(command: &str, rest: &str) -> Option<Opening> {
    let name = command.strip_prefix('<').filter(|n| !n.starts_with('/'))?;
    match name.strip_suffix('>') {
        Some(bare) if rest.is_empty() => Some(Opening {
            name: bare.to_owned(),
            raw_args: ">".into(),
        }),
        _ => Some(Opening {
            name: name.to_owned(),
            raw_args: rest.to_owned(),
        }),
    }
}

/// Skips a section's contents up to its end, nested sections included, without acting on them;
/// false when the file ended first.
fn soak(cursor: &mut Cursor) -> bool {
    let mut depth = 1;
    while let Some(line) = cursor.lines.get(cursor.next) {
        cursor.next += 1;
        let (command, _) = first_word(&line.text);
        if command.starts_with("</") {
            depth -= 1;
            if depth == 0 {
                return true;
            }
        } else if command.starts_with('<') {
            depth += 1;
        }
    }
    false
}
