//! ajpgate: an HTTP front end for Tomcat that speaks AJP13, a drop-in replacement for httpd + mod_jk.
//!
//! Layout (each module's docs say why it is shaped the way it is). Dependencies point down this list,
//! roughly: the HTTP layer uses the gateway, which uses the status worker, the balancer and the backend,
//! which use the codec; nothing points back up (`python3 scripts/module-graph.py` prints the graph).
//! * [`cli`] — the `ajpgate` command's subcommands (`serve`, `check`, `demo`, `decode`, `fake-backend`).
//! * [`reload`] — SIGHUP and mount-file changes: a new configuration replaces the running one atomically.
//! * [`http`] — the front end: accept loop, the request path (read → route → plan → run → respond), the
//!   FORWARD_REQUEST builder, response bodies and error pages, the access log.
//! * [`static_files`] — the document root's files for paths no mount matches, as httpd serves them:
//!   containment, content types, validators and conditional requests, ranges, a streamed body.
//! * [`tls`] — TLS termination: certificates by SNI, client-certificate verification, reload, and the
//!   handshake facts Tomcat gets (cipher, key size, session id, client certificate).
//! * [`gateway`] — a loaded configuration put to work: the running workers, routing a path to a
//!   [`gateway::Route`], building each request's plan, and config → run-time settings.
//! * [`status`] — the status worker (jk-status) in mod_jk's formats, its commands, access control and
//!   Prometheus metrics; it sees the gateway only through [`status::RunningWorkers`].
//! * [`upgrade`] — upgraded requests (WebSocket): the member AJP would pick, reached on its HTTP
//!   connector, and the byte relay after its 101; the tunnel counters jk-status shows.
//! * [`balancer`] — the lb worker: member states and transitions, load methods, sticky sessions,
//!   selection, the per-request plan, background recovery.
//! * [`backend`] — ajp13 workers: connections, pools, counters, the exchange of one request with its
//!   retry rule, and the response-head translation.
//! * [`site`] — what an httpd configuration means for ajpgate: listeners, virtual hosts, mod_jk's
//!   workers file and mounts per server, and a verdict on every directive it does not act on.
//! * [`httpd_conf`] — httpd 2.4's configuration files read as httpd reads them (includes, defines,
//!   conditional sections), each directive with its file and line.
//! * [`config`] — workers.properties, uriworkermap.properties and mounts, read as mod_jk reads them.
//! * [`vocabulary`] — lb words that config, balancer and status share (activation, method, lock).
//! * [`fakeajp`] — a fake Tomcat (AJP13 container) with faults on demand, for tests and benchmarks.
//! * [`ajp`] — the AJP13 codec, both directions; no I/O, no policy.

pub mod ajp;
pub mod backend;
pub mod balancer;
pub mod cli;
pub mod config;
pub mod fakeajp;
pub mod gateway;
pub mod http;
pub mod httpd_conf;
pub mod reload;
pub mod site;
pub mod static_files;
pub mod status;
pub mod tls;
pub mod upgrade;
pub mod vocabulary;
