//! TLS differential suite (issue #13): the same TLS requests through real httpd + mod_ssl + mod_jk
//! and through ajpgate, on the same certificates, in front of the same real Tomcat 10.1, compared by
//! what the client saw and what Tomcat's ssl.jsp saw (isSecure, scheme, port, protocol, cipher suite,
//! key size, TLS protocol, session id shape, the client certificate chain's subjects, issuers and
//! serials). Plus the certificate reload of an `ajpgate serve` process, which httpd has no direct
//! counterpart for (a graceful restart).
//!
//! * `bed` — the PKI, httpd, the ajpgate processes, shared by every test of the binary.
//! * `gate` — `ajpgate serve` with TLS flags as a subprocess (support's `GateProcess`).
//! * `compare` — one request through both, compared field by field against the listed differences.
//! * `cases` — protocol versions, a forced cipher, HTTP/1.1 and h2, SNI, client certificates.
//! * `refusals` — client certificates that must not get through: missing, untrusted.
//! * `reload` — SIGHUP with a keep-alive connection open, and a broken new file.
//! * `sessions` — the session id: per connection, and across a resumed TLS session.

#[path = "../support/mod.rs"]
mod support;

mod bed;
mod cases;
mod compare;
mod gate;
mod refusals;
mod reload;
mod sessions;
