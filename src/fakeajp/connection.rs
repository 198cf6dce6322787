//! One accepted TCP connection, served the way Tomcat's AJP processor serves it.
//!
//! The loop reads one message at a time: CPING is answered at once (unless the backend plays a hung
//! container), FORWARD_REQUEST is handed to [`super::routes`], and anything else — SHUTDOWN, PING —
//! closes the connection without a reply (docs/tomcat.md#when-tomcat-closes-a-connection). Bytes the codec rejects (including a body
//! packet where a message belongs) close it too, and are counted as a protocol error. END_RESPONSE with
//! reuse=0 does *not* close it: Tomcat leaves that to the gateway (§1.5), and so does the fake.

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use super::answer::{After, Conn};
use super::routes;
use super::shared::Shared;
use crate::ajp::{CodecError, FromContainer, ServerCodec, ToContainer};

/// Serves one connection until either side ends it.
pub(crate) async fn serve(stream: TcpStream, shared: &Shared) {
    let _open = shared.stats.connection_opened();
    // Tomcat's AJP connector default (tcpNoDelay=true): every packet leaves at once.
    let _ = stream.set_nodelay(true);
    let mut conn = Framed::new(stream, ServerCodec::new(shared.config.max_packet_size));
    loop {
        let message = match conn.next().await {
            None => return,
            Some(Err(CodecError::Protocol(_))) => {
                shared.stats.protocol_error();
                return;
            }
            Some(Err(_)) => return,
            Some(Ok(message)) => message,
        };
        match message {
            ToContainer::CPing => {
                let answer = shared.config.answer_cping;
                shared.stats.cping(answer);
                if answer && conn.send(FromContainer::CPong).await.is_err() {
                    return;
                }
            }
            ToContainer::ForwardRequest(request) => {
                match routes::handle(&mut conn, shared, *request).await {
                    Ok(After::KeepAlive) => {}
                    Ok(After::Close) => return,
                    Ok(After::Reset) => {
                        reset(conn);
                        return;
                    }
                    Ok(After::Silence) => {
                        silence(conn).await;
                        return;
                    }
                    Err(err) => {
                        if err.is_protocol_error() {
                            shared.stats.protocol_error();
                        }
                        return;
                    }
                }
            }
            // Tomcat refuses SHUTDOWN and PING. A body packet can only be read here when a reuse=0
            // answer left the unasked first packet unread (see answer.rs): Tomcat 10.1.60 then reads
            // it as a bad message and closes too.
            ToContainer::Shutdown
            | ToContainer::Ping
            | ToContainer::Body(_)
            | ToContainer::EndOfBody => return,
        }
    }
}

/// Closes with a TCP RST instead of a FIN, so the peer sees "connection reset", not end of stream.
///
/// Everything written before was flushed to the kernel; on loopback it is already in the peer's receive
/// queue, which an RST does not discard.
fn reset(conn: Conn) {
    let stream = conn.into_inner();
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// Sends nothing more and reads until the peer gives up, like a container stuck in the application.
async fn silence(conn: Conn) {
    let mut stream = conn.into_inner();
    let mut sink = [0u8; 4096];
    loop {
        match stream.read(&mut sink).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}
