//! From the key map of workers.properties to resolved workers, as mod_jk's `wc_open` builds them.
//!
//! mod_jk instantiates the workers named in `worker.list` (or one `ajp13` worker on localhost:8009 when
//! there is no `worker.list`), and each lb instantiates its members, which need not be listed. Other
//! definitions (templates for `reference`) are not instantiated. Every `worker.*` key is checked by its
//! last component, as mod_jk does; an unknown one stops the load.
//!
//! Beyond mod_jk we check what it leaves to chance: lb members that have no definition at all (mod_jk
//! would quietly use localhost:8009), a `redirect` that names no route of its lb, and a status or lb
//! worker used as an lb member (mod_jk misbehaves). We also warn about properties that are valid but
//! mean nothing for the worker's type, and about definitions nothing uses.
//!
//! The parts: [`set`] is the result (the resolved workers); [`build`] reads the global keys and
//! drives the rest; [`instantiate`] creates each worker and an lb's members; [`checks`] holds the
//! rules on keys and names and the warnings about definitions that have no effect.

mod build;
mod checks;
mod instantiate;
mod set;

pub use set::{WorkerDef, Workers};
