#!/usr/bin/env python3
"""Decode captured AJP13 byte streams (python3 stdlib only).

  ajpdump.py DIR SCENARIO [SCENARIO...]      print a decoded listing of each scenario
  ajpdump.py --check DIR SCENARIO [...]      structural checks (exit 1 on any failure)

Input: DIR/<scenario>.to-container.bin, .from-container.bin and, if present, .events.txt (written
by relay.py). With the events file the two directions are replayed in the order the relay read
them, per connection ("c1 >" = httpd -> Tomcat, "c1 <" = Tomcat -> httpd); without it each file is
decoded on its own. Packets toward the container: FORWARD_REQUEST (0x02), CPING (0x0A), or request
body packets (no type byte: len16 + data; empty packet = end of body).
"""
import struct
import sys

METHODS = {1: "OPTIONS", 2: "GET", 3: "HEAD", 4: "POST", 5: "PUT", 6: "DELETE", 7: "TRACE",
           8: "PROPFIND", 9: "PROPPATCH", 10: "MKCOL", 11: "COPY", 12: "MOVE", 13: "LOCK",
           14: "UNLOCK", 15: "ACL", 16: "REPORT", 17: "VERSION-CONTROL", 18: "CHECKIN",
           19: "CHECKOUT", 20: "UNCHECKOUT", 21: "SEARCH", 22: "MKWORKSPACE", 23: "UPDATE",
           24: "LABEL", 25: "MERGE", 26: "BASELINE-CONTROL", 27: "MKACTIVITY", 0xFF: "(stored)"}
REQ_HEADERS = {0xA001: "accept", 0xA002: "accept-charset", 0xA003: "accept-encoding",
               0xA004: "accept-language", 0xA005: "authorization", 0xA006: "connection",
               0xA007: "content-type", 0xA008: "content-length", 0xA009: "cookie",
               0xA00A: "cookie2", 0xA00B: "host", 0xA00C: "pragma", 0xA00D: "referer",
               0xA00E: "user-agent"}
RESP_HEADERS = {0xA001: "Content-Type", 0xA002: "Content-Language", 0xA003: "Content-Length",
                0xA004: "Date", 0xA005: "Last-Modified", 0xA006: "Location", 0xA007: "Set-Cookie",
                0xA008: "Set-Cookie2", 0xA009: "Servlet-Engine", 0xA00A: "Status",
                0xA00B: "WWW-Authenticate"}
ATTRS = {0x01: "context", 0x02: "servlet_path", 0x03: "remote_user", 0x04: "auth_type",
         0x05: "query_string", 0x06: "route", 0x07: "ssl_cert", 0x08: "ssl_cipher",
         0x09: "ssl_session", 0x0A: "req_attribute", 0x0B: "ssl_key_size", 0x0C: "secret",
         0x0D: "stored_method"}
ALPHA = b"0123456789abcdefghijklmnopqrstuvwxyz"


class ParseError(Exception):
    pass


class Reader:
    def __init__(self, data):
        self.d = data
        self.p = 0

    def byte(self):
        if self.p >= len(self.d):
            raise ParseError("truncated (byte at %d)" % self.p)
        v = self.d[self.p]
        self.p += 1
        return v

    def int16(self):
        if self.p + 2 > len(self.d):
            raise ParseError("truncated (int at %d)" % self.p)
        v = struct.unpack_from(">H", self.d, self.p)[0]
        self.p += 2
        return v

    def peek16(self):
        if self.p + 2 > len(self.d):
            raise ParseError("truncated (peek at %d)" % self.p)
        return struct.unpack_from(">H", self.d, self.p)[0]

    def string(self):
        n = self.int16()
        if n == 0xFFFF:
            return None
        if self.p + n + 1 > len(self.d):
            raise ParseError("truncated string of %d at %d" % (n, self.p))
        s = self.d[self.p:self.p + n]
        if self.d[self.p + n] != 0:
            raise ParseError("string at %d not NUL-terminated" % self.p)
        self.p += n + 1
        return s.decode("latin-1")

    def done(self):
        return self.p == len(self.d)


