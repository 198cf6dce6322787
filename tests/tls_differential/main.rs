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
//! * `cases` — protocol versions, every suite, HTTP/1.1 and h2, SNI (second, wildcard, unknown, none,
//!   RSA or ECDSA for one name), client certificates with and without the chain, `SSLOptions` unset.
//! * `refusals` — client certificates that must not get through (missing, untrusted, wrong purpose,
//!   incomplete chain, too deep for httpd's default), and one too large for an AJP packet.
//! * `reload` — SIGHUP with a keep-alive connection open, a broken new file, a new client CA.
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
