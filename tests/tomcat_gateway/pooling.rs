//! Pooling under load: connections stay within the pool and responses never mix.

use super::*;

// -------------------------------------------------------------------------------------------------
// 6. Pooling under load.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_use_at_most_pool_size_connections_and_never_mix_responses() {
    bounded(300, async {
    const CLIENTS: usize = 16;
    const PER_CLIENT: usize = 625;
    const POOL: usize = 8;
    let _serial = SERIAL.lock().await;
    let tomcat = shared_tomcat();
    let gate = gate_for(
        tomcat,
        &[
            &format!("connection_pool_size={POOL}"),
            "connection_acquire_timeout=30000",
        ],
    )
    .await;

    // Tomcat's side of its AJP connections, sampled every 20 ms while the load runs.
    let baseline = tomcat.ajp_peer_ports();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        let port = tomcat.ajp_port;
        std::thread::spawn(move || {
            let mut seen = HashSet::new();
            let mut max_at_once = 0;
            loop {
                let now = support::process::established_peers(port);
                let ours: HashSet<u16> = now.difference(&baseline).copied().collect();
                max_at_once = max_at_once.max(ours.len());
                seen.extend(ours);
                if stop.load(Ordering::Relaxed) {
                    return (seen, max_at_once);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    let started = Instant::now();
    let addr = gate.addr;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            tokio::spawn(async move {
                let mut connection = KeepAlive::connect(addr).await;
                for i in 0..PER_CLIENT {
                    let token = format!("c{client}-r{i}");
                    let query = format!("nobody=1&noparams=1&t={token}");
                    let (status, body) = connection
                        .get(&format!("/app/echo.jsp?{query}"))
                        .await
                        .unwrap_or_else(|e| panic!("{token}: {e}"));
                    let text = String::from_utf8_lossy(&body);
                    assert_eq!(status, StatusCode::OK, "{token}: {text}");
                    assert!(
                        text.contains(&format!("\nquery: {query}\n")),
                        "{token} got someone else's response:\n{text}"
                    );
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (tomcat_side, max_at_once) = sampler.join().unwrap();
    let worker = gate.worker(ROUTE);
    let counters = worker.pool().counters();
    let opened = counters.opened.load(Ordering::Relaxed);
    let max_open = counters.max_open.load(Ordering::Relaxed);
    println!(
        "pooling: {} requests at concurrency {CLIENTS} in {elapsed:?}; connection_pool_size={POOL}; \
         Tomcat saw {} distinct connections (at most {max_at_once} at once, sampled every 20 ms); \
         ajpgate opened {opened} (at most {max_open} open at once)",
        CLIENTS * PER_CLIENT,
        tomcat_side.len()
    );
    assert!(
        tomcat_side.len() <= POOL,
        "Tomcat saw {} connections",
        tomcat_side.len()
    );
    assert!(
        !tomcat_side.is_empty(),
        "the sampler saw no connection at all"
    );
    assert!(opened as usize <= POOL, "ajpgate opened {opened}");
    assert!(max_open <= POOL);
    gate.shutdown().await;
    })
    .await;
}
