#!/usr/bin/env python3
"""Writes the seed corpora of the configuration fuzz targets:
fuzz/corpus/{workers_properties,uriworkermap,uri_normalize}/.

Seeds are the real files of tests/config-corpus/ plus hostile inputs: lines over mod_jk's 8191-byte
limit, `$(` loops and self-references, `reference` chains deeper than 20 and cyclic, NULs, bytes that
are not UTF-8, CRLF and lone CR, a byte order mark, thousands of rules or list items, patterns with many
`*`; and for uri_normalize the request shapes of CVE-2018-11759 / CVE-2014-8111 and broken escapes.
Deterministic: running it twice writes the same files (a seed is named after what it is). Files already
in the directories (inputs found by fuzzing) are kept.  Usage: python3 fuzz/make_config_seeds.py
"""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "config-corpus"
CORPUS = ROOT / "fuzz" / "corpus"


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data)


def real_files():
    """(name, bytes, is_uriworkermap) for every file of tests/config-corpus."""
    for path in sorted(CONFIG.rglob("*.properties")):
        rel = path.relative_to(CONFIG)
        name = "corpus-" + "-".join(rel.parts)
        yield name, path.read_bytes(), "uriworkermap" in path.name


WORKERS_BASE = b"""worker.list=lb,st
worker.t.type=ajp13
worker.t.host=localhost
worker.t.port=8009
worker.node1.reference=worker.t
worker.node2.reference=worker.t
worker.node2.port=8010
worker.lb.type=lb
worker.lb.balance_workers=node1,node2
worker.st.type=status
worker.lb.mount=/app/* !/app/static/*
"""


def hostile_workers():
    yield "long-line-9000", b"worker.list=a\nworker.a.host=" + b"h" * 9000 + b"\n"
    yield "line-8191", b"worker.list=a\nworker.a.host=" + b"h" * (8191 - 14) + b"\n"
    yield "line-8192", b"worker.list=a\nworker.a.host=" + b"h" * (8192 - 14) + b"\n"
    yield "subst-self-5000", b"x=" + b"$(x)" * 5000 + b"\nworker.list=$(x)\n"
    yield "subst-mutual", b"a=$(b)\nb=$(a)\nworker.list=$(a)\n"
    yield "subst-unclosed", b"v=$(\nw=$($($(\nworker.list=$(v)$(w)\n"
    yield "subst-env-loop", b"worker.list=$(LOOP)\nworker.$(LOOP).port=$(PATH)\n"
    yield "subst-nested", b"n=node\nworker.list=$(n)1,$($(n))\nworker.$(n)1.port=8009\n"
    yield "subst-21", b"a=1\nworker.list=" + b"$(a)" * 21 + b"w$(a)\n"
    deep = b"".join(b"worker.w%d.reference=worker.w%d\n" % (i, i + 1) for i in range(30))
    yield "reference-chain-30", b"worker.list=w0\n" + deep + b"worker.w30.port=8009\n"
    deep = b"".join(b"worker.w%d.reference=worker.w%d\n" % (i, i + 1) for i in range(19))
    yield "reference-chain-19", b"worker.list=w0\n" + deep + b"worker.w19.port=8009\n"
    yield "reference-cycle", b"worker.list=a\nworker.a.reference=worker.b\nworker.b.reference=worker.a\n"
    yield "reference-self", b"worker.list=a\nworker.a.reference=worker.a\n"
    # found by the fuzzer (ajpgate copies the reference key under itself without end)
    yield "reference-under-its-template", b"worker.list=a\nworker.a.port=8009\nworker.a.b.reference=worker.a\n"
    yield "reference-no-prefix", b"worker.list=a\nworker.t.port=1\nworker.a.reference=t\n"
    yield "reference-to-missing", b"worker.list=a\nworker.a.reference=worker.nothing\n"
    yield "nul-in-value", b"worker.list=a\nworker.a.host=loc\0alhost\nworker.a.port=80\00009\n"
    yield "nul-only", b"\0\0\0\0"
    yield "nul-in-key", b"worker.li\0st=a\nworker.a\0.port=1\n"
    yield "latin1-value", b"worker.list=a\nworker.a.host=caf\xe9\nworker.a.route=\xff\xfe\n"
    yield "invalid-utf8-key", b"worker.list=\xc3(\nworker.\xc3(.port=8009\n"
    yield "crlf", WORKERS_BASE.replace(b"\n", b"\r\n")
    yield "lone-cr", WORKERS_BASE.replace(b"\n", b"\r")
    yield "bom", b"\xef\xbb\xbf" + WORKERS_BASE
    yield "base", WORKERS_BASE
    yield "base-no-trailing-newline", WORKERS_BASE.rstrip(b"\n")
    yield "many-workers-300", b"worker.list=" + b",".join(b"w%d" % i for i in range(300)) + b"\n" + b"".join(
        b"worker.w%d.port=%d\n" % (i, 8000 + i) for i in range(300))
    yield "list-repeated-1000", b"worker.list=a\n" * 1000 + b"worker.a.port=8009\n"
    yield "lb-1000-members", b"worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=" + b",".join(
        b"m%d" % i for i in range(1000)) + b"\n"
    yield "odd-lines", b"=\n==\n=x\nx=\n#\n # c\nworker.list\n\t\v\f\nworker.list = a # c\nworker.a.port\t=\t8009\t\n"
    yield "numbers", (b"worker.list=a\nworker.a.port=99999999999999999999\nworker.a.connection_pool_size=8k\n"
                      b"worker.a.socket_timeout=-2147483649\nworker.a.max_packet_size=1m\n"
                      b"worker.a.reply_timeout=0x10\nworker.a.retries=+3\nworker.a.lbfactor=1e9\n")
    yield "booleans", (b"worker.list=lb\nworker.lb.type=lb\nworker.lb.balance_workers=a\n"
                       b"worker.lb.sticky_session=maybe\nworker.lb.sticky_session_force=ON\nworker.a.port=1\n")
    yield "mount-shapes", (b"worker.list=a\nworker.a.port=1\n"
                           b"worker.a.mount=*.jsp /a|/b !-/x -!/y /* ! - /;x /\xe9/* " + b"/*a" * 200 + b"\n")
    yield "long-names", b"worker.list=" + b"n" * 64 + b"\nworker." + b"n" * 64 + b".port=1\n"
    yield "status-everything", (b"worker.list=st\nworker.st.type=status\nworker.st.css=/x.css\n"
                                b"worker.st.read_only=1\nworker.st.user=a b,c\nworker.st.good=a,o\n"
                                b"worker.st.bad=e,s\nworker.st.prefix=p\nworker.st.ns=\n")
    yield "unknown-keys", b"worker.list=a\nworker.a.prot=8009\nworker.a.a.b.c=1\nworker..port=1\nworker.=x\n"
    yield "empty", b""


