//! Which page answers a FORWARD_REQUEST, and the well-behaved pages themselves.
//!
//! Tests drive the fake backend through the gateway, so everything is chosen by what survives the trip:
//! the path (`req_uri` without path parameters) and the query string. The table of paths is in the
//! [module docs](super); `/echo` lives in [`super::echo`] and the `/fault/...` pages in [`super::faults`].

use std::time::Duration;

use bytes::Bytes;

use super::answer::{After, Answer, Conn, Result};
use super::session::requested_ids;
use super::shared::Shared;
use super::uri::{Target, query_flag, query_number, query_param};
use super::{echo, faults};
use crate::ajp::codes::max_response_body_chunk;
use crate::ajp::{Attribute, ForwardRequest};

/// The byte pattern of `/bytes`: byte `i` of a response is `PATTERN[i % 36]`.
pub const PATTERN: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Longest sleep `/slow` and `/slow-body` accept (an hour): longer asks are cut to it.
const MAX_SLEEP_MS: u64 = 3_600_000;

/// Answers one request. Errors end the connection (see [`super::connection`]).
pub(crate) async fn handle(
    conn: &mut Conn,
    shared: &Shared,
    request: ForwardRequest,
) -> Result<After> {
    let target = Target::parse(request.req_uri.as_deref().unwrap_or_default());
    shared.stats.forward_request(&target.path);
    let mut ex = Answer::new(conn, shared, request);
    if !secret_matches(&ex.request, shared.config.secret.as_deref()) {
        return forbidden(&mut ex).await;
    }
    let query = ex.query();
    ex.stop_at_content_length = query_param(&query, "read") == Some("cl");
    match target.path.as_str() {
        "/echo" => echo::respond(&mut ex).await,
        "/bytes" => bytes(&mut ex, &query).await,
        "/upload" => upload(&mut ex).await,
        "/session" => session(&mut ex, &target).await,
        "/slow" => slow(&mut ex, &query).await,
        "/slow-body" => slow_body(&mut ex, &query).await,
        path => match path.strip_prefix("/fault/") {
            Some(fault) => faults::respond(&mut ex, fault, &query).await,
            None => page(&mut ex, path).await,
        },
    }
}

