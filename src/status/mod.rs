//! The status worker (`type=status`, jk-status): the page operators and their monitoring read, and the
//! commands that drain, enable and tune workers while ajpgate runs.
//!
//! Nagios/Icinga checks, Prometheus exporters, Telegraf, AppDynamics and home-grown scripts parse
//! jk-status by exact element names, keys and state strings, and drive it with mod_jk's query
//! parameters. So the answers follow mod_jk 1.2.48 (Debian's) in structure, names, order and quirks;
//! the values are ajpgate's own counters. The parts:
//!
//! * [`params`] — the query string, read and masked as mod_jk reads it;
//! * [`access`] — who may reach the worker at all (what httpd did for mod_jk), by address and Basic
//!   credentials, from free variables of workers.properties;
//! * [`page`] — what an answer contains, in mod_jk's order of checks and parts;
//! * [`model`] — one snapshot of the lb and ajp workers per request;
//! * [`view`] — what the status worker sees of the running gateway ([`RunningWorkers`]), so it needs
//!   no gateway or HTTP type and answers with a plain [`StatusReply`];
//! * [`xml`], [`prop`], [`txt`] — the text formats, walked by [`page`]; [`html`] — the page for people
//!   (frame, views and edit forms);
//! * [`commands`] — `update`, `reset`, `recover`, failing with a [`commands::CommandError`];
//! * [`rating`] — the `good`/`bad` rules;
//! * [`text`] — the escaping and boolean spelling the formats share;
//! * [`metrics`] — the same numbers for Prometheus, at a path the user mounts.
//!
//! `jk_version` is `mod_jk/1.2.48`: it names the jk-status dialect ajpgate speaks, and scripts compare
//! it as a version (`split('/')`, version tuples), so anything appended could break them. ajpgate names
//! itself in `web_server` (httpd's server banner in mod_jk), e.g.
//! `ajpgate/0.1.0 (mod_jk/1.2.48 compatible)`.

pub mod access;
pub mod commands;
pub mod html;
pub mod metrics;
pub mod model;
pub mod page;
pub mod params;
pub mod prop;
pub mod rating;
pub mod text;
pub mod txt;
pub mod view;
pub mod xml;

use std::net::IpAddr;
use std::sync::Arc;

use http::header::{AUTHORIZATION, HOST};
use http::request::Parts;
use http::{HeaderValue, StatusCode};

use self::access::{Access, AccessControl};
use self::model::{Server, Snapshot, TEXT_TIME, local_time, unix};
use self::page::{Cmd, Format, Head, Mime, Page};
use self::params::{Params, mask};
use self::rating::Rules;
pub use self::view::{Running, RunningWorkers};
use crate::config::{Config, StatusConfig};

/// The jk-status dialect ajpgate speaks.
pub const JK_VERSION: &str = "mod_jk/1.2.48";

/// What `web_server` says: ajpgate, and which jk-status it reproduces.
pub const WEB_SERVER: &str = concat!(
    "ajpgate/",
    env!("CARGO_PKG_VERSION"),
    " (mod_jk/1.2.48 compatible)"
);

/// Free variables `ajpgate.status.<worker>.<name>` that ajpgate reads.
const VARIABLES: [&str; 4] = ["allow", "users", "realm", "metrics"];

#[derive(Debug)]
pub struct StatusWorker {
    config: StatusConfig,
    rules: Rules,
    access: AccessControl,
    /// The normalised path that answers Prometheus metrics instead of jk-status.
    metrics_path: Option<String>,
    /// `cmd=dump`: workers.properties as loaded, `.secret` keys left out.
    dump: Vec<(String, String)>,
}

/// What the status worker answers; the HTTP layer turns it into a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusReply {
    /// A jk-status page or metrics, never cached.
    Page {
        content_type: &'static str,
        body: String,
    },
    /// Refused with ajpgate's own error page; `challenge` is the `WWW-Authenticate` value of a 401.
    Refused {
        status: StatusCode,
        challenge: Option<HeaderValue>,
    },
}

