//! The names mod_jk accepts after `worker.<name>.`, what each applies to, and how repeats combine.
//!
//! mod_jk checks a `worker.*` key only by its last component: if that is not in its list of supported
//! attributes, httpd refuses to start (a guard against typos such as `prot`). Keys that do not start
//! with `worker.` are free variables for `$(name)` substitution. This table is mod_jk 1.2.48's list,
//! with the worker types each property means something for, so we can also say when a valid property
//! is set on a worker that ignores it.

/// Worker types a property is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Applies(u8);

impl Applies {
    pub const AJP: Applies = Applies(1);
    pub const LB: Applies = Applies(2);
    pub const STATUS: Applies = Applies(4);
    /// `worker.list` and `worker.maintain`.
    pub const GLOBAL: Applies = Applies(8);
    /// Read by nothing any more (deprecated and ignored).
    pub const NOTHING: Applies = Applies(0);
    const ALL: Applies = Applies(1 | 2 | 4);
    const AJP_LB: Applies = Applies(1 | 2);

    pub fn contains(self, other: Applies) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
}

/// How a repeated key combines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// The values are joined with `,` (mod_jk's "list properties").
    Concatenate,
    /// A warning, and the last value wins.
    Replace,
}

#[derive(Debug)]
pub(crate) struct PropertySpec {
    pub name: &'static str,
    pub applies: Applies,
    pub list: bool,
    /// For a deprecated name: what to write instead.
    pub deprecated: Option<&'static str>,
}

const fn p(name: &'static str, applies: Applies) -> PropertySpec {
    PropertySpec {
        name,
        applies,
        list: false,
        deprecated: None,
    }
}

const fn list(name: &'static str, applies: Applies) -> PropertySpec {
    PropertySpec {
        name,
        applies,
        list: true,
        deprecated: None,
    }
}

const fn old(name: &'static str, applies: Applies, instead: &'static str) -> PropertySpec {
    PropertySpec {
        name,
        applies,
        list: false,
        deprecated: Some(instead),
    }
}

const JNI: &str =
    "only the jni worker read it, and neither mod_jk nor ajpgate supports that worker; ignored";

/// Every attribute name mod_jk 1.2.48 accepts (`supported_properties` in `jk_util.c`).
pub(crate) const PROPERTIES: &[PropertySpec] = &[
    p("type", Applies::ALL),
    p("reference", Applies::ALL),
    list("mount", Applies::ALL),
    p("secret", Applies::AJP_LB),
    p("host", Applies::AJP),
    p("source", Applies::AJP),
    p("port", Applies::AJP),
    p("prefer_ipv6", Applies::AJP),
    p("connection_pool_size", Applies::AJP),
    old("cachesize", Applies::AJP, "use 'connection_pool_size'"),
    p("connection_pool_minsize", Applies::AJP),
    p("connection_pool_timeout", Applies::AJP),
    old(
        "cache_timeout",
        Applies::AJP,
        "use 'connection_pool_timeout'",
    ),
    p("connection_acquire_timeout", Applies::AJP),
    p("recovery_options", Applies::AJP),
    p("connect_timeout", Applies::AJP),
    p("prepost_timeout", Applies::AJP),
    p("ping_timeout", Applies::AJP),
    p("ping_mode", Applies::AJP),
    p("reply_timeout", Applies::AJP),
    p("socket_timeout", Applies::AJP),
    p("socket_connect_timeout", Applies::AJP),
    p("socket_buffer", Applies::AJP),
    p("socket_keepalive", Applies::AJP),
    p("connection_ping_interval", Applies::AJP),
    old(
        "recycle_timeout",
        Applies::NOTHING,
        "ignored; use 'connection_pool_timeout'",
    ),
    p("lbfactor", Applies::AJP),
    p("distance", Applies::AJP),
    p("route", Applies::AJP),
    old("jvm_route", Applies::AJP, "use 'route'"),
    p("domain", Applies::AJP),
    p("redirect", Applies::AJP),
    p("activation", Applies::AJP),
    old("disabled", Applies::AJP, "use 'activation=disabled'"),
    old("stopped", Applies::AJP, "use 'activation=stopped'"),
    p("busy_limit", Applies::AJP),
    p("max_packet_size", Applies::AJP),
    list("fail_on_status", Applies::AJP),
    p("secretkey", Applies::AJP),
    p("retries", Applies::AJP_LB),
    p("retry_interval", Applies::AJP_LB),
    list("balance_workers", Applies::LB),
    PropertySpec {
        name: "balanced_workers",
        applies: Applies::LB,
        list: true,
        deprecated: Some("use 'balance_workers'"),
    },
    p("sticky_session", Applies::LB),
    p("sticky_session_force", Applies::LB),
    p("session_cookie", Applies::LB),
    p("session_path", Applies::LB),
    p("set_session_cookie", Applies::LB),
    p("session_cookie_path", Applies::LB),
    p("method", Applies::LB),
    p("lock", Applies::LB),
    p("recover_time", Applies::LB),
    p("error_escalation_time", Applies::LB),
    p("max_reply_timeouts", Applies::LB),
    p("lb_retries", Applies::LB),
    old(
        "local_worker",
        Applies::NOTHING,
        "ignored (see 'distance' and 'activation')",
    ),
    old(
        "local_worker_only",
        Applies::NOTHING,
        "ignored (see 'sticky_session_force')",
    ),
    p("css", Applies::STATUS),
    p("ns", Applies::STATUS),
    p("xmlns", Applies::STATUS),
    p("doctype", Applies::STATUS),
    p("prefix", Applies::STATUS),
    p("read_only", Applies::STATUS),
    list("user", Applies::STATUS),
    p("user_case_insensitive", Applies::STATUS),
    list("good", Applies::STATUS),
    list("bad", Applies::STATUS),
    list("list", Applies::GLOBAL),
    p("maintain", Applies::GLOBAL),
    old("sysprops", Applies::NOTHING, JNI),
    old("stderr", Applies::NOTHING, JNI),
    old("stdout", Applies::NOTHING, JNI),
    old("mx", Applies::NOTHING, JNI),
    old("ms", Applies::NOTHING, JNI),
    old("class_path", Applies::NOTHING, JNI),
    old("bridge", Applies::NOTHING, JNI),
    old("jvm_lib", Applies::NOTHING, JNI),
    old("ld_path", Applies::NOTHING, JNI),
    old("cmd_line", Applies::NOTHING, JNI),
    old("native_lib", Applies::NOTHING, JNI),
];

