//! Real mod_jk 1.2.48 ↔ Tomcat 10.1 traffic (protocol-fixtures/) against the codec.
//!
//! * Every committed capture decodes to what `manifest.json` says. The manifest was produced by an
//!   independent Python decoder (`protocol-fixtures/ajpdump.py`).
//! * Every capture re-encodes to identical bytes.
//! * Each scenario shows the protocol facts it was captured for. These are checked here on typed
//!   messages, independently of the manifest.
//! * A capture taken afresh from Debian's apache2 + libapache2-mod-jk + tomcat10 on this machine decodes
//!   the same way (needs those packages; `scripts/test-all.sh` installs them).

use std::path::{Path, PathBuf};
use std::process::Command;

use ajpgate::ajp::{
    Attribute, FromContainer, HeaderName, Message, MethodCode, SendHeaders, ToContainer,
};
use ajpgate::cli::decode::{CaptureReader, decode_capture};
use bytes::{Bytes, BytesMut};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("protocol-fixtures")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn scenarios(manifest: &Value) -> Vec<(String, Value)> {
    let map = manifest["scenarios"].as_object().unwrap();
    assert!(map.len() >= 13, "manifest lists {} scenarios", map.len());
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn capture_file(dir: &Path, scenario: &str, direction: &str) -> Vec<u8> {
    let path = dir.join(format!("{scenario}.{direction}.bin"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes a capture completely, failing the test on any error.
fn decoded_json(bytes: &[u8], what: &str) -> Vec<Value> {
    let (values, failure) = decode_capture(bytes, 8192);
    if let Some(failure) = failure {
        panic!("{what}: {failure}");
    }
    values
}

fn messages(bytes: &[u8]) -> Vec<Message> {
    CaptureReader::new(bytes, 8192)
        .map(|m| m.expect("decodes").1)
        .collect()
}

/// Compares packet lists, naming the first packet that differs.
fn assert_same_packets(scenario: &str, direction: &str, got: &[Value], want: &[Value]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "{scenario} {direction}: packet {i} differs");
    }
    assert_eq!(
        got.len(),
        want.len(),
        "{scenario} {direction}: packet count"
    );
}

#[test]
fn every_capture_decodes_to_its_manifest() {
    let manifest = manifest();
    let dir = fixtures().join("captures");
    for (scenario, expected) in scenarios(&manifest) {
        for (direction, key) in [
            ("to-container", "to_container"),
            ("from-container", "from_container"),
        ] {
            let got = decoded_json(&capture_file(&dir, &scenario, direction), &scenario);
            let want = expected[key].as_array().unwrap();
            assert_same_packets(&scenario, direction, &got, want);
        }
    }
}

#[test]
fn every_capture_reencodes_to_identical_bytes() {
    let dir = fixtures().join("captures");
    for (scenario, _) in scenarios(&manifest()) {
        for direction in ["to-container", "from-container"] {
            let original = capture_file(&dir, &scenario, direction);
            let mut out = BytesMut::new();
            for message in messages(&original) {
                match message {
                    Message::ToContainer(m) => m.encode(&mut out, 8192),
                    Message::FromContainer(m) => m.encode(&mut out, 8192),
                }
                .unwrap();
            }
            assert!(
                out[..] == original[..],
                "{scenario} {direction} re-encodes differently"
            );
        }
    }
}

/// Typed view of one scenario for the semantic checks.
struct Exchange {
    to: Vec<ToContainer>,
    from: Vec<FromContainer>,
}

impl Exchange {
    fn load(scenario: &str) -> Self {
        let dir = fixtures().join("captures");
        let to = messages(&capture_file(&dir, scenario, "to-container"))
            .into_iter()
            .map(|m| match m {
                Message::ToContainer(m) => m,
                other => panic!("{other:?}"),
            })
            .collect();
        let from = messages(&capture_file(&dir, scenario, "from-container"))
            .into_iter()
            .map(|m| match m {
                Message::FromContainer(m) => m,
                other => panic!("{other:?}"),
            })
            .collect();
        Self { to, from }
    }

    fn request(&self) -> &ajpgate::ajp::ForwardRequest {
        self.to
            .iter()
            .find_map(|m| match m {
                ToContainer::ForwardRequest(r) => Some(&**r),
                _ => None,
            })
            .expect("a FORWARD_REQUEST")
    }

    fn headers(&self) -> &SendHeaders {
        self.from
            .iter()
            .find_map(|m| match m {
                FromContainer::SendHeaders(h) => Some(h),
                _ => None,
            })
            .expect("SEND_HEADERS")
    }

    fn request_body(&self) -> Vec<usize> {
        self.to
            .iter()
            .filter_map(|m| match m {
                ToContainer::Body(data) => Some(data.len()),
                _ => None,
            })
            .collect()
    }

    fn response_chunks(&self) -> Vec<usize> {
        self.from
            .iter()
            .filter_map(|m| match m {
                FromContainer::SendBodyChunk(c) => Some(c.data.len()),
                _ => None,
            })
            .collect()
    }

    fn response_header(&self, name: &str) -> Option<(&HeaderName, &Bytes)> {
        self.headers()
            .headers
            .iter()
            .find(|(n, _)| SendHeaders::header_name(n).eq_ignore_ascii_case(name.as_bytes()))
            .map(|(n, v)| (n, v))
    }

    fn attribute(&self, key: &str) -> Option<&Bytes> {
        self.request().attributes.iter().find_map(|a| match a {
            Attribute::ReqAttribute { name, value } if name == key.as_bytes() => Some(value),
            _ => None,
        })
    }

    fn secret(&self) -> Option<&Bytes> {
        self.request().attributes.iter().find_map(|a| match a {
            Attribute::Secret(s) => Some(s),
            _ => None,
        })
    }

    fn end(&self) -> bool {
        match self.from.last() {
            Some(FromContainer::EndResponse { reuse }) => *reuse,
            other => panic!("last packet from Tomcat is {other:?}"),
        }
    }
}

fn coded(index: u8) -> HeaderName {
    HeaderName::Coded(index)
}

#[test]
fn each_scenario_shows_what_it_was_captured_for() {
    for (scenario, _) in scenarios(&manifest()) {
        let x = Exchange::load(&scenario);
        // What mod_jk always sends (docs/ajp13.md#attributes).
        assert_eq!(
            x.attribute("JK_LB_ACTIVATION").map(|v| &v[..]),
            Some(&b"ACT"[..]),
            "{scenario}"
        );
        assert_eq!(
            x.attribute("AJP_LOCAL_ADDR").map(|v| &v[..]),
            Some(&b"127.0.0.1"[..]),
            "{scenario}"
        );
        assert!(x.attribute("AJP_REMOTE_PORT").is_some(), "{scenario}");
        assert_eq!(
            x.request().remote_host,
            None,
            "{scenario}: HostnameLookups Off"
        );
        let expected_secret: &[u8] = if scenario == "wrong_secret_403" {
            b"not-the-secret"
        } else {
            b"s3cret"
        };
        assert_eq!(
            x.secret().map(|s| &s[..]),
            Some(expected_secret),
            "{scenario}"
        );
        let reuse = x.end();
        assert_eq!(
            reuse,
            scenario != "wrong_secret_403",
            "{scenario}: END_RESPONSE reuse"
        );
        assert_eq!(
            x.headers().reason.as_deref(),
            Some(x.headers().status.to_string().as_bytes())
        );
    }

    let x = Exchange::load("get_query_headers");
    let request = x.request();
    assert_eq!(request.method, MethodCode::GET);
    assert!(
        request
            .attributes
            .contains(&Attribute::QueryString(Bytes::from_static(
                b"a=1&b=two%20words"
            )))
    );
    assert!(
        request.headers.len() >= 12,
        "{} headers",
        request.headers.len()
    );
    let names: Vec<&HeaderName> = request.headers.iter().map(|(n, _)| n).collect();
    assert!(names.contains(&&coded(0x01)), "Accept is coded");
    assert!(names.contains(&&coded(0x05)), "Authorization is coded");
    // mod_jk's quirk: Accept-Language and Accept-Encoding travel as strings, never as 0xA003/0xA004.
    assert!(!names.contains(&&coded(0x03)) && !names.contains(&&coded(0x04)));
    assert!(request.headers.iter().any(
        |(n, _)| matches!(n, HeaderName::Named(s) if s.eq_ignore_ascii_case(b"accept-language"))
    ));
    // No body: mod_jk adds "content-length: 0".
    assert_eq!(request.content_length(), Some(0));

    let x = Exchange::load("head");
    assert_eq!(x.request().method, MethodCode::HEAD);
    assert!(x.response_chunks().is_empty(), "HEAD has no body chunks");

    let x = Exchange::load("post_large");
    assert_eq!(x.request().content_length(), Some(20000));
    assert_eq!(
        x.request_body(),
        [8186, 8186, 3628],
        "first packet unasked, then one per GET_BODY_CHUNK"
    );
    assert_eq!(x.to.last(), Some(&ToContainer::EndOfBody));

    let x = Exchange::load("post_chunked");
    assert!(
        x.request().header_values("Content-Length").next().is_none(),
        "CL removed on chunked"
    );
    assert_eq!(x.request_body().iter().sum::<usize>(), 20000);
    assert_eq!(x.to.last(), Some(&ToContainer::EndOfBody));
    let asks = x
        .from
        .iter()
        .filter(|m| matches!(m, FromContainer::GetBodyChunk { requested: 8186 }))
        .count();
    assert_eq!(
        asks,
        x.to.len() - 1,
        "every body packet answers a GET_BODY_CHUNK"
    );

    let x = Exchange::load("patch_unknown_method");
    assert_eq!(x.request().method, MethodCode::STORED);
    assert_eq!(x.request().method_name(), Some(&b"PATCH"[..]));

    let x = Exchange::load("cookie_6k");
    let cookie = x.request().header_values("Cookie").next().unwrap();
    assert!(cookie.len() >= 6000, "{}", cookie.len());

    let x = Exchange::load("stream_100k");
    let chunks = x.response_chunks();
    assert_eq!(chunks.iter().sum::<usize>(), 102400);
    assert!(
        chunks[..chunks.len() - 1]
            .iter()
            .all(|&n| n == 8184 || n == 0),
        "{chunks:?}"
    );
    assert!(x.response_header("Content-Length").is_none());

    let x = Exchange::load("flush_small_chunks");
    let chunks = x.response_chunks();
    assert_eq!(
        chunks.iter().filter(|&&n| n == 1000).count(),
        5,
        "{chunks:?}"
    );
    assert!(
        chunks.contains(&0),
        "flushes appear as empty chunks: {chunks:?}"
    );

    let x = Exchange::load("redirect_302");
    assert_eq!(x.headers().status, 302);
    assert!(matches!(
        x.response_header("Location"),
        Some((HeaderName::Coded(0x06), _))
    ));

    let x = Exchange::load("not_modified_304");
    assert_eq!(x.headers().status, 304);
    assert!(x.response_chunks().is_empty(), "304 has no body");

    let x = Exchange::load("session_cookie");
    let (name, value) = x.response_header("Set-Cookie").unwrap();
    assert_eq!(name, &coded(0x07));
    assert!(value.starts_with(b"JSESSIONID=") && value.windows(6).any(|w| w == b".node1"));

    let x = Exchange::load("cping");
    assert_eq!(x.to.first(), Some(&ToContainer::CPing));
    assert_eq!(x.from.first(), Some(&FromContainer::CPong));

    let x = Exchange::load("wrong_secret_403");
    assert_eq!(x.headers().status, 403);
}

/// Blanks the values that differ between captures of the same scenario.
fn mask_volatile(values: &mut [Value]) {
    for value in values {
        if let Some(attributes) = value.get_mut("attributes").and_then(Value::as_array_mut) {
            for a in attributes {
                if a["key"] == "AJP_REMOTE_PORT" {
                    a["value"] = "*".into();
                }
            }
        }
        if value["type"] == "SEND_HEADERS" {
            for h in value["headers"].as_array_mut().unwrap() {
                if h[0] == "Set-Cookie" {
                    h[1] = "*".into();
                }
            }
        }
    }
}

fn installed_versions() -> Value {
    let out = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${Package}=${Version}\n",
            "apache2",
            "libapache2-mod-jk",
            "tomcat10",
        ])
        .output()
        .expect("dpkg-query runs");
    let text = String::from_utf8_lossy(&out.stdout);
    Value::Object(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
            .collect(),
    )
}

