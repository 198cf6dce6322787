//! Plumbing shared by the private Tomcat and httpd instances: the testbed scripts (`tests/testbed/`),
//! scratch directories, free ports, and the cleanup that makes sure nothing outlives the test process:
//! * an instance owned by a test is killed when its guard drops (also on panic);
//! * a per-binary shared instance ([`super::tomcat::shared_tomcat`]) is killed by an [`at_exit`] hook;
//! * every instance also gets a watchdog shell ([`spawn_watchdog`]) that kills it if the test process
//!   dies without running either (SIGKILL, abort).
//!
//! Set `AJPGATE_KEEP_TESTBED=1` to keep the scratch directories (logs) after the run.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, Once};

pub fn testbed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testbed")
}

/// `n` distinct ports that are free on 127.0.0.1 right now.
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<_> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

pub fn keep_testbed() -> bool {
    std::env::var_os("AJPGATE_KEEP_TESTBED").is_some_and(|v| !v.is_empty() && v != "0")
}

pub fn scratch_root(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "ajpgate-testbed-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // httpd's children run as www-data when the tests run as root: they must reach the directory.
    let _ = Command::new("chmod").arg("755").arg(&dir).status();
    dir
}

/// Runs a testbed script with its output going to a file (never a pipe: the daemons it starts must not
/// hold our pipes open). Returns the exit status and what it printed.
pub fn run_script(
    script: &str,
    args: &[&OsStr],
    env: &[(&str, &str)],
    log: &Path,
) -> (bool, String) {
    let out = std::fs::File::create(log).unwrap();
    let err = out.try_clone().unwrap();
    let mut command = Command::new("bash");
    command
        .arg(testbed_dir().join(script))
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    for (k, v) in env {
        command.env(k, v);
    }
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run bash {script}: {e}"));
    let text = std::fs::read_to_string(log).unwrap_or_default();
    (status.success(), text)
}

// ---------------------------------------------------------------------------------------------------
// Cleanup at process exit.

type ExitHook = Box<dyn FnOnce() + Send>;

static EXIT_HOOKS: Mutex<Vec<ExitHook>> = Mutex::new(Vec::new());

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
}

extern "C" fn run_exit_hooks() {
    let hooks = std::mem::take(&mut *EXIT_HOOKS.lock().unwrap_or_else(|e| e.into_inner()));
    for hook in hooks.into_iter().rev() {
        hook();
    }
}

/// Runs `hook` when the test process exits normally (libtest returns from main or calls exit).
pub fn at_exit(hook: impl FnOnce() + Send + 'static) {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a plain `extern "C" fn()`; atexit has no other preconditions.
        let rc = unsafe { atexit(run_exit_hooks) };
        assert_eq!(rc, 0, "atexit failed");
    });
    EXIT_HOOKS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Box::new(hook));
}

/// A detached shell that runs `script ARGS` once this test process is gone, however it ended. Normally
/// the guard or exit hook has already stopped the instance and this finds nothing to do.
pub fn spawn_watchdog(script: &str, args: &[&OsStr], remove: &Path) {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(
            "while kill -0 \"$1\" 2>/dev/null; do sleep 0.5; done; \
             bash \"$2\" \"${@:4}\" >/dev/null 2>&1; \
             if [ -d \"$3\" ] && [ -z \"$AJPGATE_KEEP_TESTBED\" ]; then rm -rf \"$3\"; fi",
        )
        .arg("ajpgate-testbed-watchdog")
        .arg(std::process::id().to_string())
        .arg(testbed_dir().join(script))
        .arg(remove)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: a Ctrl-C to the test run does not reach it.
        .process_group(0);
    if let Ok(child) = command.spawn() {
        // Not waited for: it outlives this process by design (reparented to init).
        std::mem::forget(child);
    }
}