pub(crate) fn spec(property: &str) -> Option<&'static PropertySpec> {
    PROPERTIES.iter().find(|s| s.name == property)
}

/// A key of the form `worker.<name>.<property>`, or `worker.<property>` for the global ones (then the
/// name is `None`). mod_jk builds keys as `worker.` + name + `.` + property, so the property is what
/// follows the last dot and the name may itself contain dots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WorkerKey<'a> {
    pub worker: Option<&'a str>,
    pub property: &'a str,
}

pub(crate) const WORKER_PREFIX: &str = "worker.";

pub(crate) fn worker_key(key: &str) -> Option<WorkerKey<'_>> {
    let rest = key.strip_prefix(WORKER_PREFIX)?;
    Some(match rest.rsplit_once('.') {
        Some((worker, property)) => WorkerKey {
            worker: Some(worker),
            property,
        },
        None => WorkerKey {
            worker: None,
            property: rest,
        },
    })
}

/// How a repeated key of workers.properties combines. mod_jk joins its list properties; for the others
/// it either warns and keeps the last value or (for a few it forgot to mark as unique, such as
/// `distance`) joins them with `*`, which its number reader then cuts at the `*`. We warn and keep the
/// last value for all of them.
pub(crate) fn repeat(key: &str) -> Repeat {
    match worker_key(key).and_then(|k| spec(k.property)) {
        Some(spec) if spec.list => Repeat::Concatenate,
        _ => Repeat::Replace,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_at_the_last_dot() {
        assert_eq!(
            worker_key("worker.node1.port"),
            Some(WorkerKey {
                worker: Some("node1"),
                property: "port"
            })
        );
        assert_eq!(
            worker_key("worker.a.b.port"),
            Some(WorkerKey {
                worker: Some("a.b"),
                property: "port"
            })
        );
        assert_eq!(
            worker_key("worker.list"),
            Some(WorkerKey {
                worker: None,
                property: "list"
            })
        );
        assert_eq!(worker_key("workers.tomcat_home"), None);
        assert_eq!(worker_key("Worker.list"), None);
    }

    #[test]
    fn list_properties_concatenate() {
        assert_eq!(repeat("worker.list"), Repeat::Concatenate);
        assert_eq!(repeat("worker.lb.balance_workers"), Repeat::Concatenate);
        assert_eq!(repeat("worker.s.user"), Repeat::Concatenate);
        assert_eq!(repeat("worker.n.port"), Repeat::Replace);
        assert_eq!(repeat("ps"), Repeat::Replace);
    }

    #[test]
    fn no_name_is_listed_twice() {
        for (i, a) in PROPERTIES.iter().enumerate() {
            assert!(
                PROPERTIES[i + 1..].iter().all(|b| b.name != a.name),
                "{}",
                a.name
            );
        }
    }
}
