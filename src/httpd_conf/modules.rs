//! Which modules httpd would have loaded at each point of the configuration, for `<IfModule>`
//! (server/core.c, `start_ifmod`; server/config.c, `ap_find_linked_module`).
//!
//! httpd judges `<IfModule>` while it reads, so only `LoadModule` lines above it count; Debian's
//! apache2.conf reads `mods-enabled/*.load` before everything else for that reason. A module is named
//! either by its identifier (`jk_module`) or by its source file (`mod_jk.c`); for a shared module the
//! source name is not in the configuration, so both httpd's naming rule (`X_module` is `mod_X.c`)
//! and the file name of the `.so` are accepted, with the exceptions of the core and the MPMs.

use std::path::Path;

/// The modules compiled into Debian 12's `/usr/sbin/apache2` (`apache2 -l`), always loaded.
pub const DEBIAN_STATIC: &[&str] = &[
    "core_module",
    "so_module",
    "watchdog_module",
    "http_module",
    "log_config_module",
    "logio_module",
    "version_module",
    "unixd_module",
];

/// A loaded module: its identifier and the source file names it answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub name: String,
    pub shared: bool,
    sources: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Modules {
    loaded: Vec<Module>,
}

impl Default for Modules {
    fn default() -> Self {
        let loaded = DEBIAN_STATIC.iter().map(|name| module(name, None, false));
        Modules {
            loaded: loaded.collect(),
        }
    }
}

impl Modules {
    /// `LoadModule NAME FILE`; false when the module was loaded already (httpd warns and skips it).
    pub fn load(&mut self, name: &str, file: &str) -> bool {
        if self.loaded.iter().any(|m| m.name == name) {
            return false;
        }
        self.loaded.push(module(name, Some(file), true));
        true
    }

    /// Whether `<IfModule ARG>` holds: `ARG` names a loaded module, or with a leading `!` does not.
    pub fn condition(&self, arg: &str) -> bool {
        match arg.strip_prefix('!') {
            Some(name) => !self.is_loaded(name),
            None => self.is_loaded(arg),
        }
    }

    pub fn is_loaded(&self, name: &str) -> bool {
        let by_source = name.ends_with(".c");
        self.loaded.iter().any(|m| {
            if by_source {
                m.sources.iter().any(|s| s == name)
            } else {
                m.name == name
            }
        })
    }

    /// Every loaded module in load order, static ones first (as `apache2 -M` lists them).
    pub fn all(&self) -> &[Module] {
        &self.loaded
    }
}

fn module(name: &str, file: Option<&str>, shared: bool) -> Module {
    let mut sources = Vec::new();
    let special = match name {
        "core_module" => Some("core.c"),
        "http_module" => Some("http_core.c"),
        "mpm_event_module" => Some("event.c"),
        "mpm_worker_module" => Some("worker.c"),
        "mpm_prefork_module" => Some("prefork.c"),
        _ => None,
    };
    sources.extend(special.map(str::to_owned));
    if let Some(stem) = name.strip_suffix("_module") {
        sources.push(format!("mod_{stem}.c"));
    }
    if let Some(stem) = file.and_then(|f| Path::new(f).file_stem()) {
        sources.push(format!("{}.c", stem.to_string_lossy()));
    }
    Module {
        name: name.to_owned(),
        shared,
        sources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_modules_are_always_there() {
        let modules = Modules::default();
        assert!(modules.condition("log_config_module"));
        assert!(modules.condition("mod_log_config.c"));
        assert!(modules.condition("core.c") && modules.condition("http_core.c"));
        assert!(!modules.condition("jk_module"));
        assert!(modules.condition("!jk_module"));
    }

    #[test]
    fn load_module_counts_by_name_and_by_source_file() {
        let mut modules = Modules::default();
        assert!(modules.load("jk_module", "/usr/lib/apache2/modules/mod_jk.so"));
        assert!(modules.load(
            "mpm_event_module",
            "/usr/lib/apache2/modules/mod_mpm_event.so"
        ));
        assert!(modules.condition("jk_module") && modules.condition("mod_jk.c"));
        assert!(modules.condition("event.c") && modules.condition("mod_mpm_event.c"));
        assert!(!modules.condition("!mod_jk.c"));
        assert!(!modules.load("jk_module", "/elsewhere/mod_jk.so"));
        assert_eq!(modules.all().len(), DEBIAN_STATIC.len() + 2);
    }
}