impl StatusReply {
    pub fn status(&self) -> StatusCode {
        match self {
            StatusReply::Page { .. } => StatusCode::OK,
            StatusReply::Refused { status, .. } => *status,
        }
    }
}

/// The request facts the status worker needs.
#[derive(Debug, Clone, Copy)]
pub struct StatusRequest<'a> {
    pub parts: &'a Parts,
    pub client: IpAddr,
    /// The address the request came in on (the server name and port when there is no `Host`).
    pub local: std::net::SocketAddr,
    pub is_tls: bool,
    /// The decoded, normalised path the request was mapped by.
    pub path: &'a str,
}

impl StatusWorker {
    pub fn new(config: &StatusConfig, all: &Config) -> Arc<StatusWorker> {
        let name = config.name.as_str();
        let variable = |key: &str| all.free_variable(key).map(str::to_string);
        let prefix = format!("ajpgate.status.{name}.");
        for (key, _) in &all.properties {
            if let Some(rest) = key.strip_prefix(&prefix)
                && !VARIABLES.contains(&rest)
            {
                tracing::warn!(
                    status_worker = name,
                    key,
                    "unknown ajpgate.status variable; ignored (known: allow, users, realm, metrics)"
                );
            }
        }
        let access = AccessControl::new(name, &variable);
        if !config.user.is_empty() && !access.has_users() {
            tracing::warn!(
                status_worker = name,
                "'user' is set but no users file (ajpgate.status.{name}.users): no request has a remote user, so every one is answered 'Access denied.'"
            );
        }
        let metrics_path = variable(&format!("{prefix}metrics"));
        if let Some(path) = &metrics_path
            && all.mounts.map(path).is_none_or(|rule| rule.worker != name)
        {
            tracing::warn!(
                status_worker = name,
                path,
                "the metrics path is not mounted to this status worker; add it to worker.{name}.mount"
            );
        }
        let dump = all
            .properties
            .iter()
            .filter(|(key, _)| !(key.len() > 8 && key.ends_with(".secret")))
            .cloned()
            .collect();
        Arc::new(StatusWorker {
            rules: Rules::new(&config.good, &config.bad),
            config: config.clone(),
            access,
            metrics_path,
            dump,
        })
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Answers one request. Never fails: every problem is an answer.
    pub async fn handle(
        &self,
        running: &dyn RunningWorkers,
        request: StatusRequest<'_>,
    ) -> StatusReply {
        let authorization = request
            .parts
            .headers
            .get(AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        let remote_user = match self.access.check(request.client, authorization).await {
            Access::Allowed(user) => user,
            Access::Forbidden => {
                tracing::warn!(status_worker = %self.config.name, client = %request.client, "client address not allowed");
                return StatusReply::Refused {
                    status: StatusCode::FORBIDDEN,
                    challenge: None,
                };
            }
            Access::Unauthorized => {
                let challenge = format!("Basic realm=\"{}\"", self.access.realm.replace('"', ""));
                return StatusReply::Refused {
                    status: StatusCode::UNAUTHORIZED,
                    challenge: HeaderValue::from_str(&challenge).ok(),
                };
            }
        };
        let denied = self.denied(remote_user.as_deref());
        let server = server_of(request.parts, request.local, request.is_tls);
        if self.metrics_path.as_deref() == Some(request.path) {
            if denied {
                return StatusReply::Refused {
                    status: StatusCode::FORBIDDEN,
                    challenge: None,
                };
            }
            let snapshot = model::snapshot(running, server, &self.rules);
            let body = metrics::render(&snapshot, env!("CARGO_PKG_VERSION"), JK_VERSION);
            return StatusReply::Page {
                content_type: metrics::CONTENT_TYPE,
                body,
            };
        }
        let params = Params::parse(request.parts.uri.query());
        let mime = Mime::parse(params.get("mime"));
        let body = self
            .page(running, &params, server, request.path, denied)
            .await;
        StatusReply::Page {
            content_type: Mime::content_type(mime),
            body,
        }
    }

    /// mod_jk's `user` check: with a list, the remote user must be on it.
    fn denied(&self, remote_user: Option<&str>) -> bool {
        if self.config.user.is_empty() {
            return false;
        }
        let Some(user) = remote_user else {
            tracing::warn!(status_worker = %self.config.name, "status worker service denied (no user)");
            return true;
        };
        let allowed = self.config.user.iter().any(|u| {
            if self.config.user_case_insensitive {
                u.eq_ignore_ascii_case(user)
            } else {
                u == user
            }
        });
        if !allowed {
            tracing::warn!(status_worker = %self.config.name, user, "status worker service denied for user");
        }
        !allowed
    }

    async fn page(
        &self,
        running: &dyn RunningWorkers,
        params: &Params,
        server: Server,
        path: &str,
        denied: bool,
    ) -> String {
        let cmd = Cmd::parse(params.get("cmd"));
        let mime = Mime::parse(params.get("mime"));
        let read_only = self.config.read_only || params.options() & page::opt::READ_ONLY != 0;
        let error = if denied {
            Some("Access denied.".to_string())
        } else if read_only && cmd.is_some_and(|c| !c.read_only_ok()) {
            Some("This command is not allowed in read only mode.".to_string())
        } else {
            match (cmd, mime) {
                (None, _) => Some("Invalid command.".to_string()),
                (_, None) => Some("Invalid mime type.".to_string()),
                (Some(cmd), Some(_)) if cmd.checks_worker() => {
                    commands::check_worker(running, params, cmd == Cmd::Update)
                        .err()
                        .map(|e| e.to_string())
                }
                _ => None,
            }
        };
        let snapshot: Option<Snapshot> = match (cmd, &error) {
            (Some(Cmd::List | Cmd::Show | Cmd::Edit | Cmd::Update), None) => {
                Some(model::snapshot(running, server.clone(), &self.rules))
            }
            _ => None,
        };
        let error = match (cmd, error, &snapshot) {
            (Some(Cmd::Update), None, Some(snapshot)) => {
                commands::update(running, snapshot, params)
                    .await
                    .err()
                    .map(|e| e.to_string())
            }
            (Some(Cmd::Reset), None, _) => commands::reset(running, params)
                .err()
                .map(|e| e.to_string()),
            (Some(Cmd::Recover), None, _) => commands::recover(running, params)
                .err()
                .map(|e| e.to_string()),
            (_, error, _) => error,
        };
        if let Some(error) = &error {
            tracing::warn!(status_worker = %self.config.name, error, "jk-status");
        } else if cmd.is_some_and(Cmd::changes) {
            tracing::info!(status_worker = %self.config.name, query = params.raw(), "jk-status change applied");
        }
        let now = unix(std::time::SystemTime::now());
        let (datetime, tz) = local_time(now, TEXT_TIME);
        let page = Page {
            params,
            cmd,
            mime,
            read_only,
            server,
            head: Head {
                datetime,
                tz,
                unix: now,
                web_server: WEB_SERVER,
                jk_version: JK_VERSION,
            },
            error,
            snapshot: snapshot.as_ref(),
            dump: &self.dump,
        };
        let config = &self.config;
        let format: Box<dyn Format + '_> = match mime {
            Some(Mime::Html) => {
                let req_uri = mask(path);
                return html::render(
                    &page,
                    &html::Html {
                        req_uri: &req_uri,
                        css: config.css.as_deref(),
                        config_read_only: config.read_only,
                    },
                );
            }
            Some(Mime::Xml) => Box::new(xml::Xml::new(
                &config.ns,
                &config.xmlns,
                config.doctype.as_deref(),
            )),
            Some(Mime::Txt) => Box::new(txt::Txt::new()),
            Some(Mime::Prop) | None => Box::new(prop::Prop::new(&config.prefix)),
        };
        page::render(format, &page)
    }
}

/// httpd's server name and port with `UseCanonicalName Off`: from the `Host` header (a `Host` without
/// a port means the scheme's default port), else the local address. A host name with characters no
/// host name has is not trusted.
fn server_of(parts: &Parts, local: std::net::SocketAddr, is_tls: bool) -> Server {
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or_default();
    let default_port = if host.is_empty() {
        local.port()
    } else if is_tls {
        443
    } else {
        80
    };
    let (name, port): (&str, Option<u16>) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((address, tail)) => (
                &host[..address.len() + 2],
                tail.strip_prefix(':').and_then(|p| p.parse().ok()),
            ),
            None => (host, None),
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) => match port.parse() {
                Ok(port) => (name, Some(port)),
                Err(_) => (host, None),
            },
            None => (host, None),
        },
    };
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._[]:".contains(&b));
    match (valid, port) {
        (true, port) => Server {
            name: name.to_string(),
            port: port.unwrap_or(default_port),
        },
        (false, _) => Server {
            name: local.ip().to_string(),
            port: local.port(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(host: Option<&str>) -> Server {
        let mut request = http::Request::get("/jk-status");
        if let Some(host) = host {
            request = request.header(HOST, host);
        }
        let (parts, ()) = request.body(()).unwrap().into_parts();
        server_of(&parts, "10.1.2.3:8080".parse().unwrap(), false)
    }

    #[test]
    fn the_server_comes_from_the_host_header() {
        let s = |name: &str, port: u16| Server {
            name: name.into(),
            port,
        };
        assert_eq!(server(Some("www.example.com")), s("www.example.com", 80));
        assert_eq!(server(Some("www.example.com:81")), s("www.example.com", 81));
        assert_eq!(server(Some("[::1]:81")), s("[::1]", 81));
        assert_eq!(server(Some("[::1]")), s("[::1]", 80));
        assert_eq!(server(None), s("10.1.2.3", 8080));
        assert_eq!(server(Some("<script>")), s("10.1.2.3", 8080));
    }

    /// The status worker answers from the view alone: no gateway, no listener, no backend.
    struct ConfigOnly(Config);

    impl RunningWorkers for ConfigOnly {
        fn workers(&self) -> &crate::config::Workers {
            &self.0.workers
        }
        fn mounts(&self) -> &crate::config::MountTable {
            &self.0.mounts
        }
        fn worker(&self, _name: &str) -> Option<Running<'_>> {
            None
        }
    }

    #[tokio::test]
    async fn a_status_worker_answers_from_a_view_without_a_gateway() {
        let file = b"worker.list=node1,jkstatus\nworker.node1.host=127.0.0.1\nworker.node1.port=8009\nworker.jkstatus.type=status\nworker.jkstatus.mount=/jk-status\n";
        let config = Config::parse(
            crate::config::SourceFile {
                path: std::path::Path::new("workers.properties"),
                bytes: file,
            },
            None,
            &[],
            &|_| None,
        )
        .unwrap();
        let Some(crate::config::WorkerDef::Status(status)) = config.workers.get("jkstatus") else {
            panic!("no status worker");
        };
        let worker = StatusWorker::new(status, &config);
        let view = ConfigOnly(config.clone());
        let ask = |client: &str, query: &str| {
            let uri = format!("/jk-status?{query}");
            let (parts, ()) = http::Request::get(uri).body(()).unwrap().into_parts();
            (parts, client.parse::<IpAddr>().unwrap())
        };
        let local = "127.0.0.1:8080".parse().unwrap();
        let (parts, client) = ask("127.0.0.1", "cmd=version&mime=prop");
        let request = StatusRequest {
            parts: &parts,
            client,
            local,
            is_tls: false,
            path: "/jk-status",
        };
        let StatusReply::Page { content_type, body } = worker.handle(&view, request).await else {
            panic!("a loopback client gets the page");
        };
        assert_eq!(content_type, "text/plain");
        assert!(body.contains("worker.jk_version=mod_jk/1.2.48"), "{body}");
        let (parts, client) = ask("192.0.2.7", "cmd=list&mime=prop");
        let request = StatusRequest {
            client,
            parts: &parts,
            ..request
        };
        let reply = worker.handle(&view, request).await;
        assert_eq!(
            reply.status(),
            StatusCode::FORBIDDEN,
            "others are refused by default"
        );
    }
}
