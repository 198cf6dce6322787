//! The properties-file syntax mod_jk uses for workers.properties and uriworkermap.properties.
//!
//! It is not Java's `.properties`: mod_jk reads a line with `fgets` into an 8192-byte buffer, cuts it at
//! the first `#` (values cannot contain `#`), trims C whitespace, splits at the first `=`, trims both
//! sides and drops the line if either side is empty. There are no continuation lines and no escapes.
//! `$(name)` in a value is replaced by an earlier property of that name, else by an environment
//! variable, else left as it is. We follow all of this, and where mod_jk silently drops a line we say so
//! in a warning.
//!
//! Every value remembers the line (or lines, for a list assembled from repeated keys) it came from, so
//! that later stages can point at the exact place of a problem. `reference` inheritance (copying a
//! template worker's keys) also lives here, because mod_jk does it on the raw key map before any worker
//! is built.

use std::collections::HashMap;
use std::path::Path;

use super::diagnostic::{Diagnostics, Origin, Severity};
use super::keys::{self, Repeat};
use super::values::{is_c_space, trim_c};

/// mod_jk's `fgets` buffer holds 8191 characters of a line; a longer line is read as several lines.
pub(crate) const MAX_LINE: usize = 8191;

/// mod_jk performs at most this many `$(...)` replacements (successful or not) in one value.
const MAX_SUBSTITUTIONS: usize = 21;

/// mod_jk gives up on `reference` chains nested deeper than this.
pub(crate) const MAX_REFERENCE_DEPTH: usize = 20;
/// A bound on what references may expand a file to, whatever their shape.
const MAX_PROPERTIES: usize = 100_000;

/// One key with its value, assembled from one line or, for a list key, several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub key: String,
    /// The pieces of the value in file order, each with its line; more than one only for list keys.
    pub parts: Vec<(String, Origin)>,
    /// Set when the entry was copied from a template by `reference`: the template's key.
    pub inherited_from: Option<String>,
}

impl Entry {
    /// The value as mod_jk sees it: the pieces joined with `,`.
    pub fn value(&self) -> String {
        let mut parts = self.parts.iter().map(|(v, _)| v.as_str());
        let first = parts.next().unwrap_or_default().to_string();
        parts.fold(first, |mut all, part| {
            all.push(',');
            all.push_str(part);
            all
        })
    }

    /// Where the value was (last) written.
    pub fn origin(&self) -> &Origin {
        &self.parts[self.parts.len() - 1].1
    }
}

/// The keys of one file in first-seen order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Properties {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