/// Tomcat's check (docs/tomcat.md#secret): with a secret configured, the request must carry it, and every
/// secret attribute it carries must match. Compared in constant time, as Tomcat does since 10.1.55.
fn secret_matches(request: &ForwardRequest, secret: Option<&str>) -> bool {
    let Some(secret) = secret else {
        return true;
    };
    let mut present = false;
    for attribute in &request.attributes {
        if let Attribute::Secret(sent) = attribute {
            present = true;
            if !constant_time_eq(sent, secret.as_bytes()) {
                return false;
            }
        }
    }
    present
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Tomcat's answer to a missing or wrong secret, byte for byte in shape: the ErrorReportValve page,
/// no header from the (never invoked) webapp, END_RESPONSE reuse=0, and the socket left open.
async fn forbidden(ex: &mut Answer<'_>) -> Result<After> {
    const PAGE: &str = concat!(
        "<!doctype html><html lang=\"en\"><head><title>HTTP Status 403 \u{2013} Forbidden</title>",
        "<style type=\"text/css\">body {font-family:Tahoma,Arial,sans-serif;} h1, h2, h3, b ",
        "{color:white;background-color:#525D76;} h1 {font-size:22px;} h2 {font-size:16px;} h3 ",
        "{font-size:14px;} p {font-size:12px;} a {color:black;} .line {height:1px;",
        "background-color:#525D76;border:none;}</style></head><body><h1>HTTP Status 403 \u{2013} ",
        "Forbidden</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p><p><b>Description</b> ",
        "The server understood the request but refuses to authorize it.</p><hr class=\"line\" />",
        "<h3>Apache Tomcat/10.1.60</h3></body></html>"
    );
    let headers = vec![
        Answer::header("Content-Type", "text/html;charset=utf-8"),
        Answer::header("Content-Language", "en"),
        Answer::header("Content-Length", PAGE.len().to_string()),
    ];
    ex.send_headers_exactly(403, headers).await?;
    ex.send_body(Bytes::from_static(PAGE.as_bytes())).await?;
    ex.finish(false).await?;
    Ok(After::KeepAlive)
}

/// `/bytes?n=N[&chunk=C][&flush=1][&cl=1]`: N pattern bytes in chunks of C.
async fn bytes(ex: &mut Answer<'_>, query: &str) -> Result<After> {
    let max = max_response_body_chunk(ex.shared.config.max_packet_size);
    let total = query_number(query, "n").unwrap_or(0);
    let chunk = match query_number(query, "chunk") {
        Some(c) if c > 0 => usize::try_from(c).map_or(max, |c| c.min(max)),
        _ => max,
    };
    let flush = query_flag(query, "flush");
    let mut headers = vec![Answer::header("Content-Type", "application/octet-stream")];
    if query_flag(query, "cl") {
        headers.push(Answer::header("Content-Length", total.to_string()));
    }
    ex.send_headers(200, headers).await?;
    // Every chunk is a slice of one buffer that holds the pattern from any starting phase.
    let pattern: Bytes = PATTERN.iter().copied().cycle().take(chunk + 36).collect();
    let mut sent = 0u64;
    // Nothing to send for HEAD: do not spin through a huge `n` producing nothing.
    while sent < total && ex.body_allowed() {
        let length = usize::try_from(total - sent).map_or(chunk, |left| left.min(chunk));
        let phase = (sent % 36) as usize;
        ex.send_chunk(pattern.slice(phase..phase + length)).await?;
        if flush {
            ex.send_chunk(Bytes::new()).await?;
        }
        sent += length as u64;
    }
    ex.finish(true).await?;
    Ok(After::KeepAlive)
}

/// `/upload`: streams the body through the checksum, never holding it.
async fn upload(ex: &mut Answer<'_>) -> Result<After> {
    let (length, hash) = ex.read_body_to_end().await?;
    let text = format!("length: {length}\nfnv1a64: {}\n", hash.hex());
    ex.reply(200, "text/plain", Vec::new(), text).await
}

/// `/session`: Tomcat's session cookie and a per-session hit count.
async fn session(ex: &mut Answer<'_>, target: &Target) -> Result<After> {
    let requested = requested_ids(&ex.request, &target.path_params);
    let hit = ex.shared.sessions.hit(&requested);
    let mut headers = Vec::new();
    if hit.created {
        let secure = if ex.request.is_ssl { "; Secure" } else { "" };
        let cookie = format!("JSESSIONID={}; Path=/{secure}; HttpOnly", hit.id);
        headers.push(Answer::header("Set-Cookie", cookie));
    }
    let text = format!(
        "node: {}\nsession: {}\nhits: {}\n",
        ex.shared.config.route, hit.id, hit.hits
    );
    ex.reply(200, "text/plain", headers, text).await
}

fn sleep_for(query: &str) -> Duration {
    Duration::from_millis(query_number(query, "ms").unwrap_or(0).min(MAX_SLEEP_MS))
}

/// `/slow?ms=N`: a pause before SEND_HEADERS (reply timeouts).
async fn slow(ex: &mut Answer<'_>, query: &str) -> Result<After> {
    let pause = sleep_for(query);
    tokio::time::sleep(pause).await;
    let text = format!("slept {} ms\n", pause.as_millis());
    ex.reply(200, "text/plain", Vec::new(), text).await
}

/// `/slow-body?ms=N`: headers, a first chunk and a flush, a pause, then the rest (streaming, and
/// timeouts between body packets). No Content-Length, as for a servlet that flushes early.
async fn slow_body(ex: &mut Answer<'_>, query: &str) -> Result<After> {
    let pause = sleep_for(query);
    let headers = vec![Answer::header("Content-Type", "text/plain")];
    ex.send_headers(200, headers).await?;
    ex.send_chunk(Bytes::from_static(b"first part\n")).await?;
    ex.send_chunk(Bytes::new()).await?;
    tokio::time::sleep(pause).await;
    ex.send_chunk(Bytes::from_static(b"second part\n")).await?;
    ex.finish(true).await?;
    Ok(After::KeepAlive)
}

/// Any other path: a small HTML page naming this backend, with a per-backend hit count.
async fn page(ex: &mut Answer<'_>, path: &str) -> Result<After> {
    let hits = ex.shared.next_page_hit();
    let route = escape_html(&ex.shared.config.route);
    let html = format!(
        "<!DOCTYPE html>\n<html><head><title>{route}</title></head><body>\n\
         <h1>fake backend {route}</h1>\n<p>node: {route}</p>\n<p>path: {}</p>\n<p>hits: {hits}</p>\n\
         </body></html>\n",
        escape_html(path)
    );
    ex.reply(200, "text/html;charset=UTF-8", Vec::new(), html)
        .await
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ajp::tests_support::sample_request;

    #[test]
    fn secret_comparison() {
        let mut request = sample_request();
        assert!(secret_matches(&request, None));
        assert!(!secret_matches(&request, Some("s3cret")));
        request
            .attributes
            .push(Attribute::Secret(Bytes::from_static(b"s3creT")));
        assert!(!secret_matches(&request, Some("s3cret")));
        assert!(!secret_matches(&request, Some("s3cre")));
        request.attributes.pop();
        request
            .attributes
            .push(Attribute::Secret(Bytes::from_static(b"s3cret")));
        assert!(secret_matches(&request, Some("s3cret")));
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape_html("/a<b>&\"c"), "/a&lt;b&gt;&amp;&quot;c");
    }
}