def split_packets(data, magic):
    """-> list of (offset, payload), remainder bytes"""
    out, p = [], 0
    while p + 4 <= len(data):
        if data[p:p + 2] != magic:
            raise ParseError("bad magic %s at offset %d" % (data[p:p + 2].hex(), p))
        n = struct.unpack_from(">H", data, p + 2)[0]
        if p + 4 + n > len(data):
            break
        out.append((p, data[p + 4:p + 4 + n]))
        p += 4 + n
    return out, data[p:]


def parse_forward_request(payload):
    r = Reader(payload)
    if r.byte() != 0x02:
        raise ParseError("not a FORWARD_REQUEST")
    req = {"method_code": r.byte()}
    req["protocol"] = r.string()
    req["uri"] = r.string()
    req["remote_addr"] = r.string()
    req["remote_host"] = r.string()
    req["server_name"] = r.string()
    req["server_port"] = r.int16()
    req["is_ssl"] = r.byte()
    nh = r.int16()
    headers = []
    for _ in range(nh):
        code = r.peek16()
        if code >> 8 == 0xA0:
            r.int16()
            if code not in REQ_HEADERS:
                raise ParseError("unknown request header code %04x" % code)
            name = (REQ_HEADERS[code], code)
        else:
            name = (r.string(), None)
        headers.append((name[0], name[1], r.string()))
    req["headers"] = headers
    attrs = []
    while True:
        code = r.byte()
        if code == 0xFF:
            break
        if code not in ATTRS:
            raise ParseError("unknown attribute code %02x" % code)
        if code == 0x0A:
            attrs.append((code, r.string(), r.string()))
        elif code == 0x0B:
            attrs.append((code, None, r.int16()))
        else:
            attrs.append((code, None, r.string()))
    req["attrs"] = attrs
    if not r.done():
        raise ParseError("%d trailing bytes after 0xFF" % (len(payload) - r.p))
    m = req["method_code"]
    if m == 0xFF:
        stored = [v for c, _, v in attrs if c == 0x0D]
        req["method"] = stored[0] if stored else "(stored, missing 0x0D)"
    else:
        req["method"] = METHODS.get(m, "INVALID(%d)" % m)
    return req


def classify_to(payload):
    """-> (kind, info) for a packet toward the container"""
    if len(payload) == 1 and payload[0] == 0x0A:
        return "CPING", None
    if payload[:1] == b"\x02":
        try:
            return "FORWARD_REQUEST", parse_forward_request(payload)
        except ParseError:
            pass
    if len(payload) == 0:
        return "BODY_END", b""
    if len(payload) >= 2 and struct.unpack_from(">H", payload)[0] == len(payload) - 2:
        return "BODY", payload[2:]
    raise ParseError("unrecognised packet toward container: %s" % payload[:16].hex(" "))


def classify_from(payload):
    if not payload:
        raise ParseError("empty packet from container")
    t = payload[0]
    r = Reader(payload)
    r.byte()
    if t == 3:
        n = r.int16()
        if r.p + n > len(payload):
            raise ParseError("SEND_BODY_CHUNK length %d beyond packet" % n)
        data = payload[3:3 + n]
        return "SEND_BODY_CHUNK", {"data": data, "trailer": payload[3 + n:]}
    if t == 4:
        status = r.int16()
        reason = r.string()
        nh = r.int16()
        headers = []
        for _ in range(nh):
            code = r.peek16()
            if code >> 8 == 0xA0:
                r.int16()
                if code not in RESP_HEADERS:
                    raise ParseError("unknown response header code %04x" % code)
                name, coded = RESP_HEADERS[code], code
            else:
                name, coded = r.string(), None
            headers.append((name, coded, r.string()))
        if not r.done():
            raise ParseError("trailing bytes in SEND_HEADERS")
        return "SEND_HEADERS", {"status": status, "reason": reason, "headers": headers}
    if t == 5:
        if len(payload) != 2:
            raise ParseError("END_RESPONSE of length %d" % len(payload))
        return "END_RESPONSE", {"reuse": payload[1]}
    if t == 6:
        if len(payload) != 3:
            raise ParseError("GET_BODY_CHUNK of length %d" % len(payload))
        return "GET_BODY_CHUNK", {"requested": struct.unpack_from(">H", payload, 1)[0]}
    if t == 9:
        if len(payload) != 1:
            raise ParseError("CPONG of length %d" % len(payload))
        return "CPONG", None
    raise ParseError("unknown message type %d from container" % t)


