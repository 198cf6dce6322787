//! Decode and encode throughput of the two packets on every request's path: a typical browser
//! FORWARD_REQUEST (as mod_jk builds it) and a typical Tomcat SEND_HEADERS.
//!
//! Run: `cargo bench --bench codec`. Allocation counts per decode are checked by `tests/allocations.rs`.

use std::hint::black_box;

use ajpgate::ajp::{
    Attribute, ClientCodec, ForwardRequest, FromContainer, HeaderName, MethodCode, SendHeaders,
    ServerCodec, ToContainer,
};
use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::codec::Decoder;

fn s(v: &'static str) -> Bytes {
    Bytes::from_static(v.as_bytes())
}

/// A Firefox-like GET with cookies, as mod_jk forwards it.
fn browser_request() -> ForwardRequest {
    let headers = [
        ("Host", "shop.example.com"),
        (
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ),
        (
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        ("Accept-Language", "en-GB,en;q=0.5"),
        ("Accept-Encoding", "gzip, deflate, br, zstd"),
        ("Referer", "https://shop.example.com/catalog/list?page=2"),
        ("Connection", "keep-alive"),
        (
            "Cookie",
            "JSESSIONID=2768CFEF6CA561F224D2E2D9335DF8F4.node1; theme=dark; consent=1",
        ),
        ("Upgrade-Insecure-Requests", "1"),
        ("Sec-Fetch-Dest", "document"),
        ("Sec-Fetch-Mode", "navigate"),
        ("Sec-Fetch-Site", "same-origin"),
        ("Priority", "u=0, i"),
        ("content-length", "0"),
    ];
    ForwardRequest {
        method: MethodCode::GET,
        protocol: Some(s("HTTP/1.1")),
        req_uri: Some(s("/shop/catalog/item/12345")),
        remote_addr: Some(s("203.0.113.77")),
        remote_host: None,
        server_name: Some(s("shop.example.com")),
        server_port: 443,
        is_ssl: true,
        headers: headers
            .iter()
            .map(|(n, v)| (HeaderName::for_request(n.as_bytes()), s(v)))
            .collect(),
        attributes: vec![
            Attribute::Secret(s("s3cret")),
            Attribute::QueryString(s("colour=blue&size=m")),
            Attribute::Route(s("node1")),
            Attribute::SslCipher(s("TLS_AES_256_GCM_SHA384")),
            Attribute::SslKeySize(256),
            Attribute::ReqAttribute {
                name: s("AJP_SSL_PROTOCOL"),
                value: s("TLSv1.3"),
            },
            Attribute::ReqAttribute {
                name: s("AJP_REMOTE_PORT"),
                value: s("51234"),
            },
            Attribute::ReqAttribute {
                name: s("AJP_LOCAL_ADDR"),
                value: s("10.0.0.5"),
            },
            Attribute::ReqAttribute {
                name: s("JK_LB_ACTIVATION"),
                value: s("ACT"),
            },
        ],
    }
}

/// Tomcat's reply to a JSP that sets a session cookie.
fn tomcat_headers() -> SendHeaders {
    let headers = [
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Cache-Control", "no-store"),
        (
            "Set-Cookie",
            "JSESSIONID=9A7F8117B7CC5D812988A6D5D2A3ECB3.node2; Path=/shop; HttpOnly",
        ),
        ("Content-Type", "text/html;charset=UTF-8"),
        ("Content-Language", "en-GB"),
        ("Content-Length", "5120"),
    ];
    SendHeaders {
        status: 200,
        reason: Some(s("200")),
        headers: headers
            .iter()
            .map(|(n, v)| (HeaderName::for_response(n.as_bytes()), s(v)))
            .collect(),
    }
}

fn bench(c: &mut Criterion) {
    let request = ToContainer::ForwardRequest(Box::new(browser_request()));
    let response = FromContainer::SendHeaders(tomcat_headers());
    let mut request_wire = BytesMut::new();
    request.encode(&mut request_wire, 8192).unwrap();
    let mut response_wire = BytesMut::new();
    response.encode(&mut response_wire, 8192).unwrap();

    let mut group = c.benchmark_group("forward_request");
    group.throughput(Throughput::Bytes(request_wire.len() as u64));
    group.bench_function("decode", |b| {
        let mut codec = ServerCodec::default();
        b.iter(|| {
            let mut buf = request_wire.clone();
            black_box(codec.decode(&mut buf).unwrap().unwrap())
        })
    });
    group.bench_function("encode", |b| {
        let mut buf = BytesMut::with_capacity(8192);
        b.iter(|| {
            buf.clear();
            black_box(&request).encode(&mut buf, 8192).unwrap();
        })
    });
    group.finish();

    let mut group = c.benchmark_group("send_headers");
    group.throughput(Throughput::Bytes(response_wire.len() as u64));
    group.bench_function("decode", |b| {
        let mut codec = ClientCodec::default();
        b.iter(|| {
            let mut buf = response_wire.clone();
            black_box(codec.decode(&mut buf).unwrap().unwrap())
        })
    });
    group.bench_function("encode", |b| {
        let mut buf = BytesMut::with_capacity(8192);
        b.iter(|| {
            buf.clear();
            black_box(&response).encode(&mut buf, 8192).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
