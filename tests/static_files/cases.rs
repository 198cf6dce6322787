//! The requests sent to both servers, and the differences docs/static-files.md explains.

use super::tree::{BIG, LAST_MODIFIED, etag};

/// One request: a name for reports, method, target as sent on the wire, extra headers.
pub struct Case {
    pub name: String,
    pub method: &'static str,
    pub target: String,
    pub headers: Vec<(&'static str, String)>,
}

fn case(method: &'static str, target: &str, headers: &[(&'static str, &str)]) -> Case {
    let extra: Vec<String> = headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    Case {
        name: format!("{method} {target} {}", extra.join(" | "))
            .trim_end()
            .to_owned(),
        method,
        target: target.to_owned(),
        headers: headers.iter().map(|(n, v)| (*n, (*v).to_owned())).collect(),
    }
}

/// Differences kept on purpose: (case name, httpd's status, ajpgate's status).
pub const DIFFERENCES: &[(&str, u16, u16)] = &[
    // A symlink leaving the root: httpd with Debian's FollowSymLinks follows it; ajpgate refuses.
    ("GET /escape.txt", 200, 403),
    ("GET /escape-dir/secret.txt", 200, 403),
    // A .ht directory on the way: httpd's FilesMatch sees only the last name; ajpgate refuses any.
    ("GET /.htdir/inside.txt", 200, 403),
    // POST to a file: httpd serves it as a GET; ajpgate answers 405.
    ("POST /a.txt", 200, 405),
    // A method httpd does not know: 501 there; ajpgate (hyper) accepts extension methods, then 405.
    ("FOO /a.txt", 501, 405),
];

pub fn all() -> Vec<Case> {
    let tag = etag(12);
    let weak = format!("W/{tag}");
    let mut cases = Vec::new();
    for target in [
        "/a.txt",
        "/",
        "/index.html",
        "/style.css",
        "/app.js",
        "/data.json",
        "/pixel.png",
        "/blob.zzunknown",
        "/Makefile",
        "/page.html.zzz",
        "/big.bin",
        "/sub",
        "/sub/",
        "/sub?x=1",
        "/noindex/",
        "/noindex",
        "/with%20space/file%20name.txt",
        "/with%20space",
        "/with space/file name.txt",
        "/100%25.txt",
        "/semi;colon.txt",
        "/inside-link.txt",
        "/escape.txt",
        "/escape-dir/secret.txt",
        "/escape-dir/",
        "/.htaccess",
        "/.htpasswd",
        "/.htdir/inside.txt",
        "/deep/er/leaf.txt",
        "/deep",
        "/assets/logo.txt",
        "/assets",
        "/assets/",
        "/nope",
        "/a.txt/",
        "/a.txt/x",
        "/A.TXT",
    ] {
        cases.push(case("GET", target, &[]));
    }
    for target in ["/a.txt", "/big.bin", "/", "/Makefile", "/nope"] {
        cases.push(case("HEAD", target, &[]));
    }
    for method in ["POST", "PUT", "DELETE", "PATCH", "TRACE", "OPTIONS", "FOO"] {
        cases.push(case(method, "/a.txt", &[]));
    }
    let conditional: Vec<Vec<(&str, &str)>> = vec![
        vec![("If-None-Match", &tag)],
        vec![("If-None-Match", &weak)],
        vec![("If-None-Match", "*")],
        vec![("If-None-Match", "\"other\"")],
        vec![("If-None-Match", "\"other\", \"c-1\"")],
        vec![("If-Modified-Since", LAST_MODIFIED)],
        vec![("If-Modified-Since", "Mon, 06 May 2024 07:08:08 GMT")],
        vec![("If-Modified-Since", "Thu, 01 Jan 2099 00:00:00 GMT")],
        vec![("If-Modified-Since", "garbage")],
        vec![("If-Modified-Since", "Monday, 06-May-24 07:08:09 GMT")],
        vec![("If-Modified-Since", "Mon May  6 07:08:09 2024")],
        vec![("If-Match", &tag)],
        vec![("If-Match", "\"other\"")],
        vec![("If-Match", &weak)],
        vec![("If-Match", "*")],
        vec![("If-Unmodified-Since", "Mon, 06 May 2024 07:08:08 GMT")],
        vec![("If-Unmodified-Since", LAST_MODIFIED)],
        vec![
            ("If-None-Match", "\"other\""),
            ("If-Modified-Since", LAST_MODIFIED),
        ],
        vec![("If-Match", "\"other\""), ("If-None-Match", &tag)],
        vec![("If-None-Match", &tag), ("Range", "bytes=0-1")],
    ];
    for headers in &conditional {
        cases.push(case("GET", "/a.txt", headers));
    }
    cases.push(case("HEAD", "/a.txt", &[("If-None-Match", &tag)]));
    for range in [
        "bytes=0-3",
        "bytes=-3",
        "bytes=0-1,5-6",
        "bytes=5-6,0-1",
        "bytes=0-3,2-6",
        "bytes=0-3,4-6",
        "bytes=0-1,3-4,1-3",
        "bytes=0-1,,5-6",
        "bytes=5-100",
        "bytes=11-",
        "bytes=0-",
        "bytes=3-4,0-",
        "bytes=50-60",
        "bytes=12-",
        "bytes=0-1, 5-6",
        "bytes=-0",
        "bytes=3-2",
        "items=0-1",
        "bytes=0-5,7-11,3-8",
        "BYTES=0-1",
    ] {
        cases.push(case("GET", "/a.txt", &[("Range", range)]));
    }
    let big_part = format!("bytes={}-{}", BIG / 2, BIG - 1);
    cases.push(case("GET", "/big.bin", &[("Range", &big_part)]));
    cases.push(case(
        "GET",
        "/big.bin",
        &[("Range", "bytes=0-99,5000000-5000099,-10")],
    ));
    cases.push(case(
        "HEAD",
        "/big.bin",
        &[("Range", "bytes=0-99,5000000-5000099")],
    ));
    cases.push(case(
        "GET",
        "/blob.zzunknown",
        &[("Range", "bytes=0-1,5-6")],
    ));
    cases.push(case("GET", "/Makefile", &[("Range", "bytes=0-")]));
    for if_range in [
        tag.as_str(),
        "\"other\"",
        weak.as_str(),
        LAST_MODIFIED,
        "Mon, 06 May 2024 07:08:10 GMT",
    ] {
        cases.push(case(
            "GET",
            "/a.txt",
            &[("Range", "bytes=0-1"), ("If-Range", if_range)],
        ));
    }
    for target in [
        "/../a.txt",
        "/%2e%2e/a.txt",
        "/sub/../../a.txt",
        "/sub/%2e%2e/%2e%2e/a.txt",
        "//a.txt",
        "/sub//index.html",
        "/a%00.txt",
        "/sub%2findex.html",
        "/%2e%2e%2fa.txt",
        "/escape-dir/../a.txt",
        "/./a.txt",
        "/sub/./index.html",
        "/%zz",
        "/.%2e/a.txt",
        "/sub/..%2f..%2fa.txt",
        "/%2ehtaccess",
        "/sub/../.htaccess",
        "/a.txt%00",
        "/\\..\\a.txt",
        "/%5c..%5ca.txt",
    ] {
        cases.push(case("GET", target, &[]));
    }
    cases
}