def show_bytes(b, limit=48):
    s = b[:limit].decode("latin-1")
    s = "".join(c if 32 <= ord(c) < 127 else "." for c in s)
    return repr(s) + ("... (%d bytes)" % len(b) if len(b) > limit else "")


def describe(direction, off, payload, kind, info):
    arrow = ">" if direction == "to" else "<"
    head = "%s @%06x len=%-5d %s" % (arrow, off, len(payload), kind)
    lines = []
    if kind == "FORWARD_REQUEST":
        req = info
        head += " %s(%d) %s %r" % (req["method"], req["method_code"], req["protocol"], req["uri"])
        lines.append("    remote_addr=%r remote_host=%r server_name=%r server_port=%d is_ssl=%d headers=%d" % (
            req["remote_addr"], req["remote_host"], req["server_name"], req["server_port"], req["is_ssl"],
            len(req["headers"])))
        for name, code, value in req["headers"]:
            lines.append("    header %s %s: %s" % ("0x%04X" % code if code else "string", name, show_bytes(value.encode("latin-1"), 120)))
        for code, name, value in req["attrs"]:
            if code == 0x0A:
                lines.append("    attr 0x0A req_attribute %s = %r" % (name, value))
            else:
                lines.append("    attr 0x%02X %s = %r" % (code, ATTRS[code], value))
    elif kind in ("BODY", "BODY_END"):
        head += " data=%d %s" % (len(info), show_bytes(info, 24) if info else "")
    elif kind == "SEND_HEADERS":
        head += " status=%d reason=%r headers=%d" % (info["status"], info["reason"], len(info["headers"]))
        for name, code, value in info["headers"]:
            lines.append("    header %s %s: %r" % ("0x%04X" % code if code else "string", name, value))
    elif kind == "SEND_BODY_CHUNK":
        head += " data=%d %s" % (len(info["data"]), show_bytes(info["data"], 24) if info["data"] else "(flush)")
        if info["trailer"]:
            head += " trailer=%s" % info["trailer"].hex()
    elif kind == "END_RESPONSE":
        head += " reuse=%d" % info["reuse"]
    elif kind == "GET_BODY_CHUNK":
        head += " requested=%d" % info["requested"]
    return [head] + lines


def load(dirname, scen):
    base = "%s/%s" % (dirname, scen)
    to = open(base + ".to-container.bin", "rb").read()
    frm = open(base + ".from-container.bin", "rb").read()
    try:
        events = open(base + ".events.txt").read().split("\n")
    except OSError:
        events = None
    return to, frm, events


def decode(to, frm, events):
    """-> list of (conn, direction, offset, payload, kind, info); raises ParseError"""
    out = []
    if events is None:
        for direction, data, magic, cls in (("to", to, b"\x12\x34", classify_to), ("from", frm, b"AB", classify_from)):
            pkts, rest = split_packets(data, magic)
            if rest:
                raise ParseError("%d trailing bytes in %s stream" % (len(rest), direction))
            for off, payload in pkts:
                kind, info = cls(payload)
                out.append((0, direction, off, payload, kind, info))
        return out
    pos = {"to": 0, "from": 0}
    src = {"to": to, "from": frm}
    bufs = {}
    for line in events:
        parts = line.split()
        if len(parts) != 3 or parts[1] not in (">", "<"):
            continue
        conn = int(parts[0][1:])
        direction = "to" if parts[1] == ">" else "from"
        n = int(parts[2])
        chunk = src[direction][pos[direction]:pos[direction] + n]
        if len(chunk) != n:
            raise ParseError("events file says %d more %s bytes than the .bin file has" % (n, direction))
        key = (conn, direction)
        start_off, buf = bufs.get(key, (pos[direction], b""))
        pos[direction] += n
        buf += chunk
        magic = b"\x12\x34" if direction == "to" else b"AB"
        # stream offsets are global file offsets; packets of one connection are contiguous in the
        # file only if connections did not interleave, so report the offset of the packet's first chunk
        pkts, rest = split_packets(buf, magic)
        for off, payload in pkts:
            kind, info = (classify_to if direction == "to" else classify_from)(payload)
            out.append((conn, direction, start_off + off, payload, kind, info))
        consumed = len(buf) - len(rest)
        bufs[key] = (start_off + consumed, rest)
    for d in ("to", "from"):
        if pos[d] != len(src[d]):
            raise ParseError("%s file has %d bytes not covered by the events file" % (d, len(src[d]) - pos[d]))
    for (conn, d), (_, rest) in bufs.items():
        if rest:
            raise ParseError("c%d %s: %d bytes of an incomplete packet" % (conn, d, len(rest)))
    return out


