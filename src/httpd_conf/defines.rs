//! `Define`, `-D NAME` and `${NAME}` (server/core.c, `set_define`, `ap_exists_config_define`,
//! `ap_resolve_env`).
//!
//! httpd keeps two things: the set of defined names, which `<IfDefine>` tests (`-D` on the command line
//! and every `Define`), and the values of the names defined with one, which `${NAME}` reads before it
//! falls back to the process environment. A `${NAME}` found in neither stays as written, with a warning.
//! Substitution happens on each whole line before it is split into words, so a value may hold spaces
//! and quotes that then count.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Defines {
    /// Defined names in the order they were defined, as `apache2 -D DUMP_RUN_CFG` lists them.
    names: Vec<String>,
    values: BTreeMap<String, String>,
    environment: BTreeMap<String, String>,
}

impl Defines {
    /// Names given with `-D`, and the environment `${NAME}` falls back to.
    pub fn new(cli: &[String], environment: BTreeMap<String, String>) -> Self {
        let mut names: Vec<String> = Vec::new();
        for name in cli {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        Defines {
            names,
            values: BTreeMap::new(),
            environment,
        }
    }

    /// `Define NAME [VALUE]`; `Err` with httpd's wording when the name cannot be one.
    pub fn define(&mut self, name: &str, value: Option<&str>) -> Result<(), String> {
        if name.is_empty() {
            return Err("Define needs a variable name".into());
        }
        if name.contains(':') {
            return Err(format!("Variable name must not contain ':': {name}"));
        }
        if !self.is_defined(name) {
            self.names.push(name.to_owned());
        }
        if let Some(value) = value {
            self.values.insert(name.to_owned(), value.to_owned());
        }
        Ok(())
    }

    /// `UnDefine NAME`.
    pub fn undefine(&mut self, name: &str) {
        // httpd moves the last name into the freed place (core.c, `unset_define`).
        if let Some(at) = self.names.iter().position(|n| n == name) {
            self.names.swap_remove(at);
        }
        self.values.remove(name);
    }

    /// Whether `<IfDefine NAME>` holds.
    pub fn is_defined(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// Every defined name, in the order of definition.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The values set with `Define NAME VALUE`, for `check` to print.
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.values
    }

    /// `line` with every resolvable `${NAME}` replaced; the names that were not, in order.
    pub fn resolve(&self, line: &str) -> (String, Vec<String>) {
        let mut out = String::with_capacity(line.len());
        let mut unresolved = Vec::new();
        let mut rest = line;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return (out, unresolved);
            };
            let name = &after[..end];
            match self.lookup(name) {
                Some(value) => out.push_str(value),
                None => {
                    out.push_str(&rest[start..start + 2 + end + 1]);
                    unresolved.push(name.to_owned());
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        (out, unresolved)
    }

    fn lookup(&self, name: &str) -> Option<&str> {
        let defined = self.values.get(name).or_else(|| self.environment.get(name));
        defined.map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defines() -> Defines {
        let env = BTreeMap::from([("APACHE_LOG_DIR".to_string(), "/var/log/apache2".to_string())]);
        Defines::new(&["SSL".to_string()], env)
    }

    #[test]
    fn defined_values_win_over_the_environment_and_unknown_names_stay() {
        let mut d = defines();
        d.define("APACHE_LOG_DIR", Some("/srv/logs")).unwrap();
        let (line, missing) = d.resolve("ErrorLog ${APACHE_LOG_DIR}/error.log ${NOPE} ${");
        assert_eq!(line, "ErrorLog /srv/logs/error.log ${NOPE} ${");
        assert_eq!(missing, ["NOPE"]);
    }

    #[test]
    fn the_environment_fills_what_define_did_not() {
        let (line, missing) = defines().resolve("CustomLog ${APACHE_LOG_DIR}/a.log combined");
        assert_eq!(line, "CustomLog /var/log/apache2/a.log combined");
        assert!(missing.is_empty());
    }

    #[test]
    fn a_define_without_value_counts_for_ifdefine_only() {
        let mut d = defines();
        d.define("TOMCAT", None).unwrap();
        assert!(d.is_defined("TOMCAT") && d.is_defined("SSL"));
        assert_eq!(d.resolve("${TOMCAT}").0, "${TOMCAT}");
        d.undefine("TOMCAT");
        assert!(!d.is_defined("TOMCAT"));
    }

    #[test]
    fn names_with_a_colon_are_refused() {
        assert!(defines().define("a:b", Some("x")).is_err());
        assert!(defines().define("", None).is_err());
    }
}
