//! The keys in `ajpgate check`: shown with their origin when set, absent otherwise; a bad value is an
//! error naming file, line and key, and the check fails.

use std::process::Command;

use crate::support::ScratchDir;

fn check(text: &str) -> (bool, String, String, std::path::PathBuf, ScratchDir) {
    let dir = ScratchDir::new("ws-check");
    let file = dir.0.join("workers.properties");
    std::fs::write(&file, text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ajpgate"))
        .arg("check")
        .arg("-w")
        .arg(&file)
        .args(["--mount", "/app/*=node1"])
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        file,
        dir,
    )
}

const BASE: &str = "worker.list=node1\nworker.node1.type=ajp13\nworker.node1.port=8009\n";

#[test]
fn check_shows_the_http_connector_and_names_bad_values() {
    let (ok, out, err, file, _dir) = check(&format!(
        "{BASE}ajpgate.ajp13.node1.http_port=8080\najpgate.ajp13.node1.upgrade_idle_timeout=60\n"
    ));
    assert!(ok, "{err}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} in\n{out}"))
            .to_string()
    };
    let port = line("ajpgate.http_port");
    assert!(port.contains("= 8080"), "{port}");
    assert!(
        port.contains(&format!(
            "{}:4 ajpgate.ajp13.node1.http_port",
            file.display()
        )),
        "{port}"
    );
    assert!(
        line("ajpgate.http_host").contains("= localhost"),
        "the AJP host by default"
    );
    assert!(line("ajpgate.upgrade_idle_timeout").contains("= 60 s"));

    let (ok, out, _, _, _dir) = check(BASE);
    assert!(ok);
    assert!(
        !out.contains("ajpgate.http_port"),
        "not shown when not set:\n{out}"
    );

    let (ok, _, err, file, _dir) = check(&format!("{BASE}ajpgate.ajp13.node1.http_port=80x\n"));
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "error: {}:4: ajpgate.ajp13.node1.http_port: http_port '80x' is not a port number",
            file.display()
        )),
        "{err}"
    );
    let (ok, _, err, _, _dir) = check(&format!("{BASE}ajpgate.ajp13.node1.htp_port=8080\n"));
    assert!(ok, "a typo is a warning: {err}");
    assert!(
        err.contains("ajpgate.ajp13.node1.htp_port: ajpgate reads only http_port"),
        "{err}"
    );
}

/// Why the keys are free variables: httpd + mod_jk 1.2.48 start on a file that has them, and refuse
/// `worker.node1.ajpgate.http_port` (mod_jk rejects a `worker.*` attribute it does not know).
#[test]
fn mod_jk_ignores_the_free_variables_and_refuses_unknown_worker_keys() {
    use crate::support::modjk::Httpd;
    let ours = format!("{BASE}worker.node1.host=127.0.0.1\najpgate.ajp13.node1.http_port=8080\n");
    let httpd = Httpd::start(&ours, None, "JkMount /app/* node1\n");
    drop(httpd);
    let theirs =
        format!("{BASE}worker.node1.host=127.0.0.1\nworker.node1.ajpgate.http_port=8080\n");
    let refused =
        std::panic::catch_unwind(|| Httpd::start(&theirs, None, "JkMount /app/* node1\n"));
    let message = match refused {
        Ok(_) => panic!("httpd started with worker.node1.ajpgate.http_port"),
        Err(panic) => panic.downcast_ref::<String>().cloned().unwrap_or_default(),
    };
    assert!(
        message.contains("Error in reading worker properties"),
        "{message}"
    );
}

/// A reload keeps a worker's HTTP connector (and so its counters) when nothing about the worker
/// changed, and makes a new one when its `http_port` did.
#[tokio::test]
async fn a_reload_keeps_the_connector_of_an_unchanged_worker() {
    use ajpgate::config::{Config, SourceFile};
    use ajpgate::gateway::{Gateway, Route};
    use std::sync::Arc;

    let load = |port: u16| {
        let text =
            format!("{BASE}worker.node1.host=127.0.0.1\najpgate.ajp13.node1.http_port={port}\n");
        Config::parse(
            SourceFile {
                path: std::path::Path::new("workers.properties"),
                bytes: text.as_bytes(),
            },
            None,
            &["/app/*=node1".to_string()],
            &|_| None,
        )
        .unwrap()
    };
    let endpoint = |gateway: &Gateway| match gateway.route("/app/x") {
        Route::Forward(forward) => forward.http_endpoints()[0].clone().expect("a connector"),
        other => panic!("{other:?}"),
    };
    let first = Gateway::start(load(8080)).await;
    let same = Gateway::start_reusing(load(8080), Some(&first)).await;
    assert!(Arc::ptr_eq(&endpoint(&first), &endpoint(&same)));
    let moved = Gateway::start_reusing(load(8081), Some(&same)).await;
    assert!(!Arc::ptr_eq(&endpoint(&same), &endpoint(&moved)));
    assert_eq!(endpoint(&moved).address.port(), 8081);
}