/// Looks up an environment variable for `$(name)`.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Properties {
    /// Reads one file. `repeat` says how a repeated key combines; every problem goes to `diags`.
    pub fn read(
        file: &Path,
        bytes: &[u8],
        repeat: &dyn Fn(&str) -> Repeat,
        env: EnvLookup<'_>,
        diags: &mut Diagnostics,
    ) -> Properties {
        let mut props = Properties::default();
        for (number, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line = number + 1;
            if raw.len() > MAX_LINE {
                diags.line(
                    Severity::Error,
                    file,
                    line,
                    format!(
                        "line of {} bytes is longer than mod_jk's limit of {MAX_LINE}; mod_jk would cut it into pieces",
                        raw.len()
                    ),
                );
                continue;
            }
            let mut raw = raw;
            if let Some(nul) = raw.iter().position(|&b| b == 0) {
                diags.line(
                    Severity::Warning,
                    file,
                    line,
                    "NUL byte: the rest of the line is ignored, as mod_jk does",
                );
                raw = &raw[..nul];
            }
            if let Some(hash) = raw.iter().position(|&b| b == b'#') {
                raw = &raw[..hash];
            }
            if raw.iter().all(|&b| is_c_space(b)) {
                continue;
            }
            if raw.starts_with("\u{feff}".as_bytes()) {
                diags.line(
                    Severity::Warning,
                    file,
                    line,
                    "starts with a byte order mark, which mod_jk reads as part of the key",
                );
            }
            // One character per byte, as mod_jk sees the file (see `config::latin1`).
            let text = super::latin1(raw);
            props.read_line(file, line, trim_c(&text), repeat, env, diags);
        }
        props
    }

    fn read_line(
        &mut self,
        file: &Path,
        line: usize,
        text: &str,
        repeat: &dyn Fn(&str) -> Repeat,
        env: EnvLookup<'_>,
        diags: &mut Diagnostics,
    ) {
        let Some((key, value)) = text.split_once('=') else {
            diags.line(
                Severity::Warning,
                file,
                line,
                format!("no '=' in '{text}': line ignored, as mod_jk does"),
            );
            return;
        };
        let (key, value) = (trim_c(key), trim_c(value));
        let origin = Origin {
            file: file.to_path_buf(),
            line,
            key: key.to_string(),
        };
        if key.is_empty() {
            diags.line(
                Severity::Warning,
                file,
                line,
                "empty key: line ignored, as mod_jk does",
            );
            return;
        }
        if value.is_empty() {
            diags.warn_at(&origin, "empty value: line ignored, as mod_jk does");
            return;
        }
        let value = self.substitute(value, &origin, env, diags);
        match self.index.get(key) {
            None => {
                self.index.insert(key.to_string(), self.entries.len());
                self.entries.push(Entry {
                    key: key.to_string(),
                    parts: vec![(value, origin)],
                    inherited_from: None,
                });
            }
            Some(&at) => {
                let entry = &mut self.entries[at];
                if repeat(key) == Repeat::Concatenate {
                    entry.parts.push((value, origin));
                } else {
                    diags.warn_at(
                        &origin,
                        format!(
                            "repeated key: '{}' (line {}) is replaced by '{value}'",
                            entry.value(),
                            entry.origin().line
                        ),
                    );
                    entry.parts = vec![(value, origin)];
                }
            }
        }
    }

    /// mod_jk's `jk_map_replace_properties`: each `$(name)` becomes the value of an earlier property,
    /// else of an environment variable; replaced text is not scanned again, unknown names stay as they
    /// are, and the scan stops after [`MAX_SUBSTITUTIONS`] attempts.
    fn substitute(
        &self,
        value: &str,
        origin: &Origin,
        env: EnvLookup<'_>,
        diags: &mut Diagnostics,
    ) -> String {
        let mut out = value.to_string();
        let mut from = 0;
        for _ in 0..MAX_SUBSTITUTIONS {
            let Some(start) = out[from..].find("$(").map(|i| from + i) else {
                break;
            };
            let Some(end) = out[start..].find(')').map(|i| start + i) else {
                break;
            };
            let name = &out[start + 2..end];
            let replacement = self.get(name).map(Entry::value).or_else(|| env(name));
            match replacement {
                Some(replacement) => {
                    out.replace_range(start..=end, &replacement);
                    from = start + replacement.len();
                }
                None => {
                    diags.warn_at(
                        origin,
                        format!(
                            "$({name}) is neither an earlier property nor an environment variable: left as it is"
                        ),
                    );
                    from = end;
                }
            }
        }
        out
    }

    /// A property that comes from elsewhere than a workers.properties line (an httpd directive put
    /// in mod_jk's terms); `origin` is that directive's place. A key given again is joined to a list
    /// key (`worker.list`) and replaces any other.
    pub fn set(&mut self, key: &str, value: &str, origin: Origin, repeat: &dyn Fn(&str) -> Repeat) {
        let part = (value.to_string(), origin);
        match self.index.get(key) {
            Some(&at) if repeat(key) == Repeat::Concatenate => self.entries[at].parts.push(part),
            Some(&at) => self.entries[at].parts = vec![part],
            None => {
                self.index.insert(key.to_string(), self.entries.len());
                self.entries.push(Entry {
                    key: key.to_string(),
                    parts: vec![part],
                    inherited_from: None,
                });
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.index.get(key).map(|&at| &self.entries[at])
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// mod_jk's `jk_map_resolve_references(map, "worker.", wildcard)`: for every key
    /// `worker.<w>.reference = worker.<t>`, first resolve `<t>`'s own reference, then copy every
    /// `worker.<t>.*` key to `worker.<w>.*` unless `<w>` sets it. Keys added on the way are visited too.
    pub fn resolve_references(&mut self, diags: &mut Diagnostics) {
        let mut at = 0;
        while at < self.entries.len() {
            let entry = &self.entries[at];
            at += 1;
            // A reference copied from a template was already followed when the template was resolved
            // (`inherit` recurses); following the copy again is how self-references grow without end.
            if entry.inherited_from.is_some() {
                continue;
            }
            let Some(worker) = reference_owner(&entry.key) else {
                continue;
            };
            let to = format!("{worker}.");
            let (target, origin) = (entry.value(), entry.origin().clone());
            if let Err(message) = self.inherit(&target, &to, 1) {
                diags.error_at(&origin, message);
            }
        }
    }

    /// Copies the keys under `<target>.` to `<to>` after resolving `<target>.reference`.
    /// `depth` counts the references followed so far; mod_jk fails when it would resolve the 20th
    /// template of a chain, whether or not that one refers further.
    fn inherit(&mut self, target: &str, to: &str, depth: usize) -> Result<(), String> {
        if depth >= MAX_REFERENCE_DEPTH {
            return Err(format!(
                "references nested deeper than {MAX_REFERENCE_DEPTH} (is there a loop?) at '{target}'"
            ));
        }
        let nested = format!("{target}.reference");
        if let Some(next) = self.get(&nested).map(Entry::value) {
            self.inherit(&next, &format!("{target}."), depth + 1)?;
        }
        let from = format!("{target}.");
        // `worker.a.b.reference=worker.a` would copy worker.a.b's own keys into worker.a.b.b, whose new
        // reference copies them again, without end. mod_jk refuses such a file; so does ajpgate.
        if to.starts_with(&from) {
            return Err(format!(
                "reference '{target}' contains the worker that refers to it ('{}'): it would copy itself without end",
                to.trim_end_matches('.')
            ));
        }
        if self.entries.len() > MAX_PROPERTIES {
            return Err(format!(
                "references expand the configuration beyond {MAX_PROPERTIES} properties"
            ));
        }
        let inherited: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| e.key.starts_with(&from))
            .map(|e| Entry {
                key: format!("{to}{}", &e.key[from.len()..]),
                parts: e.parts.clone(),
                inherited_from: Some(e.inherited_from.clone().unwrap_or_else(|| e.key.clone())),
            })
            .collect();
        if inherited.is_empty() {
            let hint = if target.starts_with(keys::WORKER_PREFIX) {
                ""
            } else {
                " (the value must be the whole prefix, such as 'worker.template')"
            };
            return Err(format!(
                "reference '{target}' names no properties: nothing is set under '{from}'{hint}"
            ));
        }
        for entry in inherited {
            if !self.index.contains_key(&entry.key) {
                self.index.insert(entry.key.clone(), self.entries.len());
                self.entries.push(entry);
            }
        }
        Ok(())
    }
}

/// For `worker.<w>.reference`, `worker.<w>`.
fn reference_owner(key: &str) -> Option<&str> {
    let owner = key.strip_suffix(".reference")?;
    owner
        .strip_prefix(keys::WORKER_PREFIX)
        .filter(|name| !name.is_empty())
        .map(|_| owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn read_with(text: &str, env: EnvLookup<'_>) -> (Properties, Diagnostics) {
        let mut diags = Diagnostics::default();
        let props = Properties::read(
            &PathBuf::from("w.properties"),
            text.as_bytes(),
            &keys::repeat,
            env,
            &mut diags,
        );
        (props, diags)
    }

    fn read(text: &str) -> (Properties, Diagnostics) {
        read_with(text, &|_| None)
    }

    fn value(props: &Properties, key: &str) -> Option<String> {
        props.get(key).map(Entry::value)
    }

    #[test]
    fn syntax_as_mod_jk_reads_it() {
        let (props, diags) = read(concat!(
            "  worker.list = a, b  # trailing comment\n",
            "# whole-line comment\n",
            "\r\n",
            "worker.a.host=h=x\r\n",
            "worker.a.secret=abc#def\n",
            "just text\n",
            "worker.a.port=\n",
            "=value\n",
            "worker.a.type\t=\tajp13\t\n",
        ));
        assert_eq!(value(&props, "worker.list").as_deref(), Some("a, b"));
        assert_eq!(value(&props, "worker.a.host").as_deref(), Some("h=x"));
        assert_eq!(value(&props, "worker.a.secret").as_deref(), Some("abc"));
        assert_eq!(value(&props, "worker.a.type").as_deref(), Some("ajp13"));
        assert_eq!(props.get("worker.a.port"), None);
        assert_eq!(props.entries().len(), 4);
        let lines: Vec<_> = diags.0.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![Some(6), Some(7), Some(8)]);
        assert!(!diags.has_errors());
        assert_eq!(props.get("worker.a.type").unwrap().origin().line, 9);
    }

    #[test]
    fn repeated_keys_concatenate_or_replace() {
        let (props, diags) = read(concat!(
            "worker.list=a\n",
            "worker.list=b c\n",
            "worker.a.port=1\n",
            "worker.a.port=2\n",
        ));
        assert_eq!(value(&props, "worker.list").as_deref(), Some("a,b c"));
        let list = props.get("worker.list").unwrap();
        assert_eq!(list.parts[0].1.line, 1);
        assert_eq!(list.parts[1].1.line, 2);
        assert_eq!(value(&props, "worker.a.port").as_deref(), Some("2"));
        assert_eq!(diags.0.len(), 1);
        assert_eq!(diags.0[0].line, Some(4));
        assert!(diags.0[0].message.contains("'1' (line 3)"));
    }

    #[test]
    fn substitution_uses_earlier_properties_then_the_environment() {
        let env = |name: &str| (name == "NET").then(|| "10.0.0".to_string());
        let (props, diags) = read_with(
            concat!(
                "ps=/\n",
                "workers.tomcat_home=/usr/share/tomcat$(ps)x\n",
                "worker.a.host=$(NET).11\n",
                "worker.a.route=$(later)-$(NET)\n",
                "later=1\n",
                "worker.b.host=$(loop)$(\n",
                "self=$(self)\n",
                "worker.c.host=$(ps\n",
            ),
            &env,
        );
        assert_eq!(
            value(&props, "workers.tomcat_home").as_deref(),
            Some("/usr/share/tomcat/x")
        );
        assert_eq!(value(&props, "worker.a.host").as_deref(), Some("10.0.0.11"));
        assert_eq!(
            value(&props, "worker.a.route").as_deref(),
            Some("$(later)-10.0.0")
        );
        assert_eq!(value(&props, "worker.b.host").as_deref(), Some("$(loop)$("));
        assert_eq!(value(&props, "self").as_deref(), Some("$(self)"));
        assert_eq!(value(&props, "worker.c.host").as_deref(), Some("$(ps"));
        let warned: Vec<_> = diags.0.iter().map(|d| d.line.unwrap()).collect();
        assert_eq!(warned, vec![4, 6, 7]);
    }

    #[test]
    fn replaced_text_is_not_scanned_again() {
        let env = |name: &str| (name == "A").then(|| "$(A)".to_string());
        let (props, _) = read_with("x=$(A)$(A)\n", &env);
        assert_eq!(value(&props, "x").as_deref(), Some("$(A)$(A)"));
    }

    #[test]
    fn substitution_stops_after_21_attempts() {
        let text = format!("x={}\n", "$(u)".repeat(30));
        let (props, diags) = read(&text);
        assert_eq!(value(&props, "x").unwrap(), "$(u)".repeat(30));
        assert_eq!(diags.0.len(), 21);
    }

    #[test]
    fn long_lines_and_odd_bytes() {
        let long = format!("x={}\n", "a".repeat(MAX_LINE));
        let (_, diags) = read(&long);
        assert!(diags.has_errors());
        let mut bytes = b"worker.a.host=ab\0cd\nworker.a.route=r\xffs\n".to_vec();
        bytes.extend_from_slice(format!("y={}\n", "b".repeat(MAX_LINE - 2)).as_bytes());
        let mut diags = Diagnostics::default();
        let props = Properties::read(Path::new("w"), &bytes, &keys::repeat, &|_| None, &mut diags);
        assert_eq!(value(&props, "worker.a.host").as_deref(), Some("ab"));
        // One character per byte: 0xFF stays 0xFF (ÿ), as mod_jk keeps the byte.
        assert_eq!(value(&props, "worker.a.route").as_deref(), Some("r\u{ff}s"));
        assert!(props.get("y").is_some());
        assert!(!diags.has_errors());
    }

    #[test]
    fn references_copy_missing_keys_recursively() {
        let (mut props, mut diags) = read(concat!(
            "worker.base.port=8009\n",
            "worker.base.socket_keepalive=true\n",
            "worker.mid.reference=worker.base\n",
            "worker.mid.port=8010\n",
            "worker.node.reference=worker.mid\n",
            "worker.node.host=h\n",
        ));
        props.resolve_references(&mut diags);
        assert!(diags.0.is_empty(), "{:?}", diags.0);
        assert_eq!(value(&props, "worker.node.port").as_deref(), Some("8010"));
        assert_eq!(
            value(&props, "worker.node.socket_keepalive").as_deref(),
            Some("true")
        );
        assert_eq!(value(&props, "worker.node.host").as_deref(), Some("h"));
        let inherited = props.get("worker.node.socket_keepalive").unwrap();
        assert_eq!(inherited.origin().line, 2);
        assert_eq!(
            inherited.inherited_from.as_deref(),
            Some("worker.base.socket_keepalive")
        );
    }

    #[test]
    fn reference_errors() {
        let resolve = |text: &str| {
            let (mut props, mut diags) = read(text);
            props.resolve_references(&mut diags);
            diags
        };
        let diags = resolve("worker.a.reference=tmpl\nworker.tmpl.port=1\n");
        assert_eq!(diags.0.len(), 1);
        assert!(diags.0[0].message.contains("whole prefix"));
        let diags = resolve("worker.a.reference=worker.b\nworker.b.reference=worker.a\n");
        assert!(diags.0.iter().all(|d| d.message.contains("deeper than 20")));
        assert_eq!(diags.0.len(), 2);
    }

    #[test]
    fn reference_depth_limit_is_mod_jks() {
        let chain = |edges: usize| {
            let mut text = String::new();
            for i in 0..edges {
                text.push_str(&format!("worker.w{i}.reference=worker.w{}\n", i + 1));
            }
            text.push_str(&format!("worker.w{edges}.port=1\n"));
            let (mut props, mut diags) = read(&text);
            props.resolve_references(&mut diags);
            (props, diags)
        };
        let (props, diags) = chain(19);
        assert!(!diags.has_errors());
        assert_eq!(value(&props, "worker.w0.port").as_deref(), Some("1"));
        let (_, diags) = chain(20);
        assert!(diags.has_errors());
    }
}
