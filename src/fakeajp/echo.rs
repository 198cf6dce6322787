//! `/echo`: the request as the container received it, one `key: value` line per field.
//!
//! This is how a test checks what a gateway forwards (the FORWARD_REQUEST fields, headers in order,
//! attributes) through the gateway's own HTTP interface. The format is line-based so a test can grep
//! it; values are printed as UTF-8 (invalid bytes replaced) with control characters escaped as `\xNN`
//! so one value can never forge another line. A null string field prints `<null>`; the secret's value is
//! never printed, only `attr.secret: <present>`.
//!
//! ```text
//! method: POST
//! uri: /echo
//! query: a=1
//! protocol: HTTP/1.1
//! remote_addr: 192.0.2.10
//! remote_host: <null>
//! server_name: www.example.com
//! server_port: 80
//! is_ssl: false
//! header.host: www.example.com
//! header.content-length: 3
//! attr.query_string: a=1
//! attr.req_attribute.AJP_REMOTE_PORT: 51234
//! attr.secret: <present>
//! body_length: 3
//! body_fnv1a64: e71fa2190541574b
//! ```

use bytes::Bytes;

use super::answer::{After, Answer, Result};
use super::fnv::Fnv1a64;
use crate::ajp::{Attribute, ForwardRequest};

/// Reads the whole body and answers with the description.
pub(crate) async fn respond(ex: &mut Answer<'_>) -> Result<After> {
    let (length, hash) = ex.read_body_to_end().await?;
    let text = describe(&ex.request, length, &hash);
    ex.reply(200, "text/plain", Vec::new(), text).await
}

/// The text `/echo` answers with.
pub(crate) fn describe(request: &ForwardRequest, body_length: u64, body_hash: &Fnv1a64) -> String {
    let mut out = String::with_capacity(512);
    let mut line = |key: &str, value: &str| {
        out.push_str(key);
        out.push_str(": ");
        out.push_str(value);
        out.push('\n');
    };
    let field = |value: &Option<Bytes>| value.as_deref().map_or("<null>".into(), printable);
    let query = request.attributes.iter().find_map(|a| match a {
        Attribute::QueryString(q) => Some(q.clone()),
        _ => None,
    });

    line(
        "method",
        &request.method_name().map_or("<null>".into(), printable),
    );
    line("uri", &field(&request.req_uri));
    line("query", &field(&query));
    line("protocol", &field(&request.protocol));
    line("remote_addr", &field(&request.remote_addr));
    line("remote_host", &field(&request.remote_host));
    line("server_name", &field(&request.server_name));
    line("server_port", &request.server_port.to_string());
    line("is_ssl", &request.is_ssl.to_string());
    for (name, value) in &request.headers {
        let name = printable(ForwardRequest::header_name(name)).to_ascii_lowercase();
        line(&format!("header.{name}"), &printable(value));
    }
    for attribute in &request.attributes {
        match attribute {
            Attribute::Secret(_) => line("attr.secret", "<present>"),
            Attribute::ReqAttribute { name, value } => line(
                &format!("attr.req_attribute.{}", printable(name)),
                &printable(value),
            ),
            Attribute::SslKeySize(size) => line("attr.ssl_key_size", &size.to_string()),
            other => {
                let value = other.string_value().map_or(String::new(), |v| printable(v));
                line(&format!("attr.{}", other.name()), &value);
            }
        }
    }
    line("body_length", &body_length.to_string());
    line("body_fnv1a64", &body_hash.hex());
    out
}

/// UTF-8 with invalid sequences replaced and control characters written as `\xNN`.
fn printable(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if !text.chars().any(char::is_control) {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ajp::{HeaderName, MethodCode};

    #[test]
    fn describes_every_field_and_hides_the_secret() {
        let s = Bytes::from_static;
        let mut request = crate::ajp::tests_support::sample_request();
        request.method = MethodCode::POST;
        request.req_uri = Some(s(b"/echo"));
        request.headers = vec![
            (HeaderName::Coded(0x0B), s(b"www.example.com")),
            (
                HeaderName::Named(s(b"X-Evil")),
                s(b"a\r\nheader.host: forged"),
            ),
        ];
        request.attributes = vec![
            Attribute::QueryString(s(b"a=1")),
            Attribute::ReqAttribute {
                name: s(b"AJP_REMOTE_PORT"),
                value: s(b"51234"),
            },
            Attribute::SslKeySize(256),
            Attribute::Secret(s(b"hunter2")),
        ];
        let text = describe(&request, 3, &Fnv1a64::of(b"abc"));
        assert_eq!(
            text,
            "method: POST\nuri: /echo\nquery: a=1\nprotocol: HTTP/1.1\nremote_addr: 192.0.2.10\n\
             remote_host: <null>\nserver_name: www.example.com\nserver_port: 80\nis_ssl: false\n\
             header.host: www.example.com\nheader.x-evil: a\\x0d\\x0aheader.host: forged\n\
             attr.query_string: a=1\nattr.req_attribute.AJP_REMOTE_PORT: 51234\n\
             attr.ssl_key_size: 256\nattr.secret: <present>\nbody_length: 3\n\
             body_fnv1a64: e71fa2190541574b\n"
        );
        assert!(!text.contains("hunter2"));
    }
}