MAP_BASE = b"""/app/*=w1
/app/exact=w2
!/app/static/*=w1
-/app/off/*=w1
!/*.secret=*
/jk-status=st
/lb/*=lb;stopped=m1;reply_timeout=60000
/pipe|/*=w2
"""


def hostile_maps():
    yield "base", MAP_BASE
    yield "crlf", MAP_BASE.replace(b"\n", b"\r\n")
    yield "lone-cr", MAP_BASE.replace(b"\n", b"\r")
    yield "bom", b"\xef\xbb\xbf" + MAP_BASE
    yield "many-stars", b"/" + b"*a" * 500 + b"b=w1\n/*=w2\n"
    yield "stars-and-questions", b"/" + b"?*" * 300 + b"=w1\n/" + b"*" * 1000 + b"=w2\n"
    yield "long-pattern-8000", b"/" + b"a" * 8000 + b"=w1\n"
    yield "long-line-9000", b"/a=" + b"w" * 9000 + b"\n"
    yield "pipes", b"/a|/b|/c=w1\n|/x=w1\n/a|=w2\n!/p|/*=w1\n-/q|/*=w2\n"
    yield "prefixes", b"!/x=w1\n-/y=w1\n-!/z=w1\n!-/v=w1\n!!/u=w1\n--/t=w1\n*.jsp=w1\n?=w1\n=w1\n/=\n"
    yield "extensions-all", (
        b"/e/*=lb;reply_timeout=60000;sticky_ignore=1;stateless=1;active=m1;disabled=m2;stopped=m1"
        b";fail_on_status=-404,500 503;use_server_errors=400;session_cookie=SID;session_path=;jsessionid"
        b";set_session_cookie=1;session_cookie_path=/;bogus=1;;\n"
        b"/f/*=lb;stopped=a;stopped=b;reply_timeout=x;session_path=\n/g/*=;\n/h/*=w1;\n/i/*=*\n")
    yield "nul", b"/a\0b=w1\n/c=w\0\n\0=\0\n"
    yield "latin1", b"/caf\xe9/*=w1\n/\xff=w2\n/\xef\xbf\xbd=w1\n"
    yield "subst", b"x=/app\n$(x)/*=w1\n/y=$(x)\n/z=$(\n/$(PATH)=w2\n/l=$(LOOP)\n"
    yield "duplicates", b"/d/*=w1\n/d/*=w2\n/d/*=lb\n!/d/*=w1\n!/d/*=w2\n"
    yield "many-rules-2000", b"".join(b"/r%d/*=w%d\n" % (i, i % 2 + 1) for i in range(2000))
    yield "unknown-workers", b"/u/*=ghost\n!/u/x/*=ghost\n/v/*=m1\n/w/*=st;stopped=x\n"
    yield "hash-comments", b"/a#b=w1\n#/c=w1\n/d=w1#x\n  /e = w2  \n"
    yield "spaces", b"/a b=w1\n/c\t=\tw2\n / =w1\n"
    yield "empty", b""


