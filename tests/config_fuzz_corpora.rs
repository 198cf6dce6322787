//! Replays the configuration fuzz targets' seed corpora (`fuzz/corpus/{workers_properties,uriworkermap,
//! uri_normalize}/`) through the targets' own checks (`fuzz/src/config.rs`), on the stable toolchain.
//! A crash found by a fuzzer is fixed by adding its input to the corpus.
//!
//! Each seed gets [`SEED_BUDGET`]: a seed that takes longer fails the test (the fuzzer reports such an
//! input as a timeout or out-of-memory). Its thread cannot be stopped and runs on until the test binary
//! exits, so the replay stops at the first one.

#[path = "../fuzz/src/config.rs"]
#[allow(dead_code)]
mod targets;

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SEED_BUDGET: Duration = Duration::from_secs(10);

/// Seeds slower than this are named on stderr (they slow the fuzzer down).
const SLOW: Duration = Duration::from_millis(500);

fn replay(target: &str, check: fn(&[u8]), at_least: usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    seeds.sort();
    let mut failed = Vec::new();
    for path in &seeds {
        let data = std::fs::read(path).unwrap();
        let (done, outcome) = mpsc::channel();
        let started = Instant::now();
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(|| check(&data));
            let _ = done.send(result.is_ok());
        });
        match outcome.recv_timeout(SEED_BUDGET) {
            Ok(true) if started.elapsed() > SLOW => {
                eprintln!(
                    "{target}: slow seed {} ({:?})",
                    path.display(),
                    started.elapsed()
                )
            }
            Ok(true) => {}
            Ok(false) => failed.push(format!("{} (panicked)", path.display())),
            Err(_) => {
                failed.push(format!(
                    "{} (still running after {:?}; replay stopped)",
                    path.display(),
                    started.elapsed()
                ));
                break;
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{target} fails on seeds:\n{}",
        failed.join("\n")
    );
    assert!(
        seeds.len() >= at_least,
        "corpus {} has only {} seeds",
        dir.display(),
        seeds.len()
    );
}

#[test]
fn workers_properties_corpus() {
    replay("workers_properties", targets::workers_properties, 20);
}

#[test]
fn uriworkermap_corpus() {
    replay("uriworkermap", targets::uriworkermap, 15);
}

#[test]
fn uri_normalize_corpus() {
    replay("uri_normalize", targets::uri_normalize, 50);
}
