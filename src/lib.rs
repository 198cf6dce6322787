//! ajpgate: an HTTP front end for Tomcat that speaks AJP13, a drop-in replacement for httpd + mod_jk.
//!
//! Layout (each module's docs say why it is shaped the way it is):
//! * [`ajp`] — the AJP13 codec, both directions; no I/O policy.
//! * [`cli`] — the `ajpgate` command's subcommands.
//! * [`config`] — workers.properties, uriworkermap.properties and mounts, read as mod_jk reads them.
//! * [`fakeajp`] — a fake Tomcat (AJP13 container) with faults on demand, for tests and benchmarks.
//! * [`status`] — the status worker (jk-status) in mod_jk's formats, its commands, access control and
//!   Prometheus metrics.

pub mod ajp;
pub mod backend;
pub mod balancer;
pub mod cli;
pub mod config;
pub mod fakeajp;
pub mod gateway;
pub mod http;
pub mod reload;
pub mod status;
pub mod vocabulary;
