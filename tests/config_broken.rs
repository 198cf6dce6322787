//! Broken variants of a valid configuration (tests/config-corpus/broken/): each fails to load with
//! the right message at the right file, line and key, and `ajpgate check` prints it and exits 1.

use std::path::{Path, PathBuf};
use std::process::Command;

use ajpgate::config::{Config, ConfigErrors, Diagnostic, Severity};

fn broken(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/config-corpus/broken")
        .join(file)
}

fn errors_of(workers: &Path, mounts: Option<&Path>, cli: &[&str]) -> Vec<Diagnostic> {
    let cli: Vec<String> = cli.iter().map(|s| s.to_string()).collect();
    match Config::load(workers, mounts, &cli) {
        Ok(config) => panic!(
            "{} loaded; warnings: {:?}",
            workers.display(),
            config.warnings
        ),
        Err(ConfigErrors(all)) => all
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect(),
    }
}

/// (file, line, key, message): the one error each broken file must produce.
const CASES: &[(&str, usize, &str, &str)] = &[
    (
        "unknown-property.properties",
        10,
        "worker.node1.prot",
        "unknown property 'prot' of worker 'node1'",
    ),
    (
        "unknown-global.properties",
        10,
        "worker.lsit",
        "unknown global property 'worker.lsit'",
    ),
    (
        "unknown-type.properties",
        10,
        "worker.node2.type",
        "unknown type 'ajp15' of worker 'node2' (expected ajp13, ajp14, lb or status)",
    ),
    (
        "jni-type.properties",
        10,
        "worker.node2.type",
        "worker 'node2': type jni (Tomcat inside the web server) is not supported",
    ),
    (
        "ajp12-type.properties",
        10,
        "worker.node1.type",
        "worker 'node1': type ajp12 is obsolete and not supported",
    ),
    (
        "missing-member.properties",
        10,
        "worker.lb.balance_workers",
        "member 'node3' of lb 'lb' is not defined: no worker.node3.* property",
    ),
    (
        "duplicate-route.properties",
        11,
        "worker.node2.route",
        "members 'node1' and 'node2' of lb 'lb' share the route 'tc'",
    ),
    (
        "bad-redirect.properties",
        10,
        "worker.node1.redirect",
        "redirect 'node9' of member 'node1' is not the route of any member of lb 'lb'",
    ),
    (
        "status-member.properties",
        10,
        "worker.lb.balance_workers",
        "member 'jkstatus' of lb 'lb' is a status worker; an lb balances only ajp13 workers",
    ),
    (
        "lb-without-members.properties",
        10,
        "worker.lb2.type",
        "lb worker 'lb2' has no members: set worker.lb2.balance_workers",
    ),
    (
        "long-name.properties",
        10,
        "worker.list",
        "is 64 bytes long; mod_jk allows at most 63",
    ),
    (
        "long-route.properties",
        10,
        "worker.node1.route",
        "is 64 bytes long; mod_jk allows at most 63",
    ),
    (
        "port-out-of-range.properties",
        10,
        "worker.node2.port",
        "port 70000 is not between 0 and 65535",
    ),
    (
        "reference-without-prefix.properties",
        10,
        "worker.node2.reference",
        "reference 'tomcat' names no properties: nothing is set under 'tomcat.' (the value must be the whole prefix, such as 'worker.template')",
    ),
    (
        "pool-without-connections.properties",
        10,
        "worker.node1.connection_pool_size",
        "connection_pool_size 0: a pool without connections fails every request",
    ),
    (
        "mount-without-slash.properties",
        10,
        "worker.jkstatus.mount",
        "mount 'jk-status' does not start with '/'",
    ),
    (
        "empty-worker-list.properties",
        2,
        "worker.list",
        "worker.list names no worker",
    ),
];

#[test]
fn each_broken_file_names_its_defect() {
    for &(file, line, key, message) in CASES {
        let path = broken(file);
        let errors = errors_of(&path, None, &[]);
        assert_eq!(errors.len(), 1, "{file}: {errors:?}");
        let e = &errors[0];
        assert_eq!(e.file, path, "{file}");
        assert_eq!(e.line, Some(line), "{file}: {e}");
        assert_eq!(e.key.as_deref(), Some(key), "{file}: {e}");
        assert!(e.message.contains(message), "{file}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("{}:{line}: {key}: ", path.display())),
            "{e}"
        );
    }
}

#[test]
fn the_valid_base_loads() {
    let config = Config::load(&broken("valid.properties"), None, &[]).unwrap();
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn a_reference_loop_is_reported_for_every_worker_in_it() {
    let errors = errors_of(&broken("reference-loop.properties"), None, &[]);
    let at: Vec<_> = errors.iter().map(|e| (e.line, e.key.as_deref())).collect();
    assert_eq!(
        at,
        vec![
            (Some(10), Some("worker.node1.reference")),
            (Some(11), Some("worker.node2.reference"))
        ]
    );
    assert!(
        errors
            .iter()
            .all(|e| e.message.contains("nested deeper than 20"))
    );
}

#[test]
fn an_overlong_line_is_an_error_without_a_key() {
    let errors = errors_of(&broken("line-too-long.properties"), None, &[]);
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].line, errors[0].key.as_deref()), (Some(10), None));
    assert!(
        errors[0]
            .message
            .contains("longer than mod_jk's limit of 8191")
    );
}

#[test]
fn bad_command_line_mounts_are_errors() {
    let valid = broken("valid.properties");
    let errors = errors_of(&valid, None, &["app/*=lb", "/x", "/y=", "*.jsp=lb"]);
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "command line: --mount app/*=lb: 'app/*' does not start with '/'",
            "command line: --mount /x: expected PATTERN=WORKER",
            "command line: --mount /y=: no worker after '='",
            "command line: --mount *.jsp=lb: '*.jsp' does not start with '/' (mod_jk rejects this despite its docs; write '/*.jsp')",
        ]
    );
}

#[test]
fn a_bad_uriworkermap_rule_is_skipped_with_a_warning_as_mod_jk_does() {
    let config = Config::load(
        &broken("valid.properties"),
        Some(&broken("uriworkermap-bad-pattern.properties")),
        &[],
    )
    .unwrap();
    assert_eq!(config.warnings.len(), 1);
    let w = &config.warnings[0];
    assert_eq!((w.line, w.key.as_deref()), (Some(2), Some("app/*")));
    assert_eq!(config.mounts.rules().len(), 2);
}

#[test]
fn missing_files_are_errors() {
    let errors = errors_of(&broken("no-such.properties"), None, &[]);
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].line, errors[0].key.as_deref()), (None, None));
    assert!(errors[0].message.starts_with("cannot read: "));
    let errors = errors_of(
        &broken("valid.properties"),
        Some(&broken("no-such-map.properties")),
        &[],
    );
    assert!(errors[0].file.ends_with("no-such-map.properties"));
}

#[test]
fn check_prints_the_error_and_exits_1() {
    let dir = broken("");
    let out = Command::new(env!("CARGO_BIN_EXE_ajpgate"))
        .args(["check", "-w", "unknown-property.properties"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: unknown-property.properties:10: worker.node1.prot: unknown property 'prot' of worker 'node1'\n\
         1 error: ajpgate would not start with this configuration\n"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_ajpgate"))
        .args(["check", "-w", "valid.properties", "--mount", "/*=lb"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.ends_with("ok: 2 listed workers, 1 mount rule, 0 warnings\n"));
}
