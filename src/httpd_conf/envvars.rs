//! Debian's `envvars`: the shell file `apache2ctl` sources before it starts httpd, which sets the
//! `${APACHE_LOG_DIR}`, `${APACHE_RUN_DIR}`, … that Debian's apache2.conf uses.
//!
//! It is a shell script (it has `if` blocks and `$SUFFIX` expansions), so it is run by `/bin/sh`, as
//! `apache2ctl` does, with `APACHE_CONFDIR` set to the configuration's directory when the caller has
//! not set it; the environment it leaves behind is what `${NAME}` falls back to.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The environment after sourcing `file`, or why it could not be had.
pub fn environment_after(file: &Path, confdir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(". \"$1\" >/dev/null 2>&1 || exit 3; env -0")
        .arg("sh")
        .arg(file);
    if std::env::var_os("APACHE_CONFDIR").is_none() {
        command.env("APACHE_CONFDIR", confdir);
    }
    let output = command
        .output()
        .map_err(|e| format!("could not run /bin/sh: {e}"))?;
    if !output.status.success() {
        return Err(format!("sourcing it failed ({})", output.status));
    }
    Ok(parse_env0(&output.stdout))
}

/// The current process environment (what httpd's `getenv` sees without an envvars file).
pub fn process_environment() -> BTreeMap<String, String> {
    std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

fn parse_env0(bytes: &[u8]) -> BTreeMap<String, String> {
    let entries = bytes.split(|&b| b == 0).filter(|e| !e.is_empty());
    let pairs = entries.filter_map(|entry| {
        let entry = String::from_utf8_lossy(entry);
        let (name, value) = entry.split_once('=')?;
        Some((name.to_owned(), value.to_owned()))
    });
    pairs.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_file_with_conditions_sets_the_variables() {
        let dir = std::env::temp_dir().join(format!("ajpgate-envvars-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("envvars");
        let script = "if [ -n \"$APACHE_CONFDIR\" ]; then SUFFIX=-x; else SUFFIX=; fi\n\
                      export APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n";
        std::fs::write(&file, script).unwrap();
        let env = environment_after(&file, &dir).unwrap();
        assert_eq!(env.get("APACHE_LOG_DIR").unwrap(), "/var/log/apache2-x");
        std::fs::write(&file, "exit 1\n").unwrap();
        assert!(environment_after(&file, &dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn env0_pairs_split_at_the_first_equals() {
        let env = parse_env0(b"A=1\0B=x=y\0\0junk\0");
        assert_eq!(env.get("A").unwrap(), "1");
        assert_eq!(env.get("B").unwrap(), "x=y");
        assert_eq!(env.len(), 2);
    }
}
