"""HTTP checks (stdlib client): the correctness preflight."""

import http.client

from .common import PATTERN


def pattern_bytes(n):
    reps = n // len(PATTERN) + 1
    return (PATTERN * reps)[:n]


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def http_request(port, method, path, body=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/octet-stream"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data
    finally:
        conn.close()


def preflight(port, backend, body, body_check):
    """Checks that the front end returns correct bodies for each scenario's request. Returns None or an error."""
    try:
        if backend == "fake":
            small, big, upload = "/bytes?n=100&cl=1", "/bytes?n=102400", "/upload"
        else:
            small, big, upload = "/stream.jsp?n=100", "/stream.jsp?n=102400", "/body.jsp"
        for path, n in ((small, 100), (big, 102400)):
            st, _, data = http_request(port, "GET", path)
            if st != 200 or data != pattern_bytes(n):
                return f"GET {path}: status {st}, {len(data)} bytes (expected 200 and {n} pattern bytes)"
        st, headers, data = http_request(port, "POST", upload, body=body, timeout=60)
        text = data.decode("latin-1")
        if st != 200:
            return f"POST {upload}: status {st}"
        if backend == "fake":
            want = f"length: {len(body)}\nfnv1a64: {body_check}\n"
            if text != want:
                return f"POST {upload}: body {text!r}, expected {want!r}"
        else:
            got = (headers.get("x-body-length"), headers.get("x-body-crc32"))
            if got != (str(len(body)), body_check):
                return f"POST {upload}: X-Body-Length/CRC32 {got}, expected {(len(body), body_check)}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
