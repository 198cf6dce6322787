//! Which worker serves a request path: the mount rules and mod_jk's way of matching them.
//!
//! Rules come from three sources: uriworkermap.properties (`pattern=worker[;ext…]`), `--mount
//! PATTERN=WORKER` on the command line (what `JkMount` was in httpd.conf), and `worker.<w>.mount` in
//! workers.properties. A pattern may be prefixed by `-` (rule disabled) and then `!` (exclusion), must
//! then start with `/`, and may use `*` (any bytes, `/` included) and `?` (one byte); without either it
//! is an exact rule. `A|B` stands for the two rules `A` and `AB` (not in `worker.<w>.mount`).
//!
//! mod_jk sorts all rules by number of `/` (most first), then length (longest first), then source
//! (uriworkermap, JkMount, worker definition), and the first enabled non-exclusion rule that matches
//! wins, exact and wildcard alike. Then, if any enabled exclusion rule for that worker (or for `*`)
//! matches too, the request is not mapped at all: an exclusion vetoes, it does not fall through to the
//! next rule. [`MountTable::map`] does exactly this, on a path already normalised by
//! [`super::uri::normalize`].
//!
//! A rule mod_jk would skip with a log line (a bad pattern in uriworkermap.properties) is a warning
//! here; a bad `worker.<w>.mount` or `--mount` is an error, as a bad `JkMount` stops httpd.
//!
//! The parts: [`table`] holds the rules in match order and matches a path; [`extensions`] is the
//! per-rule overrides after the worker name; [`read`] builds the table from its three sources and
//! checks it against the workers.

mod extensions;
mod read;
mod table;

pub use extensions::RuleExtensions;
pub(crate) use read::MountSources;
pub(crate) use table::wildcard_match;
pub use table::{MountRule, MountTable, RuleSource};
