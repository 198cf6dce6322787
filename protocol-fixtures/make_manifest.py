#!/usr/bin/env python3
"""Writes protocol-fixtures/manifest.json: what every capture must decode to.

The expected packets come from ajpdump.py, a Python decoder written from the protocol references
independently of ajpgate's Rust codec. They are rendered in the JSON shape that `ajpgate decode` prints.
tests/protocol_fixtures.rs then checks that the Rust decoder reproduces them exactly, so the manifest is a
comparison between two implementations, not a snapshot of one.

Usage: python3 protocol-fixtures/make_manifest.py   (after capture.sh has refreshed captures/)
"""
import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import ajpdump  # noqa: E402

# Canonical names for coded request headers (ajpdump keeps Tomcat's lower-case spelling).
REQUEST_HEADER_NAMES = {
    0xA001: "Accept", 0xA002: "Accept-Charset", 0xA003: "Accept-Encoding", 0xA004: "Accept-Language",
    0xA005: "Authorization", 0xA006: "Connection", 0xA007: "Content-Type", 0xA008: "Content-Length",
    0xA009: "Cookie", 0xA00A: "Cookie2", 0xA00B: "Host", 0xA00C: "Pragma", 0xA00D: "Referer",
    0xA00E: "User-Agent",
}

SCENARIOS = {
    "get_query_headers": "GET /app/echo.jsp?a=1&b=two%20words with 15 request headers",
    "head": "HEAD /app/echo.jsp",
    "post_large": "POST of 20000 bytes with Content-Length to /app/body.jsp",
    "post_chunked": "chunked POST of 20000 bytes to /app/body.jsp",
    "patch_unknown_method": "PATCH (no AJP method code) with a 38-byte body",
    "cookie_6k": "GET with a 6 KB Cookie header",
    "stream_100k": "GET /app/stream.jsp?n=102400, no Content-Length",
    "flush_small_chunks": "five 1000-byte chunks, each flushed",
    "redirect_302": "302 with Location",
    "not_modified_304": "304: headers, no body",
    "session_cookie": "GET /app/session.jsp: Set-Cookie JSESSIONID=<id>.node1",
    "cping": "worker with ping_mode=A: CPING/CPONG before the request",
    "wrong_secret_403": "worker with the wrong secret: Tomcat answers 403 and END_RESPONSE reuse=0",
}


def text(value):
    """ajpdump decodes strings as ISO-8859-1; ajpgate prints UTF-8 when the bytes are UTF-8."""
    if value is None:
        return None
    raw = value.encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return value


def to_container(kind, info):
    d = {"direction": "to-container", "type": "BODY" if kind.startswith("BODY") else kind}
    if kind == "FORWARD_REQUEST":
        d.update({
            "method": text(info["method"]),
            "protocol": text(info["protocol"]),
            "req_uri": text(info["uri"]),
            "remote_addr": text(info["remote_addr"]),
            "remote_host": text(info["remote_host"]),
            "server_name": text(info["server_name"]),
            "server_port": info["server_port"],
            "is_ssl": bool(info["is_ssl"]),
            "headers": [[REQUEST_HEADER_NAMES[code] if code else text(name), text(value)]
                        for name, code, value in info["headers"]],
            "attributes": [
                {"name": "req_attribute", "key": text(key), "value": text(value)} if code == 0x0A
                else {"name": ajpdump.ATTRS[code], "value": value if code == 0x0B else text(value)}
                for code, key, value in info["attrs"]
            ],
        })
    elif kind == "BODY":
        d["data_length"] = len(info)
    elif kind == "BODY_END":
        d.update({"data_length": 0, "empty_packet": True})
    return d


def from_container(kind, info):
    d = {"direction": "from-container", "type": kind}
    if kind == "SEND_HEADERS":
        d.update({
            "status": info["status"],
            "message": text(info["reason"]),
            "headers": [[text(name), text(value)] for name, _code, value in info["headers"]],
        })
    elif kind == "SEND_BODY_CHUNK":
        d["data_length"] = len(info["data"])
    elif kind == "END_RESPONSE":
        d["reuse"] = bool(info["reuse"])
    elif kind == "GET_BODY_CHUNK":
        d["requested_length"] = info["requested"]
    return d


def decode_file(path, magic, render, classify):
    packets, rest = ajpdump.split_packets(path.read_bytes(), magic)
    if rest:
        raise SystemExit(f"{path}: {len(rest)} bytes of an unfinished packet")
    return [render(*classify(payload)) for _offset, payload in packets]


def versions():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package}=${Version}\n",
                          "apache2", "libapache2-mod-jk", "tomcat10"],
                         capture_output=True, text=True, check=False).stdout
    return dict(line.split("=", 1) for line in out.split())


def main():
    captures = HERE / "captures"
    manifest = {
        "about": "What each capture in captures/ decodes to, produced by ajpdump.py (an independent decoder) "
                 "in the JSON shape of `ajpgate decode`. Regenerate with make_manifest.py.",
        "captured_with": versions(),
        "max_packet_size": 8192,
        "volatile": {
            "to-container": "value of req_attribute AJP_REMOTE_PORT (the client's port)",
            "from-container": "value of Set-Cookie (the session id)",
        },
        "scenarios": {},
    }
    for name, description in SCENARIOS.items():
        manifest["scenarios"][name] = {
            "description": description,
            "to_container": decode_file(captures / f"{name}.to-container.bin", b"\x12\x34",
                                        to_container, ajpdump.classify_to),
            "from_container": decode_file(captures / f"{name}.from-container.bin", b"AB",
                                          from_container, ajpdump.classify_from),
        }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(SCENARIOS)} scenarios to {HERE / 'manifest.json'}")


if __name__ == "__main__":
    main()