#[test]
fn fresh_capture_from_debian_mod_jk_and_tomcat_decodes_like_the_manifest() {
    let out = std::env::temp_dir().join(format!("ajpgate-fresh-capture-{}", std::process::id()));
    let status = Command::new("bash")
        .arg(fixtures().join("capture.sh"))
        .arg(&out)
        .status()
        .expect("bash runs");
    assert!(
        status.success(),
        "protocol-fixtures/capture.sh failed ({status}): it needs tomcat10, apache2, libapache2-mod-jk and curl \
         (scripts/test-all.sh installs them)"
    );
    let manifest = manifest();
    let same_versions = installed_versions() == manifest["captured_with"];
    for (scenario, expected) in scenarios(&manifest) {
        for (direction, key) in [
            ("to-container", "to_container"),
            ("from-container", "from_container"),
        ] {
            let mut got = decoded_json(&capture_file(&out, &scenario, direction), &scenario);
            let mut want = expected[key].as_array().unwrap().clone();
            mask_volatile(&mut got);
            mask_volatile(&mut want);
            if same_versions {
                assert_same_packets(&scenario, direction, &got, &want);
            } else {
                // Other package versions may change page sizes and header values; the packet sequence and
                // header names must still match.
                let shape = |v: &[Value]| -> Vec<String> {
                    v.iter()
                        .map(|p| {
                            format!(
                                "{} {}",
                                p["type"],
                                p["headers"].as_array().map_or(String::new(), |h| h
                                    .iter()
                                    .map(|x| x[0].to_string())
                                    .collect::<Vec<_>>()
                                    .join(","))
                            )
                        })
                        .collect()
                };
                assert_eq!(shape(&got), shape(&want), "{scenario} {direction}");
            }
        }
    }
    std::fs::remove_dir_all(&out).ok();
}
