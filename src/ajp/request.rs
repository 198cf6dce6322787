//! FORWARD_REQUEST: the packet that carries an HTTP request to the container (docs/ajp13.md#forward-request-layout).
//!
//! The struct keeps the wire form, not an interpretation of it: the method byte and the attributes stay
//! as they came, in their order, so that decoding and encoding are exact inverses. Building a request the
//! way mod_jk does (which headers to code, which attributes to add) is the gateway's job.

use bytes::Bytes;

use super::codes::{self, METHOD_STORED, attr};
use super::error::{EncodeError, ErrorKind, ProtocolError};
use super::wire::{Reader, Result, Writer};

/// The method byte of a FORWARD_REQUEST: one of the 27 coded methods, or [`MethodCode::STORED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MethodCode(u8);

impl MethodCode {
    pub const GET: Self = Self(2);
    pub const HEAD: Self = Self(3);
    pub const POST: Self = Self(4);
    /// 0xFF: the method name travels in a [`Attribute::StoredMethod`].
    pub const STORED: Self = Self(METHOD_STORED);

    /// A valid method byte, or `None` for 0 and 28..=254.
    pub fn from_u8(code: u8) -> Option<Self> {
        (code == METHOD_STORED || codes::method_name(code).is_some()).then_some(Self(code))
    }

    /// The code mod_jk sends for a method name: coded when known (exact case), else `STORED`.
    pub fn for_name(name: &[u8]) -> Self {
        codes::method_code(name).map_or(Self::STORED, Self)
    }

    pub fn as_u8(self) -> u8 {
        self.0
    }

    /// The coded method's name; `None` for `STORED`.
    pub fn name(self) -> Option<&'static str> {
        codes::method_name(self.0)
    }
}

/// A header name on the wire: a coded int16 `0xA0xx` or a literal string.
///
/// The code tables differ by direction ([`codes::request_header_name`], [`codes::response_header_name`]);
/// decoders only produce indices valid for their direction, encoders refuse others.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HeaderName {
    Coded(u8),
    Named(Bytes),
}

impl HeaderName {
    /// How mod_jk sends a request header name (see [`codes::request_header_index`]).
    pub fn for_request(name: &[u8]) -> Self {
        codes::request_header_index(name)
            .map_or_else(|| Self::Named(Bytes::copy_from_slice(name)), Self::Coded)
    }

    /// How Tomcat sends a response header name (see [`codes::response_header_index`]).
    pub fn for_response(name: &[u8]) -> Self {
        codes::response_header_index(name)
            .map_or_else(|| Self::Named(Bytes::copy_from_slice(name)), Self::Coded)
    }

    /// Decodes a header name; `table` maps a code index to its canonical name for this direction.
    pub(crate) fn read(r: &mut Reader, table: fn(u8) -> Option<&'static str>) -> Result<Self> {
        let start = r.offset();
        let peek = r.peek_u16("header name")?;
        if peek >> 8 == u16::from(codes::CODED_HEADER_PREFIX) {
            r.u16("header name")?;
            let index = (peek & 0xFF) as u8;
            return match table(index) {
                Some(_) => Ok(Self::Coded(index)),
                None => Err(ProtocolError::new(
                    ErrorKind::CodedHeaderOutOfRange { code: peek },
                    start,
                )),
            };
        }
        Ok(Self::Named(r.required_string("header name")?))
    }

    pub(crate) fn write(
        &self,
        w: &mut Writer,
        table: fn(u8) -> Option<&'static str>,
    ) -> std::result::Result<(), EncodeError> {
        match self {
            Self::Coded(index) => {
                if table(*index).is_none() {
                    return Err(EncodeError::CodedHeaderOutOfRange { index: *index });
                }
                w.u16(u16::from_be_bytes([codes::CODED_HEADER_PREFIX, *index]));
                Ok(())
            }
            Self::Named(name) => {
                if name.len() >> 8 == usize::from(codes::CODED_HEADER_PREFIX) {
                    return Err(EncodeError::HeaderNameTooLong { length: name.len() });
                }
                w.string(Some(name), "header name")
            }
        }
    }
}

/// Reads `count` name/value header pairs, refusing counts the payload cannot hold before allocating.
pub(crate) fn read_headers(
    r: &mut Reader,
    table: fn(u8) -> Option<&'static str>,
) -> Result<Vec<(HeaderName, Bytes)>> {
    let count_at = r.offset();
    let count = usize::from(r.u16("num_headers")?);
    // Smallest header: a coded name (2 bytes) and an empty value (3 bytes).
    if count * 5 > r.remaining() {
        return Err(ProtocolError::new(
            ErrorKind::HeaderCountBeyondPayload {
                count,
                remaining: r.remaining(),
            },
            count_at,
        ));
    }
    let mut headers = Vec::with_capacity(count);
    for _ in 0..count {
        let name = HeaderName::read(r, table)?;
        let value = r.required_string("header value")?;
        headers.push((name, value));
    }
    Ok(headers)
}

