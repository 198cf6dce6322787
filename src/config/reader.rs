//! Typed reads of one worker's properties, the way mod_jk's `jk_get_worker_*` getters read them.
//!
//! Each getter looks up `worker.<name>.<property>`, converts the value with mod_jk's loose rules (see
//! [`super::values`]), warns when the value was not clean, and records that the property was set, so
//! `ajpgate check` can tell configured values from defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use super::diagnostic::{Diagnostics, Origin};
use super::properties::{Entry, Properties};
use super::values;

/// mod_jk keeps names, hosts, routes, domains, redirects and cookie names in 64-byte shared-memory
/// strings: anything longer fails worker creation.
pub const MAX_NAME_LEN: usize = 63;

/// Which properties of a worker were set in the file (directly or through `reference`), and where.
pub type Explicit = BTreeMap<&'static str, Origin>;

pub(crate) struct WorkerReader<'a> {
    pub name: &'a str,
    props: &'a Properties,
    pub diags: &'a mut Diagnostics,
    pub explicit: Explicit,
}

impl<'a> WorkerReader<'a> {
    /// A reader for one worker; its `type` (which chose the reader) counts as read.
    pub fn new(name: &'a str, props: &'a Properties, diags: &'a mut Diagnostics) -> Self {
        let mut reader = WorkerReader {
            name,
            props,
            diags,
            explicit: Explicit::new(),
        };
        reader.entry("type");
        reader
    }

    fn entry(&mut self, property: &'static str) -> Option<&'a Entry> {
        let entry = self
            .props
            .get(&format!("worker.{}.{property}", self.name))?;
        self.explicit.insert(property, entry.origin().clone());
        Some(entry)
    }

    /// Whether the property is set, without marking it as read.
    pub fn is_set(&self, property: &str) -> bool {
        self.props
            .get(&format!("worker.{}.{property}", self.name))
            .is_some()
    }

    pub fn string(&mut self, property: &'static str) -> Option<(String, Origin)> {
        self.entry(property)
            .map(|e| (e.value(), e.origin().clone()))
    }

    /// A string limited to [`MAX_NAME_LEN`] bytes; a longer one is an error (and `None`).
    pub fn name_like(&mut self, property: &'static str) -> Option<String> {
        let (value, origin) = self.string(property)?;
        if value.len() > MAX_NAME_LEN {
            self.diags.error_at(
                &origin,
                format!(
                    "{property} '{value}' is {} bytes long; mod_jk allows at most {MAX_NAME_LEN}",
                    value.len()
                ),
            );
            return None;
        }
        Some(value)
    }

    /// An integer as mod_jk reads it, with a warning when the value was not a clean integer.
    pub fn int(&mut self, property: &'static str) -> Option<(i32, Origin)> {
        let (text, origin) = self.string(property)?;
        let read = values::int(&text);
        if !read.clean {
            self.diags.warn_at(
                &origin,
                format!(
                    "'{text}' is not an integer; mod_jk reads it as {}",
                    read.value
                ),
            );
        }
        Some((read.value, origin))
    }

    /// A count that mod_jk raises to `min` when it is smaller (with a warning), `default` when unset.
    pub fn at_least(&mut self, property: &'static str, default: u32, min: u32) -> u32 {
        match self.int(property) {
            None => default,
            Some((value, origin)) => {
                if i64::from(value) < i64::from(min) {
                    self.diags.warn_at(
                        &origin,
                        format!("{property} {value} is below {min}: {min} is used, as in mod_jk"),
                    );
                    min
                } else {
                    value as u32
                }
            }
        }
    }

    /// A non-negative integer; a negative one counts as 0, with a warning.
    pub fn non_negative(&mut self, property: &'static str) -> Option<u32> {
        let (value, origin) = self.int(property)?;
        if value < 0 {
            self.diags.warn_at(
                &origin,
                format!("{property} {value} is negative: 0 is used"),
            );
        }
        Some(value.max(0) as u32)
    }

    pub fn millis(&mut self, property: &'static str) -> Option<Duration> {
        self.non_negative(property)
            .map(|ms| Duration::from_millis(u64::from(ms)))
    }

    pub fn seconds(&mut self, property: &'static str) -> Option<Duration> {
        self.non_negative(property)
            .map(|s| Duration::from_secs(u64::from(s)))
    }

    /// A boolean as mod_jk reads it; a value it does not recognise gives the default, with a warning.
    pub fn boolean(&mut self, property: &'static str, default: bool) -> bool {
        let Some((text, origin)) = self.string(property) else {
            return default;
        };
        values::boolean(&text).unwrap_or_else(|| {
            self.diags.warn_at(
                &origin,
                format!(
                    "'{text}' is not a boolean (true/false, on/off, yes/no, 1/0); mod_jk uses the default {default}"
                ),
            );
            default
        })
    }

    /// A list value, each item with the line it came from.
    pub fn list(&mut self, property: &'static str) -> Vec<(String, Origin)> {
        let Some(entry) = self.entry(property) else {
            return Vec::new();
        };
        entry
            .parts
            .iter()
            .flat_map(|(part, origin)| {
                values::list(part).map(move |item| (item.to_string(), origin.clone()))
            })
            .collect()
    }

    /// A one-letter code (`activation`, `method`, `lock`): the first character picks the variant; an
    /// unknown one gives the default, with a warning.
    pub fn letter<T: Copy>(
        &mut self,
        property: &'static str,
        codes: &[(&[char], T)],
        default: T,
        choices: &str,
    ) -> T {
        let Some((text, origin)) = self.string(property) else {
            return default;
        };
        let first = text.chars().next().unwrap_or_default();
        match codes.iter().find(|(letters, _)| letters.contains(&first)) {
            Some(&(_, value)) => value,
            None => {
                self.diags.warn_at(
                    &origin,
                    format!(
                        "unknown {property} '{text}' (expected {choices}); mod_jk uses the default"
                    ),
                );
                default
            }
        }
    }

    pub fn warn(&mut self, origin: &Origin, message: impl Into<String>) {
        self.diags.warn_at(origin, message);
    }

    pub fn error(&mut self, origin: &Origin, message: impl Into<String>) {
        self.diags.error_at(origin, message);
    }
}

/// `12 s`: a duration in the unit mod_jk's property uses.
pub(crate) fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs())
}

/// `100 ms`.
pub(crate) fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}
