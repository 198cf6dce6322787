//! Decoding allocates nothing per header or attribute: strings are `Bytes` slices of the received frame,
//! so the only allocations are the message's two `Vec`s (and the `Box` of a FORWARD_REQUEST), however
//! many headers it carries (the attribute list is sized for the usual eight or fewer). Counted with a global allocator wrapper; no timing involved.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ajpgate::ajp::{
    Attribute, ClientCodec, ForwardRequest, FromContainer, HeaderName, MethodCode, SendHeaders,
    ServerCodec, ToContainer,
};
use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

struct Counting;

thread_local! {
    // Per thread, so that tests running in parallel do not count each other's allocations.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = f();
    (ALLOCATIONS.with(Cell::get) - before, value)
}

fn request(headers: usize) -> BytesMut {
    let request = ForwardRequest {
        method: MethodCode::GET,
        protocol: Some(Bytes::from_static(b"HTTP/1.1")),
        req_uri: Some(Bytes::from_static(b"/app/x")),
        remote_addr: Some(Bytes::from_static(b"127.0.0.1")),
        remote_host: None,
        server_name: Some(Bytes::from_static(b"h")),
        server_port: 80,
        is_ssl: false,
        headers: (0..headers)
            .map(|i| {
                let name = if i % 2 == 0 {
                    HeaderName::Coded(1 + (i % 14) as u8)
                } else {
                    HeaderName::Named(Bytes::from(format!("X-Header-{i}")))
                };
                (name, Bytes::from(format!("value {i}")))
            })
            .collect(),
        attributes: (0..4)
            .map(|i| Attribute::ReqAttribute {
                name: Bytes::from(format!("TEST_{i}")),
                value: Bytes::from_static(b"v"),
            })
            .collect(),
    };
    let mut wire = BytesMut::new();
    ToContainer::ForwardRequest(Box::new(request))
        .encode(&mut wire, 65536)
        .unwrap();
    wire
}

fn response(headers: usize) -> BytesMut {
    let message = FromContainer::SendHeaders(SendHeaders {
        status: 200,
        reason: Some(Bytes::from_static(b"200")),
        headers: (0..headers)
            .map(|i| {
                (
                    HeaderName::Named(Bytes::from(format!("X-H-{i}"))),
                    Bytes::from_static(b"v"),
                )
            })
            .collect(),
    });
    let mut wire = BytesMut::new();
    message.encode(&mut wire, 65536).unwrap();
    wire
}

#[test]
fn forward_request_decoding_does_not_allocate_per_header() {
    let counts: Vec<usize> = [2, 20, 200]
        .into_iter()
        .map(|n| {
            let mut wire = request(n);
            let (count, decoded) =
                allocations_during(|| ServerCodec::new(65536).decode(&mut wire).unwrap());
            assert!(
                matches!(decoded, Some(ToContainer::ForwardRequest(r)) if r.headers.len() == n)
            );
            count
        })
        .collect();
    assert_eq!(counts[0], counts[1], "allocations per header: {counts:?}");
    assert_eq!(counts[1], counts[2], "allocations per header: {counts:?}");
    // Box + headers Vec + attributes Vec, plus at most one to share the frame buffer.
    assert!(counts[0] <= 4, "{counts:?}");
}

#[test]
fn send_headers_decoding_does_not_allocate_per_header() {
    let counts: Vec<usize> = [1, 10, 100]
        .into_iter()
        .map(|n| {
            let mut wire = response(n);
            let (count, decoded) =
                allocations_during(|| ClientCodec::new(65536).decode(&mut wire).unwrap());
            assert!(matches!(decoded, Some(FromContainer::SendHeaders(h)) if h.headers.len() == n));
            count
        })
        .collect();
    assert_eq!(counts[0], counts[2], "allocations per header: {counts:?}");
    assert!(counts[0] <= 2, "{counts:?}");
}
