//! Replays every fuzz seed corpus (`fuzz/corpus/<target>/`) through the fuzz targets' own checks, on the
//! stable toolchain. A crash found by a fuzzer is fixed by adding its input to the corpus.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target} fails on seed {}", path.display());
        count += 1;
    }
    assert!(
        count >= 10,
        "corpus {} has only {count} seeds",
        dir.display()
    );
}

#[test]
fn to_container_corpus() {
    replay("to_container", targets::to_container);
}

#[test]
fn from_container_corpus() {
    replay("from_container", targets::from_container);
}

#[test]
fn round_trip_corpus() {
    replay("round_trip", targets::round_trip);
}
