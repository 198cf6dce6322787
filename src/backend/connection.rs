//! One TCP connection to an AJP13 container, framed by the codec.
//!
//! This file decides how a connection is opened (timeouts, TCP_NODELAY, keepalive, source address), how
//! it is probed (CPing/CPong), and whether an idle one is still usable. Which request it carries, and
//! whether it goes back to a pool afterwards, is decided elsewhere.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_util::codec::Framed;

use super::error::BackendError;
use crate::ajp::{ClientCodec, CodecError, FromContainer, ToContainer};

/// How to open connections to one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectSettings {
    /// The host as configured (jk-status shows and edits it); `address` is what it resolved to.
    pub host: String,
    pub address: SocketAddr,
    pub source: Option<SocketAddr>,
    /// Zero: the operating system's own limit.
    pub connect_timeout: Duration,
    pub keepalive: bool,
    pub max_packet_size: usize,
}

/// An open connection. Dropping it closes the socket.
#[derive(Debug)]
pub struct Connection {
    framed: Framed<TcpStream, ClientCodec>,
    id: u64,
    opened: Instant,
    idle_since: Instant,
}

/// Applies an optional deadline (zero = none) to a future.
pub(crate) async fn within<T>(
    limit: Duration,
    future: impl Future<Output = T>,
) -> Result<T, tokio::time::error::Elapsed> {
    if limit.is_zero() {
        Ok(future.await)
    } else {
        tokio::time::timeout(limit, future).await
    }
}

/// Resolves a backend's host, preferring IPv4 as mod_jk does.
pub async fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await.ok()?.collect();
    addresses
        .iter()
        .find(|a| a.is_ipv4())
        .or(addresses.first())
        .copied()
}

impl Connection {
    /// Opens a TCP connection. `id` only serves logs.
    pub async fn open(settings: &ConnectSettings, id: u64) -> Result<Self, BackendError> {
        let address = settings.address;
        if address.port() == 0 {
            // jk-status set port 0: the worker is switched off, not pointed at a random port.
            let error = io::Error::new(io::ErrorKind::InvalidInput, "port 0 (worker disabled)");
            return Err(BackendError::Connect(address, error));
        }
        let connect = async {
            let socket = if address.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            socket.set_keepalive(settings.keepalive)?;
            if let Some(source) = settings.source {
                socket.bind(source)?;
            }
            let stream = socket.connect(address).await?;
            stream.set_nodelay(true)?;
            io::Result::Ok(stream)
        };
        let stream = within(settings.connect_timeout, connect)
            .await
            .map_err(|_| BackendError::ConnectTimeout(address))?
            .map_err(|e| BackendError::Connect(address, e))?;
        let now = Instant::now();
        Ok(Self {
            framed: Framed::new(stream, ClientCodec::new(settings.max_packet_size)),
            id,
            opened: now,
            idle_since: now,
        })
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn opened(&self) -> Instant {
        self.opened
    }

    pub fn idle_since(&self) -> Instant {
        self.idle_since
    }

    pub(crate) fn mark_idle(&mut self) {
        self.idle_since = Instant::now();
    }

    /// Sends CPING and waits for CPONG (zero timeout: wait as long as it takes).
    pub async fn cping(&mut self, timeout: Duration) -> Result<(), BackendError> {
        self.send(ToContainer::CPing).await?;
        match within(timeout, self.framed.next()).await {
            Err(_) => Err(BackendError::CPingTimeout),
            Ok(Some(Ok(FromContainer::CPong))) => Ok(()),
            Ok(Some(Ok(other))) => Err(BackendError::Unexpected(other.type_name())),
            Ok(Some(Err(e))) => Err(e.into()),
            Ok(None) => Err(BackendError::Closed),
        }
    }

    /// Whether an idle connection can carry a request: the peer has neither closed it nor sent anything
    /// unasked (Tomcat never does; stray bytes mean the last exchange did not end cleanly).
    pub fn is_usable(&self) -> bool {
        if !self.framed.read_buffer().is_empty() {
            return false;
        }
        let mut probe = [0u8; 1];
        match self.framed.get_ref().try_read(&mut probe) {
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
            Ok(_) => false,
        }
    }

    /// Writes packets that were encoded beforehand (kept for retries), flushing anything queued first.
    pub async fn write_raw(&mut self, packets: &[u8]) -> Result<(), BackendError> {
        use tokio::io::AsyncWriteExt;
        self.flush().await?;
        let stream = self.framed.get_mut();
        stream.write_all(packets).await.map_err(BackendError::Io)?;
        stream.flush().await.map_err(BackendError::Io)
    }

    /// Queues a message without flushing.
    pub async fn feed(&mut self, message: ToContainer) -> Result<(), BackendError> {
        self.framed.feed(message).await.map_err(Into::into)
    }

    /// Sends a message and flushes it.
    pub async fn send(&mut self, message: ToContainer) -> Result<(), BackendError> {
        self.framed.send(message).await.map_err(Into::into)
    }

    pub async fn flush(&mut self) -> Result<(), BackendError> {
        SinkExt::<ToContainer>::flush(&mut self.framed)
            .await
            .map_err(Into::into)
    }

    /// The next message from the container, waiting at most `timeout` (zero: no limit).
    pub async fn receive(&mut self, timeout: Duration) -> Result<FromContainer, BackendError> {
        match within(timeout, self.framed.next()).await {
            Err(_) => Err(BackendError::ReplyTimeout),
            Ok(Some(Ok(message))) => Ok(message),
            Ok(Some(Err(e))) => Err(e.into()),
            Ok(None) => Err(BackendError::Closed),
        }
    }
}

impl From<CodecError> for BackendError {
    fn from(error: CodecError) -> Self {
        match error {
            CodecError::Protocol(e) => BackendError::Protocol(e),
            CodecError::Encode(e) => BackendError::Encode(e),
            CodecError::Io(e) => BackendError::Io(e),
        }
    }
}
