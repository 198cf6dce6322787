#!/usr/bin/env python3
"""Writes the fuzz seed corpora: fuzz/corpus/{to_container,from_container,round_trip}/.

Seeds are the real captures in protocol-fixtures/captures/ (whole streams and single packets) plus hostile
variants of them: frame lengths off by one, strings claiming 0xFFFF/0xFFFE or one byte too many, header
counts far beyond the packet, coded header indices out of range, unknown method/attribute/type codes,
missing terminators, junk after a message, body chunk lengths larger than their packet, truncations.
Deterministic: running it twice writes the same files.  Usage: python3 fuzz/make_seeds.py
"""
import hashlib
import pathlib
import random
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "protocol-fixtures" / "captures"
CORPUS = ROOT / "fuzz" / "corpus"


def frames(stream, magic):
    """Splits a one-direction capture into whole frames."""
    out, i = [], 0
    while i + 4 <= len(stream) and stream[i:i + 2] == magic:
        n = struct.unpack(">H", stream[i + 2:i + 4])[0]
        if i + 4 + n > len(stream):
            break
        out.append(stream[i:i + 4 + n])
        i += 4 + n
    return out


def frame(magic, payload):
    return magic + struct.pack(">H", len(payload)) + payload


def s(value):
    return struct.pack(">H", len(value)) + value + b"\0"


