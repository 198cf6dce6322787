//! The `ajpgate decode` command itself: its output reproduces the manifest for every fixture, and
//! malformed input prints what decoded, then the defect with its byte offset, and exits non-zero.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("protocol-fixtures")
}

fn decode(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ajpgate"))
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn decode_reproduces_the_manifest_for_every_fixture() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("manifest.json")).unwrap())
            .unwrap();
    for (scenario, expected) in manifest["scenarios"].as_object().unwrap() {
        for (direction, key) in [
            ("to-container", "to_container"),
            ("from-container", "from_container"),
        ] {
            let file = fixtures().join(format!("captures/{scenario}.{direction}.bin"));
            let out = decode(&[file.to_str().unwrap()], None);
            assert!(
                out.status.success(),
                "{scenario}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                &Value::Array(json_lines(&out)),
                &expected[key],
                "{scenario} {direction}"
            );
        }
    }
}

#[test]
fn standard_input_works_and_field_order_follows_the_wire() {
    let bytes = std::fs::read(fixtures().join("captures/cping.to-container.bin")).unwrap();
    let out = decode(&[], Some(&bytes));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(r#"{"direction":"to-container","type":"CPING"}"#)
    );
    let request = lines.next().unwrap();
    assert!(
        request.starts_with(r#"{"direction":"to-container","type":"FORWARD_REQUEST","method":"GET","protocol":"HTTP/1.1","req_uri":"#),
        "{request}"
    );
}

#[test]
fn malformed_input_prints_what_decoded_then_the_offset_and_fails() {
    // post_large with the second body packet's chunk length raised to 9000.
    let mut bytes = std::fs::read(fixtures().join("captures/post_large.to-container.bin")).unwrap();
    let first = 4 + usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
    let second = first + 4 + usize::from(u16::from_be_bytes([bytes[first + 2], bytes[first + 3]]));
    bytes[second + 4..second + 6].copy_from_slice(&9000u16.to_be_bytes());
    let out = decode(&[], Some(&bytes));
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "FORWARD_REQUEST and the first body packet");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "malformed packet at byte {} of the input",
            second + 4
        )) && stderr.contains("chunk length 9000 is larger than the 8186 bytes"),
        "{stderr}"
    );

    // A stream cut inside a packet.
    let bytes =
        std::fs::read(fixtures().join("captures/get_query_headers.from-container.bin")).unwrap();
    let out = decode(&[], Some(&bytes[..bytes.len() - 3]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out).len(), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("stream ended inside a packet"));

    // Not AJP at all.
    let out = decode(&[], Some(b"GET / HTTP/1.1\r\n\r\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad magic: byte 0x47 where 0x12 belongs")
    );
}

#[test]
fn a_missing_file_is_named() {
    let out = decode(&["/nonexistent/capture.bin"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/capture.bin"));
}
