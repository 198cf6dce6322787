//! The frame of every abuse test: an `ajpgate serve --h2c` subprocess in front of the fake AJP backend,
//! a steady client beside the attack, and the checks that hold for every attack: the gateway's memory
//! stays bounded, the steady client keeps its latency, and afterwards a new connection still gets 200.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ajpgate::fakeajp::FakeBackend;
use http::StatusCode;

use crate::peer::{self, Steady};
use crate::support::process::{GateProcess, proc_status_kb, reset_peak_rss};
use crate::support::{self, one_worker};

/// How much the gateway's peak RSS may grow over its RSS before an attack. ajpgate idles at about
/// 10 MiB; an unbounded buffer under any of these attacks would pass this within the attack's time.
pub const MEMORY_GROWTH_LIMIT_KB: u64 = 64 * 1024;

/// The backend pool of the gateway under attack.
pub const POOL: usize = 4;

/// Attacks run one test at a time: the latency comparison must not see another test's attack.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The gateway under attack and its backend.
pub struct Target {
    pub gate: GateProcess,
    pub backend: FakeBackend,
    _serial: tokio::sync::MutexGuard<'static, ()>,
}

impl Target {
    /// `ajpgate serve --h2c` with one ajp13 worker (pool of [`POOL`], requests wait up to 20 s for a
    /// backend connection) mounted at `/*`.
    pub async fn start() -> Target {
        Self::start_with(vec![]).await
    }

    /// Like [`Target::start`], with more `serve` arguments after `--h2c`.
    pub async fn start_with(args: Vec<String>) -> Target {
        let serial = SERIAL.lock().await;
        let backend = support::fake("node1").await;
        let workers = one_worker(
            backend.addr().port(),
            &[
                &format!("connection_pool_size={POOL}"),
                "connection_acquire_timeout=20000",
            ],
        );
        let gate = tokio::task::spawn_blocking(move || {
            let mut all = vec!["--h2c"];
            all.extend(args.iter().map(String::as_str));
            GateProcess::start_with_args(&workers, &["/*=fake"], &all)
        })
        .await
        .unwrap();
        Target {
            gate,
            backend,
            _serial: serial,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.gate.addr
    }

    /// Runs `attack` again and again for `duration` (each call one abusive connection, which checks
    /// its own outcome), with a steady client measured before and during; then checks memory, latency
    /// and that the gateway still answers. Returns how many attacks ran.
    pub async fn under_attack<F, Fut>(&self, what: &str, duration: Duration, mut attack: F) -> u32
    where
        F: FnMut(SocketAddr) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let pid = self.gate.pid();
        let steady = Steady::start(self.addr()).await;
        let warm = Instant::now();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let rss_before = proc_status_kb(pid, "VmRSS");
        assert!(reset_peak_rss(pid), "cannot reset the peak RSS of {pid}");
        let cpu_before = cpu_ticks(pid);
        let started = Instant::now();
        let addr = self.addr();
        // The attacker gets a thread and runtime of its own, so that it cannot starve the steady
        // client or the fake backend, which run on the test's runtime.
        let attacker = tokio::task::spawn_blocking(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut attacks = 0u32;
                while started.elapsed() < duration {
                    attack(addr).await;
                    attacks += 1;
                }
                attacks
            })
        });
        let attacks = match attacker.await {
            Ok(attacks) => attacks,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };
        let ended = Instant::now();
        let peak = proc_status_kb(pid, "VmHWM");
        let cpu = cpu_ticks(pid) - cpu_before;
        let before = steady.window(warm + Duration::from_millis(300), started);
        let during = steady.window(started, ended);
        for slow in during
            .0
            .iter()
            .filter(|s| s.took > Duration::from_millis(100))
        {
            eprintln!(
                "{what}: slow steady request at +{:?}: {:?}",
                slow.at - started,
                slow.took
            );
        }
        steady.stop().await;
        eprintln!(
            "{what}: {attacks} attacks in {:?}; gateway CPU {cpu} ticks, RSS before {rss_before} kB, peak during {peak} kB; backend saw {} requests on {} connections",
            ended - started,
            self.backend.stats().forward_requests(),
            self.backend.stats().connections_accepted()
        );
        assert!(
            peak.saturating_sub(rss_before) < MEMORY_GROWTH_LIMIT_KB,
            "{what}: gateway peak RSS grew from {rss_before} kB to {peak} kB"
        );
        peer::assert_kept_latency(what, &before, &during, 20);
        self.assert_serves(what).await;
        attacks
    }

    /// A new h2 connection and a new HTTP/1.1 connection each get 200.
    pub async fn assert_serves(&self, what: &str) {
        let (mut send, _connection) = peer::connect(self.addr()).await;
        let status = peer::get(&mut send, "/after").await;
        assert_eq!(status.ok(), Some(StatusCode::OK), "{what}: h2 after");
        let seen = support::get(self.addr(), "/after").await;
        assert_eq!(seen.status, StatusCode::OK, "{what}: HTTP/1.1 after");
        let log = std::fs::read_to_string(&self.gate.log).unwrap_or_default();
        assert!(
            !log.contains("panicked"),
            "{what}: the gateway panicked:\n{log}"
        );
    }
}

/// utime + stime of `pid` in clock ticks (/proc/PID/stat fields 14 and 15).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}