def variants(pkt):
    """Generic damage to one packet."""
    magic, payload = pkt[:2], pkt[4:]
    n = len(payload)
    yield frame(magic, payload)[:-1]                      # truncated by one
    yield pkt[: max(4, len(pkt) // 2)]                    # truncated in the middle
    yield magic + struct.pack(">H", n + 1) + payload      # length one too long
    yield magic + struct.pack(">H", max(n - 1, 0)) + payload  # length one too short (junk after)
    yield frame(magic, payload + b"\0")                   # trailing junk inside the frame
    yield frame(magic, payload + b"JUNK")
    yield bytes([magic[0], magic[1] ^ 1]) + pkt[2:]       # bad magic
    yield magic + b"\xff\xff" + payload                   # length beyond max_packet_size
    if n > 1024:                                          # big packets: the generic damage is enough
        return
    for pos in range(5, min(n + 4, 40), 3):               # 0xFFFF and 0xFFFE planted early
        for planted in (b"\xff\xff", b"\xff\xfe", b"\xa0\x0f"):
            damaged = bytearray(pkt)
            damaged[pos:pos + 2] = planted
            yield bytes(damaged)


def forward_request_variants(pkt):
    payload = bytearray(pkt[4:])
    for method in (0, 28, 40, 0xFE, 0xFF):               # unknown methods; 0xFF without stored_method
        p = bytearray(payload)
        p[1] = method
        yield frame(b"\x12\x34", bytes(p))
    p = bytearray(payload)
    p[-1] = 0x0E                                          # terminator replaced by an unknown attribute code
    yield frame(b"\x12\x34", bytes(p))
    yield frame(b"\x12\x34", bytes(payload[:-1]))         # no terminator
    yield frame(b"\x12\x34", bytes(payload) + b"\x0e")   # junk after the terminator
    # String lengths one too long: bump the protocol string's length.
    p = bytearray(payload)
    p[2:4] = struct.pack(">H", struct.unpack(">H", p[2:4])[0] + 1)
    yield frame(b"\x12\x34", bytes(p))
    # Missing NUL after the protocol string.
    p = bytearray(payload)
    plen = struct.unpack(">H", p[2:4])[0]
    p[4 + plen] = 0x41
    yield frame(b"\x12\x34", bytes(p))


def synthetic_to_container():
    req = (b"\x02\x02" + s(b"HTTP/1.1") + s(b"/") + s(b"127.0.0.1") + b"\xff\xff" + s(b"h")
           + b"\x00\x50\x00")
    yield frame(b"\x12\x34", req + b"\x00\x00\xff")                       # minimal request
    yield frame(b"\x12\x34", req + b"\xff\xff\xff")                       # 65535 headers
    yield frame(b"\x12\x34", req + b"\x00\x01\xa0\x0f" + s(b"x") + b"\xff")  # coded header out of range
    yield frame(b"\x12\x34", req + b"\x00\x01\xa0\x00" + s(b"x") + b"\xff")  # coded header 0
    yield frame(b"\x12\x34", req + b"\x00\x01\xff\xff" + s(b"x") + b"\xff")  # null header name
    yield frame(b"\x12\x34", req + b"\x00\x01" + s(b"X") + b"\xff\xff\xff")  # null header value
    yield frame(b"\x12\x34", req + b"\x00\x00\x0b\x01")                   # ssl_key_size cut short
    yield frame(b"\x12\x34", req + b"\x00\x00\x0a" + s(b"TEST_A") + b"\xff")  # req_attribute without value
    yield frame(b"\x12\x34", req.replace(b"\x00\x50\x00", b"\x00\x50\x02") + b"\x00\x00\xff")  # is_ssl 2
    yield frame(b"\x12\x34", b"\x02\xff" + req[2:] + b"\x00\x00\x0d" + s(b"PATCH") + b"\xff")  # stored method
    for t in (0x0A, 0x07, 0x08, 0x03, 0x04, 0x05, 0x06, 0x09, 0x00, 0x0B, 0xFF):
        yield frame(b"\x12\x34", bytes([t]))
    yield frame(b"\x12\x34", b"\x0a\x0a")                                 # CPING with junk
    yield b"\x12\x34\x00\x00"                                             # empty packet
    yield frame(b"\x12\x34", b"\x00\x05ab")                               # body chunk longer than packet
    yield frame(b"\x12\x34", b"\x00\x01ab")                               # body chunk shorter than packet
    yield frame(b"\x12\x34", b"\x1f\xfa" + b"b" * 8186)                    # largest body packet at 8192
    yield frame(b"\x12\x34", b"\x1f\xfb" + b"b" * 8187)                    # one byte too many
    yield b"\x12\x34\x00\x01\x0a" * 3 + b"\x12\x34\x00"                   # CPINGs then a cut header


def synthetic_from_container():
    yield b"AB\x00\x01\x09"
    yield b"AB\x00\x02\x05\x01" + b"AB\x00\x02\x05\x00" + b"AB\x00\x02\x05\x02"  # reuse 2
    yield b"AB\x00\x01\x05"                                               # END_RESPONSE without reuse
    yield b"AB\x00\x03\x06\x1f\xfa" + b"AB\x00\x02\x06\x1f"                # GET_BODY_CHUNK cut short
    yield b"AB\x00\x04\x03\x00\x00\x00"                                   # flush
    yield b"AB\x00\x06\x03\x00\x02hi"                                     # chunk without its NUL
    yield b"AB\x00\x07\x03\x00\x02hi\x00"                                 # with it
    yield b"AB\x00\x07\x03\x00\x03hi\x00"                                 # length off by one (+1)
    yield b"AB\x00\x07\x03\x00\x01hi\x00"                                 # length off by one (-1)
    yield b"AB\x00\x08\x03\x00\x02hi\x00X"                                # junk after the chunk
    yield b"AB\x00\x07\x03\xff\xffhi\x00"                                 # huge chunk length
    yield frame(b"AB", b"\x03\x1f\xf8" + b"d" * 8184 + b"\0")             # largest chunk at 8192
    hdr = b"\x04\x00\xc8" + s(b"200")
    yield frame(b"AB", hdr + b"\x00\x00")                                 # no headers (bug 66591)
    yield frame(b"AB", hdr + b"\xff\xff")                                 # 65535 headers
    yield frame(b"AB", hdr + b"\x00\x02\xa0\x01" + s(b"text/plain"))     # one header missing
    yield frame(b"AB", hdr + b"\x00\x01\xa0\x0c" + s(b"x"))              # response code out of range
    yield frame(b"AB", hdr + b"\x00\x01\xa0\x0e" + s(b"x"))              # request-only code
    yield frame(b"AB", hdr + b"\x00\x01\xff\xff" + s(b"x"))              # null name
    yield frame(b"AB", hdr + b"\x00\x01" + s(b"X") + b"\xff\xff")         # null value
    yield frame(b"AB", b"\x04\x00\x00" + s(b"0") + b"\x00\x00")           # status 0
    yield frame(b"AB", b"\x04\x01\x2c\xff\xff\x00\x00")                   # null reason, 300
    yield frame(b"AB", b"\x04\x00\xc8" + b"\x00\x10" + b"short")          # reason past the packet
    for t in (0x02, 0x07, 0x08, 0x0A, 0x00, 0x0B, 0xFF):
        yield frame(b"AB", bytes([t]))
    yield b"AB\x00\x00"
    yield b"AB\xff\xff"
    yield b"AC\x00\x01\x09"
    # Two SEND_HEADERS then body then END: decodes packet by packet; the gateway refuses the second.
    yield frame(b"AB", hdr + b"\x00\x00") * 2 + b"AB\x00\x02\x05\x01"


def write(target, seeds):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.iterdir():
        old.unlink()
    seen = set()
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()[:16]
        if name not in seen:
            seen.add(name)
            (d / name).write_bytes(seed)
    return len(seen)


def main():
    to_seeds, from_seeds = list(synthetic_to_container()), list(synthetic_from_container())
    for path in sorted(CAPTURES.glob("*.to-container.bin")):
        stream = path.read_bytes()
        to_seeds.append(stream)
        for pkt in frames(stream, b"\x12\x34"):
            to_seeds.append(pkt)
            to_seeds.extend(variants(pkt))
            if pkt[4:5] == b"\x02":
                to_seeds.extend(forward_request_variants(pkt))
    for path in sorted(CAPTURES.glob("*.from-container.bin")):
        stream = path.read_bytes()
        from_seeds.append(stream)
        for pkt in frames(stream, b"AB")[:4]:
            from_seeds.append(pkt)
            from_seeds.extend(variants(pkt))
    rng = random.Random(1234)
    round_seeds = [bytes(rng.getrandbits(8) for _ in range(n)) for n in (0, 1, 8, 64, 256, 1024, 4096)]
    round_seeds += [p for p in to_seeds + from_seeds if len(p) < 4096][:200]
    counts = {t: write(t, seeds) for t, seeds in
              (("to_container", to_seeds), ("from_container", from_seeds), ("round_trip", round_seeds))}
    print(", ".join(f"{t}: {n} seeds" for t, n in counts.items()))


if __name__ == "__main__":
    main()