pub(crate) fn write_headers(
    w: &mut Writer,
    headers: &[(HeaderName, Bytes)],
    table: fn(u8) -> Option<&'static str>,
) -> std::result::Result<(), EncodeError> {
    let count = u16::try_from(headers.len()).map_err(|_| EncodeError::TooManyHeaders {
        count: headers.len(),
    })?;
    w.u16(count);
    for (name, value) in headers {
        name.write(w, table)?;
        w.string(Some(value), "header value")?;
    }
    Ok(())
}

/// One attribute of a FORWARD_REQUEST, in the order it travels.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Attribute {
    Context(Bytes),
    ServletPath(Bytes),
    RemoteUser(Bytes),
    AuthType(Bytes),
    /// Raw query string, still %-encoded, without the `?`.
    QueryString(Bytes),
    Route(Bytes),
    SslCert(Bytes),
    SslCipher(Bytes),
    SslSession(Bytes),
    /// A named request attribute (`AJP_REMOTE_PORT`, `AJP_LOCAL_ADDR`, `JK_LB_ACTIVATION`, …).
    ReqAttribute {
        name: Bytes,
        value: Bytes,
    },
    /// The only attribute that is an int16, not a string.
    SslKeySize(u16),
    Secret(Bytes),
    StoredMethod(Bytes),
}

impl Attribute {
    pub fn code(&self) -> u8 {
        match self {
            Self::Context(_) => attr::CONTEXT,
            Self::ServletPath(_) => attr::SERVLET_PATH,
            Self::RemoteUser(_) => attr::REMOTE_USER,
            Self::AuthType(_) => attr::AUTH_TYPE,
            Self::QueryString(_) => attr::QUERY_STRING,
            Self::Route(_) => attr::ROUTE,
            Self::SslCert(_) => attr::SSL_CERT,
            Self::SslCipher(_) => attr::SSL_CIPHER,
            Self::SslSession(_) => attr::SSL_SESSION,
            Self::ReqAttribute { .. } => attr::REQ_ATTRIBUTE,
            Self::SslKeySize(_) => attr::SSL_KEY_SIZE,
            Self::Secret(_) => attr::SECRET,
            Self::StoredMethod(_) => attr::STORED_METHOD,
        }
    }

    /// The attribute's name in mod_jk's sources and in `ajpgate decode` output.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Context(_) => "context",
            Self::ServletPath(_) => "servlet_path",
            Self::RemoteUser(_) => "remote_user",
            Self::AuthType(_) => "auth_type",
            Self::QueryString(_) => "query_string",
            Self::Route(_) => "route",
            Self::SslCert(_) => "ssl_cert",
            Self::SslCipher(_) => "ssl_cipher",
            Self::SslSession(_) => "ssl_session",
            Self::ReqAttribute { .. } => "req_attribute",
            Self::SslKeySize(_) => "ssl_key_size",
            Self::Secret(_) => "secret",
            Self::StoredMethod(_) => "stored_method",
        }
    }

    /// The value of every attribute that carries one string.
    pub fn string_value(&self) -> Option<&Bytes> {
        match self {
            Self::Context(v)
            | Self::ServletPath(v)
            | Self::RemoteUser(v)
            | Self::AuthType(v)
            | Self::QueryString(v)
            | Self::Route(v)
            | Self::SslCert(v)
            | Self::SslCipher(v)
            | Self::SslSession(v)
            | Self::Secret(v)
            | Self::StoredMethod(v) => Some(v),
            Self::ReqAttribute { .. } | Self::SslKeySize(_) => None,
        }
    }

    /// Reads one attribute whose code byte was already consumed at `code_at`.
    fn read(code: u8, code_at: usize, r: &mut Reader) -> Result<Self> {
        let string = |r: &mut Reader| r.required_string("attribute value");
        Ok(match code {
            attr::CONTEXT => Self::Context(string(r)?),
            attr::SERVLET_PATH => Self::ServletPath(string(r)?),
            attr::REMOTE_USER => Self::RemoteUser(string(r)?),
            attr::AUTH_TYPE => Self::AuthType(string(r)?),
            attr::QUERY_STRING => Self::QueryString(string(r)?),
            attr::ROUTE => Self::Route(string(r)?),
            attr::SSL_CERT => Self::SslCert(string(r)?),
            attr::SSL_CIPHER => Self::SslCipher(string(r)?),
            attr::SSL_SESSION => Self::SslSession(string(r)?),
            attr::REQ_ATTRIBUTE => Self::ReqAttribute {
                name: r.required_string("req_attribute name")?,
                value: r.required_string("req_attribute value")?,
            },
            attr::SSL_KEY_SIZE => Self::SslKeySize(r.u16("ssl_key_size")?),
            attr::SECRET => Self::Secret(string(r)?),
            attr::STORED_METHOD => Self::StoredMethod(string(r)?),
            code => {
                return Err(ProtocolError::new(
                    ErrorKind::UnknownAttribute { code },
                    code_at,
                ));
            }
        })
    }

    fn write(&self, w: &mut Writer) -> std::result::Result<(), EncodeError> {
        w.u8(self.code());
        match self {
            Self::ReqAttribute { name, value } => {
                w.string(Some(name), "req_attribute name")?;
                w.string(Some(value), "req_attribute value")
            }
            Self::SslKeySize(size) => {
                w.u16(*size);
                Ok(())
            }
            other => w.string(other.string_value().map(|v| &v[..]), other.name()),
        }
    }
}