def uris():
    cve = [
        "/jk-status", "/jk-status;x", "/jk-status;", "/a/..;/jk-status", "//jk-status", "/./jk-status",
        "/x/../jk-status", "/x/%2e%2e/jk-status", "/%2e%2e/jk-status", "/jk-status%3bfoo", "/..;/jk-status",
        "/jk-status/..", "/jk-status;/..", "//ex/priv/x", "/ex//priv/x", "/ex/priv;x/y", "/ex;a/priv/x",
        "/ex/pub/..;/priv/x", "/ex/%70riv/x", "/x/%252e%252e/jk-status", "/jk-status%2f", "/jk-status%00",
        "/jk-status%", "/jk-status%zz", "/jk-status%2", "/%2E%2E/%2e%2E/x",
    ]
    shapes = [
        "/", "", "*", "**", "a", "a/b", "/.", "/..", "/...", "/./", "/../", "/.;x", "/..;x", "/;", "/;/;/",
        "/a/.", "/a/..", "/a/./b", "/a/../b", "/a/b/../../..", "/a//..//b", "/.a/..b/", "/a;x=1/b;y",
        "/a;b;c/d", "/%", "/%%", "/%%%", "/%2", "/%g0", "/%0g", "/%2F", "/%2f", "/%00", "/%25", "/%252F",
        "/%ff", "/%c3%a9", "/%e2%82", "/\\..\\x", "/a\\b", "/\u00e9", "/\ufffd", "/a?b", "/a#b", "/ a",
        "/%3b/x", "/x%3b/..", "/x/%2e", "/x/%2e%2e", "/x/%2E%2e/%2e%2E", "/x/.%2e", "/x/%2e.",
    ]
    for i, u in enumerate(cve):
        yield "cve-%02d" % i, u.encode()
    for i, u in enumerate(shapes):
        yield "shape-%02d" % i, u.encode()
    yield "deep-climb", ("/a" * 2000 + "/.." * 2001).encode()
    yield "deep-balanced", ("/a" * 2000 + "/.." * 2000 + "/x").encode()
    yield "many-slashes", b"/" * 5000 + b"x"
    yield "many-params", b"/a;" * 3000
    yield "many-dots", b"/." * 4000
    yield "escapes-4000", b"/%41" * 4000
    yield "long-4096", b"/" + b"a" * 4095
    yield "invalid-utf8-raw", b"/\xff\xfe/\xc3(/x"
    yield "nul-raw", b"/a\0b/../c"
    yield "crlf-raw", b"/a\r\n/b"
    # mapped as "/ex/" but forwarded as "/ex/priv/" (found by tests/mapping_differential.rs)
    yield "parameter-segment-then-dot-dot", b"/ex/priv/;x/.."
    yield "parameter-segment-then-dot-dot-2", b"/x/;y/../jk-status"


def main():
    for name, data, is_map in real_files():
        write("uriworkermap" if is_map else "workers_properties", name, data)
        if not is_map:
            write("uriworkermap", name, data)
    for name, data in hostile_workers():
        write("workers_properties", "hostile-" + name, data)
    for name, data in hostile_maps():
        write("uriworkermap", "hostile-" + name, data)
    for name, data in uris():
        write("uri_normalize", name, data)


if __name__ == "__main__":
    main()
