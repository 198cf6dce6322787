//! What can go wrong between ajpgate and a backend, and what each failure means for the client.
//!
//! The mapping to HTTP statuses is the one users act on (docs/workers-properties.md#request-algorithm-and-recovery-options): no connection → 503, reply timeout
//! → 504, protocol violation → 502, request too large for one packet → 413, broken client body → 400.

use std::io;
use std::net::SocketAddr;

use http::StatusCode;

use crate::ajp::{EncodeError, ProtocolError};

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("connect to {0} failed: {1}")]
    Connect(SocketAddr, #[source] io::Error),
    #[error("connect to {0} timed out")]
    ConnectTimeout(SocketAddr),
    #[error("no CPONG within the ping timeout")]
    CPingTimeout,
    #[error("no free connection within connection_acquire_timeout")]
    PoolExhausted,
    #[error("busy_limit reached")]
    BusyLimit,
    #[error("no reply within reply_timeout")]
    ReplyTimeout,
    #[error("backend closed the connection")]
    Closed,
    #[error("protocol violation from backend: {0}")]
    Protocol(#[source] ProtocolError),
    #[error("unexpected {0} from backend")]
    Unexpected(&'static str),
    #[error("second SEND_HEADERS in one response")]
    DuplicateHeaders,
    #[error("request does not fit in max_packet_size: {0}")]
    Encode(#[source] EncodeError),
    #[error("I/O error: {0}")]
    Io(#[source] io::Error),
    #[error("backend answered {0}, listed in fail_on_status")]
    FailOnStatus(u16),
    #[error("no usable lb member")]
    NoMember,
}

impl BackendError {
    /// The status a client gets when this ends its request before a response started.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Connect(..)
            | Self::ConnectTimeout(_)
            | Self::CPingTimeout
            | Self::PoolExhausted
            | Self::BusyLimit
            | Self::FailOnStatus(_)
            | Self::NoMember => StatusCode::SERVICE_UNAVAILABLE,
            Self::ReplyTimeout => StatusCode::GATEWAY_TIMEOUT,
            Self::Encode(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Closed
            | Self::Protocol(_)
            | Self::Unexpected(_)
            | Self::DuplicateHeaders
            | Self::Io(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// Failures that happen before the request can have reached the application: a retry cannot
    /// duplicate any work.
    pub fn before_delivery(&self) -> bool {
        matches!(
            self,
            Self::Connect(..)
                | Self::ConnectTimeout(_)
                | Self::CPingTimeout
                | Self::PoolExhausted
                | Self::BusyLimit
                | Self::NoMember
        )
    }
}
