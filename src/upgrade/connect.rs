//! One connection to the member's HTTP connector: connect, send the request head, read the response
//! head. hyper's HTTP/1.1 client does the framing, so a refusal's body reaches the client intact; its
//! connection task runs with upgrades on, so that after a 101 the socket (with any bytes read past the
//! head) comes back through `hyper::upgrade::on`.

use std::io;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::endpoint::HttpEndpoint;
use crate::backend::BackendError;

/// Why no response head came back, and whether the member can have seen the request.
#[derive(Debug)]
pub(super) enum Failure {
    /// Not connected: the request never left, so another member may take it.
    Connect(BackendError),
    /// Connected, but the exchange broke or timed out before a response head.
    Exchange(BackendError),
}

fn hyper_error(error: hyper::Error) -> BackendError {
    if error.is_incomplete_message() || error.is_canceled() {
        BackendError::Closed
    } else {
        BackendError::Io(io::Error::other(error))
    }
}

async fn connect(endpoint: &HttpEndpoint) -> Result<TcpStream, BackendError> {
    let address = endpoint.address;
    let connecting = TcpStream::connect(address);
    let stream = if endpoint.connect_timeout.is_zero() {
        connecting.await
    } else {
        tokio::time::timeout(endpoint.connect_timeout, connecting)
            .await
            .map_err(|_| BackendError::ConnectTimeout(address))?
    }
    .map_err(|e| BackendError::Connect(address, e))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Sends `request` to the member and returns its response head (the body, if any, streams on).
pub(super) async fn exchange(
    endpoint: &HttpEndpoint,
    request: Request<Empty<Bytes>>,
) -> Result<Response<Incoming>, Failure> {
    let stream = connect(endpoint).await.map_err(Failure::Connect)?;
    let (mut sender, connection) = http1::Builder::new()
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|e| Failure::Exchange(hyper_error(e)))?;
    let worker = endpoint.worker.clone();
    tokio::spawn(async move {
        if let Err(error) = connection.with_upgrades().await {
            tracing::debug!(%worker, %error, "HTTP connection to the member ended with an error");
        }
    });
    let sending = sender.send_request(request);
    let response = if endpoint.idle_timeout.is_zero() {
        sending.await
    } else {
        tokio::time::timeout(endpoint.idle_timeout, sending)
            .await
            .map_err(|_| Failure::Exchange(BackendError::ReplyTimeout))?
    };
    response.map_err(|e| Failure::Exchange(hyper_error(e)))
}