def dump(dirname, scen):
    to, frm, events = load(dirname, scen)
    print("=== %s: %d bytes to container, %d bytes from container%s" % (
        scen, len(to), len(frm), "" if events else " (no events file: directions decoded separately)"))
    for conn, direction, off, payload, kind, info in decode(to, frm, events):
        for i, line in enumerate(describe(direction, off, payload, kind, info)):
            print(("c%d " % conn if i == 0 else "   ") + line)


# ---------------------------------------------------------------------------------------------------
def check(dirname, scen):
    """-> list of failure strings"""
    fails = []

    def need(cond, msg):
        if not cond:
            fails.append(msg)

    try:
        to, frm, events = load(dirname, scen)
    except OSError as e:
        return ["missing file: %s" % e]
    need(to[:2] == b"\x12\x34", "to-container does not start with 12 34")
    need(frm[:2] == b"AB", "from-container does not start with 41 42")
    try:
        pk = decode(to, frm, events)
    except ParseError as e:
        return fails + ["decode error: %s" % e]
    tos = [(k, i, p) for c, d, o, p, k, i in pk if d == "to"]
    froms = [(k, i, p) for c, d, o, p, k, i in pk if d == "from"]
    fwd = [i for k, i, p in tos if k == "FORWARD_REQUEST"]
    bodies = [i for k, i, p in tos if k in ("BODY", "BODY_END")]
    heads = [i for k, i, p in froms if k == "SEND_HEADERS"]
    chunks = [i["data"] for k, i, p in froms if k == "SEND_BODY_CHUNK"]
    gbc = [i for k, i, p in froms if k == "GET_BODY_CHUNK"]
    ends = [i for k, i, p in froms if k == "END_RESPONSE"]
    need(len(fwd) == 1, "expected 1 FORWARD_REQUEST, got %d" % len(fwd))
    need(len(heads) == 1, "expected 1 SEND_HEADERS, got %d" % len(heads))
    need(len(ends) == 1, "expected 1 END_RESPONSE, got %d" % len(ends))
    need(froms and froms[-1][0] == "END_RESPONSE", "from-container does not end with END_RESPONSE")
    if fails:
        return fails
    req, resp, end = fwd[0], heads[0], ends[0]
    hdr = {}
    for name, code, value in req["headers"]:
        hdr.setdefault(name.lower(), []).append(value)
    rhdr = {}
    for name, code, value in resp["headers"]:
        rhdr.setdefault(name.lower(), []).append(value)
    attrs = {(ATTRS[c] if c != 0x0A else n): v for c, n, v in req["attrs"]}
    need(attrs.get("secret") == ("not-the-secret" if scen == "wrong_secret_403" else "s3cret"), "secret attribute")
    body_data = b"".join(bodies)

    if scen != "wrong_secret_403":
        # (session.jsp: the session, hence Set-Cookie, is created before the page body runs)
        need(rhdr.get("x-testbed-node") == ["node1"], "X-Testbed-Node: node1 missing")
    if scen == "get_query_headers":
        need(req["method"] == "GET", "method")
        need(attrs.get("query_string") == "a=1&b=two%20words", "query_string attribute")
        # httpd merges repeated request headers into one value joined with ", " before mod_jk sees them
        need(hdr.get("x-custom") == ["first, second"], "repeated X-Custom header (merged by httpd)")
        need(len(req["headers"]) >= 15, "expected >= 15 request headers, got %d" % len(req["headers"]))
        for h in ("accept", "accept-language", "accept-encoding", "referer", "user-agent", "cookie", "authorization", "pragma"):
            need(h in hdr, "header %s missing" % h)
        need(hdr.get("authorization", [""])[0].startswith("Basic "), "Authorization Basic")
        need(resp["status"] == 200, "status 200")
    elif scen == "head":
        need(req["method"] == "HEAD" and req["method_code"] == 3, "method HEAD(3)")
        need(not chunks, "HEAD response has body chunks")
    elif scen == "post_large":
        need(req["method"] == "POST", "method")
        need(hdr.get("content-length") == ["20000"], "content-length 20000")
        need(bodies and len(bodies[0]) == 8186, "first body packet carries %s data bytes, expected 8186" % (len(bodies[0]) if bodies else None))
        need(len(body_data) == 20000 and body_data == bytes(ALPHA[i % 36] for i in range(20000)), "body bytes")
        need(tos[-1][0] == "BODY_END" and tos[-1][2] == b"", "does not end with the empty body packet 12 34 00 00")
        need(len(gbc) == len(bodies) - 1, "GET_BODY_CHUNK count %d vs body packets %d (first one unsolicited)" % (len(gbc), len(bodies)))
        need(resp["status"] == 200, "status 200")
    elif scen == "post_chunked":
        need(req["method"] == "POST", "method")
        need("content-length" not in hdr, "chunked request must not carry content-length")
        need(hdr.get("transfer-encoding") == ["chunked"], "transfer-encoding header forwarded")
        need(len(gbc) == len(bodies), "GET_BODY_CHUNK count %d vs body packets %d (all solicited)" % (len(gbc), len(bodies)))
        need(len(body_data) == 20000 and body_data == bytes(ALPHA[i % 36] for i in range(20000)), "body bytes")
        need(tos[-1][0] == "BODY_END" and tos[-1][2] == b"", "does not end with the empty body packet 12 34 00 00")
        need(resp["status"] == 200, "status 200")
    elif scen == "patch_unknown_method":
        need(req["method_code"] == 0xFF and attrs.get("stored_method") == "PATCH", "method 0xFF + stored_method PATCH")
        need(len(body_data) > 0, "body")
        need(resp["status"] == 200, "status 200")
    elif scen == "cookie_6k":
        need(len(hdr.get("cookie", [""])[0]) >= 6000, "cookie header >= 6000 bytes")
        need(resp["status"] == 200, "status 200")
    elif scen == "stream_100k":
        data = b"".join(chunks)
        need(len(data) == 102400 and data == bytes(ALPHA[i % 36] for i in range(102400)), "stream body bytes")
        need(max(len(c) for c in chunks) <= 8184, "chunk larger than 8184")
    elif scen == "flush_small_chunks":
        need(b"" in chunks, "no empty (flush) SEND_BODY_CHUNK")
        need(b"AB\x00\x04\x03\x00\x00\x00" in frm, "flush packet bytes 41 42 00 04 03 00 00 00 not found")
        need(len(b"".join(chunks)) == 5000, "5000 body bytes")
    elif scen == "redirect_302":
        need(resp["status"] == 302 and "location" in rhdr, "302 with Location")
    elif scen == "not_modified_304":
        need(resp["status"] == 304 and not chunks, "304 without body chunks")
    elif scen == "session_cookie":
        need(any(v.startswith("JSESSIONID=") for v in rhdr.get("set-cookie", [])), "Set-Cookie JSESSIONID")
    elif scen == "cping":
        need(to.startswith(b"\x12\x34\x00\x01\x0a"), "to-container does not start with CPING 12 34 00 01 0a")
        need(frm.startswith(b"AB\x00\x01\x09"), "from-container does not start with CPONG 41 42 00 01 09")
        need(resp["status"] == 200, "status 200")
    elif scen == "wrong_secret_403":
        need(resp["status"] == 403, "status 403")
        need(end["reuse"] == 0 and frm.endswith(b"AB\x00\x02\x05\x00"), "END_RESPONSE reuse=0 (41 42 00 02 05 00)")
    if scen != "wrong_secret_403":
        need(end["reuse"] == 1, "END_RESPONSE reuse=1")
    return fails


def main(argv):
    if len(argv) >= 3 and argv[1] == "--check":
        bad = 0
        for scen in argv[3:]:
            fails = check(argv[2], scen)
            print("%-22s %s" % (scen, "OK" if not fails else "FAIL: " + "; ".join(fails)))
            bad += bool(fails)
        return 1 if bad else 0
    if len(argv) >= 3 and not argv[1].startswith("-"):
        for scen in argv[2:]:
            dump(argv[1], scen)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
