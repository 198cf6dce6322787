//! The byte relay between the client and the member after a 101: each direction is copied as it
//! arrives; the end of one direction is passed on as a half-close (a FIN, or TLS close_notify then a
//! FIN) while the other goes on; the tunnel ends when both directions have ended, when either breaks
//! (then both sockets close at once), or when no byte has moved either way for the idle timeout.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::counters::TunnelCounters;

/// Bytes read in one go, per direction.
const BUFFER: usize = 16 * 1024;

/// How a tunnel ended.
#[derive(Debug)]
pub enum RelayEnd {
    /// Both sides closed their direction.
    Closed,
    /// Nothing moved for the idle timeout.
    IdleTimeout,
    /// A read or write failed (a reset, a broken pipe); both sides are closed.
    Broken(io::Error),
}

/// When a byte last moved, in milliseconds since the tunnel opened.
struct Activity {
    start: Instant,
    last: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.start + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }
}

/// Copies `from` to `to` until `from` ends, then half-closes `to`.
async fn pump<R, W>(
    from: &mut R,
    to: &mut W,
    activity: &Activity,
    count: impl Fn(usize),
) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buffer = vec![0u8; BUFFER];
    loop {
        let n = from.read(&mut buffer).await?;
        if n == 0 {
            return to.shutdown().await;
        }
        to.write_all(&buffer[..n]).await?;
        to.flush().await?;
        count(n);
        activity.touch();
    }
}

/// Returns once nothing has moved for `idle`; never when `idle` is zero.
async fn idle_watch(activity: &Activity, idle: Duration) {
    if idle.is_zero() {
        return std::future::pending().await;
    }
    loop {
        let deadline = activity.last() + idle;
        if Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep_until(deadline.into()).await;
    }
}

/// What one tunnel carried, and how it ended.
#[derive(Debug)]
pub struct Relayed {
    pub end: RelayEnd,
    pub to_backend: u64,
    pub to_client: u64,
}

/// Relays until the tunnel ends (see the module docs); both sockets are closed when this returns.
/// `counters` (the member's) count the bytes as they go.
pub async fn relay<C, M>(client: C, member: M, idle: Duration, counters: &TunnelCounters) -> Relayed
where
    C: AsyncRead + AsyncWrite + Unpin,
    M: AsyncRead + AsyncWrite + Unpin,
{
    let (mut client_in, mut client_out) = tokio::io::split(client);
    let (mut member_in, mut member_out) = tokio::io::split(member);
    let activity = Activity {
        start: Instant::now(),
        last: AtomicU64::new(0),
    };
    let (up_bytes, down_bytes) = (AtomicU64::new(0), AtomicU64::new(0));
    let up = pump(&mut client_in, &mut member_out, &activity, |n| {
        counters.to_backend(n);
        up_bytes.fetch_add(n as u64, Ordering::Relaxed);
    });
    let down = pump(&mut member_in, &mut client_out, &activity, |n| {
        counters.to_client(n);
        down_bytes.fetch_add(n as u64, Ordering::Relaxed);
    });
    let end = run(up, down, idle_watch(&activity, idle)).await;
    Relayed {
        end,
        to_backend: up_bytes.load(Ordering::Relaxed),
        to_client: down_bytes.load(Ordering::Relaxed),
    }
}

/// Drives both directions and the idle watch until the tunnel ends.
async fn run(
    up: impl Future<Output = io::Result<()>>,
    down: impl Future<Output = io::Result<()>>,
    idle: impl Future<Output = ()>,
) -> RelayEnd {
    tokio::pin!(up, down, idle);
    let (mut up_done, mut down_done) = (false, false);
    loop {
        let ended = tokio::select! {
            result = &mut up, if !up_done => { up_done = true; result }
            result = &mut down, if !down_done => { down_done = true; result }
            () = &mut idle => return RelayEnd::IdleTimeout,
        };
        if let Err(error) = ended {
            return RelayEnd::Broken(error);
        }
        if up_done && down_done {
            return RelayEnd::Closed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::duplex;

    #[tokio::test]
    async fn bytes_cross_both_ways_and_each_end_is_passed_on() {
        let counters = TunnelCounters::default();
        let (client, mut client_peer) = duplex(1024);
        let (member, mut member_peer) = duplex(1024);
        let tunnel = relay(client, member, Duration::from_secs(30), &counters);
        let peers = async {
            client_peer.write_all(b"hello").await.unwrap();
            client_peer.shutdown().await.unwrap();
            let mut seen = Vec::new();
            member_peer.read_to_end(&mut seen).await.unwrap();
            assert_eq!(seen, b"hello", "the client's end reached the member");
            member_peer.write_all(b"bye!").await.unwrap();
            member_peer.shutdown().await.unwrap();
            let mut back = Vec::new();
            client_peer.read_to_end(&mut back).await.unwrap();
            assert_eq!(
                back, b"bye!",
                "the member could still answer after the half-close"
            );
        };
        let (relayed, ()) = tokio::join!(tunnel, peers);
        assert!(matches!(relayed.end, RelayEnd::Closed), "{relayed:?}");
        assert_eq!((relayed.to_backend, relayed.to_client), (5, 4));
        let stats = counters.stats();
        assert_eq!((stats.bytes_to_backend, stats.bytes_to_client), (5, 4));
    }

    #[tokio::test]
    async fn a_silent_tunnel_ends_after_the_idle_timeout() {
        let counters = TunnelCounters::default();
        let (client, _client_peer) = duplex(64);
        let (member, _member_peer) = duplex(64);
        let started = Instant::now();
        let idle = Duration::from_millis(200);
        let relayed = tokio::time::timeout(
            Duration::from_secs(30),
            relay(client, member, idle, &counters),
        )
        .await
        .expect("the idle timeout ends the tunnel");
        assert!(matches!(relayed.end, RelayEnd::IdleTimeout), "{relayed:?}");
        assert!(started.elapsed() >= idle);
    }
}
