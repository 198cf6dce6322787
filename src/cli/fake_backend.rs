//! `ajpgate fake-backend`: one [`FakeBackend`] as a process, until Ctrl-C.
//!
//! A testing aid for benchmarks and manual checks: a fast, predictable Tomcat stand-in whose pages and
//! faults are described in [`crate::fakeajp`]. It prints `listening <addr> route <route>` once bound
//! (so a script that passed port 0 learns the port) and, on Ctrl-C, its counters as one JSON line.

use std::io::{self, Write};

use crate::fakeajp::{FakeBackend, FakeConfig};

/// Runs one fake backend on a new multi-threaded runtime until Ctrl-C.
pub fn run(config: FakeConfig, out: &mut impl Write) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let backend = FakeBackend::start(config).await?;
        writeln!(
            out,
            "listening {} route {}",
            backend.addr(),
            backend.config().route
        )?;
        out.flush()?;
        tokio::signal::ctrl_c().await?;
        backend.shutdown().await;
        writeln!(out, "{}", backend.stats().to_json())?;
        Ok(())
    })
}