/// A FORWARD_REQUEST message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForwardRequest {
    pub method: MethodCode,
    pub protocol: Option<Bytes>,
    pub req_uri: Option<Bytes>,
    pub remote_addr: Option<Bytes>,
    pub remote_host: Option<Bytes>,
    pub server_name: Option<Bytes>,
    pub server_port: u16,
    pub is_ssl: bool,
    pub headers: Vec<(HeaderName, Bytes)>,
    pub attributes: Vec<Attribute>,
}

impl ForwardRequest {
    /// The method the container will see: the coded name, or the stored_method attribute for 0xFF.
    pub fn method_name(&self) -> Option<&[u8]> {
        match self.method.name() {
            Some(name) => Some(name.as_bytes()),
            None => self.attributes.iter().find_map(|a| match a {
                Attribute::StoredMethod(m) => Some(&m[..]),
                _ => None,
            }),
        }
    }

    /// Canonical or literal name of a header.
    pub fn header_name(name: &HeaderName) -> &[u8] {
        match name {
            HeaderName::Coded(index) => codes::request_header_name(*index).unwrap_or("").as_bytes(),
            HeaderName::Named(name) => name,
        }
    }

    /// Values of every header with this name (case-insensitive), in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Bytes> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| Self::header_name(n).eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The first Content-Length header as a number; `None` when absent or not a number.
    pub fn content_length(&self) -> Option<u64> {
        let value = self.header_values("Content-Length").next()?;
        std::str::from_utf8(value).ok()?.trim().parse().ok()
    }

    /// Decodes the payload after the type byte. `r` is positioned just past the 0x02.
    pub(crate) fn read(r: &mut Reader) -> Result<Self> {
        let method_at = r.offset();
        let code = r.u8("method")?;
        let method = MethodCode::from_u8(code)
            .ok_or_else(|| ProtocolError::new(ErrorKind::UnknownMethod { code }, method_at))?;
        let protocol = r.string("protocol")?;
        let req_uri = r.string("req_uri")?;
        let remote_addr = r.string("remote_addr")?;
        let remote_host = r.string("remote_host")?;
        let server_name = r.string("server_name")?;
        let server_port = r.u16("server_port")?;
        let is_ssl = r.bool("is_ssl")?;
        let headers = read_headers(r, codes::request_header_name)?;
        // mod_jk sends 3 to 8 attributes; one allocation covers them.
        let mut attributes = Vec::with_capacity(8);
        loop {
            if r.remaining() == 0 {
                return Err(r.error(ErrorKind::MissingTerminator));
            }
            let code_at = r.offset();
            let code = r.u8("attribute code")?;
            if code == attr::ARE_DONE {
                break;
            }
            attributes.push(Attribute::read(code, code_at, r)?);
        }
        let request = Self {
            method,
            protocol,
            req_uri,
            remote_addr,
            remote_host,
            server_name,
            server_port,
            is_ssl,
            headers,
            attributes,
        };
        if request.method_name().is_none() {
            return Err(ProtocolError::new(
                ErrorKind::MissingStoredMethod,
                method_at,
            ));
        }
        Ok(request)
    }

    pub(crate) fn write(&self, w: &mut Writer) -> std::result::Result<(), EncodeError> {
        w.u8(codes::MessageType::ForwardRequest as u8);
        w.u8(self.method.as_u8());
        w.string(self.protocol.as_deref(), "protocol")?;
        w.string(self.req_uri.as_deref(), "req_uri")?;
        w.string(self.remote_addr.as_deref(), "remote_addr")?;
        w.string(self.remote_host.as_deref(), "remote_host")?;
        w.string(self.server_name.as_deref(), "server_name")?;
        w.u16(self.server_port);
        w.bool(self.is_ssl);
        write_headers(w, &self.headers, codes::request_header_name)?;
        for attribute in &self.attributes {
            attribute.write(w)?;
        }
        w.u8(attr::ARE_DONE);
        Ok(())
    }
}
