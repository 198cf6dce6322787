//! `ajpgate check -w FILE [-m FILE] [--mount PATTERN=WORKER]...`: reads the configuration exactly as
//! the gateway will and shows the result.
//!
//! Someone moving from httpd wants to see, before switching, what ajpgate made of their files: every
//! worker with every effective property (and whether it came from the file, from a template or is a
//! default), then the mount rules in the order they are tried. Problems go to standard error, one per
//! line as `error: FILE:LINE: KEY: message` or `warning: …`. The exit status says whether the gateway
//! would start: 0 when the configuration loads, 1 when it has errors.

use std::io::{self, Write};
use std::path::Path;

use crate::config::{
    Ajp13Config, Config, ConfigErrors, Diagnostic, MountTable, Origin, Severity, WorkerDef, Workers,
};

/// Checks and prints; `Ok(true)` when the configuration is valid.
pub fn run(
    workers_file: &Path,
    mount_file: Option<&Path>,
    cli_mounts: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    report(Config::load(workers_file, mount_file, cli_mounts), out, err)
}

/// Loads the TLS setup `serve` would load and shows it; `Ok(true)` when there is none or it loads.
pub fn report_tls(
    tls: &super::tls::TlsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    match tls.load() {
        Ok(None) => Ok(true),
        Ok(Some(setup)) => {
            writeln!(out, "\nTLS listeners: {:?}", tls.listen_tls)?;
            for line in setup.describe(chrono::Utc::now().timestamp()) {
                if line.ends_with("EXPIRED") {
                    writeln!(err, "warning: {line}")?;
                }
                writeln!(out, "  {line}")?;
            }
            Ok(true)
        }
        Err(error) => {
            writeln!(err, "error: {error}")?;
            writeln!(err, "ajpgate would not start with this TLS setup")?;
            Ok(false)
        }
    }
}

/// Shows whom `serve` would believe about the client's address (docs/proxy-protocol.md); nothing
/// when no network is listed (the socket's peer is the client), as the TLS part is absent without TLS.
pub fn report_client_addr(
    args: &super::client_addr::ClientAddrArgs,
    out: &mut dyn Write,
) -> io::Result<()> {
    let settings = args.settings();
    if settings.is_default_trust() {
        return Ok(());
    }
    writeln!(out, "\nClient address:")?;
    for line in settings.describe() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

/// Prints a loaded (or failed) configuration; `Ok(true)` when it is valid.
pub fn report(
    loaded: Result<Config, ConfigErrors>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    match loaded {
        Ok(config) => {
            print_workers(&config.workers, out)?;
            writeln!(out)?;
            print_mounts(&config.mounts, out)?;
            print_diagnostics(&config.warnings, err)?;
            writeln!(
                out,
                "\nok: {}, {}, {}",
                counted(config.workers.list.len(), "listed worker"),
                counted(config.mounts.rules().len(), "mount rule"),
                counted(config.warnings.len(), "warning")
            )?;
            Ok(true)
        }
        Err(errors) => {
            print_diagnostics(&errors.0, err)?;
            writeln!(
                err,
                "{}: ajpgate would not start with this configuration",
                counted(errors.errors().count(), "error")
            )?;
            Ok(false)
        }
    }
}

/// `1 warning`, `2 warnings`.
fn counted(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn print_diagnostics(diagnostics: &[Diagnostic], err: &mut dyn Write) -> io::Result<()> {
    for d in diagnostics {
        let label = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(err, "{label}: {d}")?;
    }
    Ok(())
}

fn print_workers(workers: &Workers, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "worker.list = {}    (worker.maintain = {} s)",
        workers.list.join(","),
        workers.maintain.as_secs()
    )?;
    for name in &workers.list {
        let Some(def) = workers.get(name) else {
            continue;
        };
        writeln!(out, "\nworker {name} ({})", def.type_name())?;
        print_properties(name, &def.properties(), def.explicit(), None, "  ", out)?;
        if let WorkerDef::Lb(lb) = def {
            for member in &lb.members {
                writeln!(
                    out,
                    "  member {} ({}) of {}",
                    member.name,
                    member.kind.as_str(),
                    lb.name
                )?;
                print_properties(
                    &member.name,
                    &member.properties(),
                    &member.explicit,
                    Some(member_notes(member, workers)),
                    "    ",
                    out,
                )?;
            }
        }
    }
    Ok(())
}

/// What differs in an lb's copy of a member from the member's own definition.
fn member_notes(member: &Ajp13Config, workers: &Workers) -> MemberNotes {
    let own = match workers.get(&member.name) {
        Some(WorkerDef::Ajp13(own)) => Some(own),
        _ => None,
    };
    MemberNotes {
        secret_from_lb: own.is_some_and(|own| own.secret.is_none() && member.secret.is_some()),
        stopped_by_port: own.is_some_and(|own| own.activation != member.activation),
    }
}

struct MemberNotes {
    secret_from_lb: bool,
    stopped_by_port: bool,
}

fn print_properties(
    worker: &str,
    properties: &[(&'static str, String)],
    explicit: &std::collections::BTreeMap<&'static str, Origin>,
    notes: Option<MemberNotes>,
    indent: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let width = properties.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let value_width = properties
        .iter()
        .map(|(_, v)| v.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for (name, value) in properties {
        let source = match (explicit.get(name), &notes) {
            (_, Some(n)) if *name == "secret" && n.secret_from_lb => "from the lb".to_string(),
            (_, Some(n)) if *name == "activation" && n.stopped_by_port => {
                "stopped: port 0".to_string()
            }
            (Some(origin), _) => describe(worker, name, origin),
            (None, _) => derived_or_default(name, value, explicit),
        };
        writeln!(
            out,
            "{indent}{name:<width$} = {value:<value_width$}  [{source}]"
        )?;
    }
    Ok(())
}

/// `workers.properties:12`, plus the key as written when it was another one (a template's key, or a
/// deprecated name).
fn describe(worker: &str, property: &str, origin: &Origin) -> String {
    let expected = format!("worker.{worker}.{property}");
    if origin.key == expected {
        origin.to_string()
    } else {
        format!("{origin} {}", origin.key)
    }
}

/// Deprecated names that set a property when its own name is absent.
const ALIASES: &[(&str, &[&str])] = &[
    ("balance_workers", &["balanced_workers"]),
    ("route", &["jvm_route"]),
    ("connection_pool_size", &["cachesize"]),
    ("connection_pool_timeout", &["cache_timeout"]),
    ("activation", &["stopped", "disabled"]),
];

/// For a property the file did not set under its own name: the line of a deprecated alias that set
/// it, else `derived` when mod_jk computes it from other properties that were set, else `default`.
fn derived_or_default(
    property: &str,
    value: &str,
    explicit: &std::collections::BTreeMap<&'static str, Origin>,
) -> String {
    let alias = ALIASES
        .iter()
        .filter(|(name, _)| *name == property)
        .flat_map(|(_, aliases)| aliases.iter())
        .find_map(|alias| explicit.get(alias));
    if let Some(origin) = alias {
        return format!("{origin} {}", origin.key);
    }
    let from = |sources: &[&str]| sources.iter().any(|s| explicit.contains_key(s));
    let derived = match property {
        "domain" => !value.is_empty() && from(&["route", "jvm_route"]),
        "connection_pool_minsize" => from(&["connection_pool_size", "cachesize"]),
        "socket_connect_timeout" => from(&["socket_timeout"]),
        "connect_timeout" | "prepost_timeout" | "connection_ping_interval" => from(&["ping_mode"]),
        "connection_acquire_timeout" => from(&["retries", "retry_interval"]),
        "error_escalation_time" => from(&["recover_time"]),
        _ => false,
    };
    if derived {
        "derived".to_string()
    } else {
        "default".to_string()
    }
}

pub(super) fn print_mounts(mounts: &MountTable, out: &mut dyn Write) -> io::Result<()> {
    if mounts.is_empty() {
        return writeln!(
            out,
            "mounts: none (no request would be forwarded; give -m FILE or --mount PATTERN=WORKER)"
        );
    }
    writeln!(out, "mounts, in the order they are tried:")?;
    let width = mounts
        .rules()
        .iter()
        .map(|r| r.written().chars().count())
        .max()
        .unwrap_or(0);
    let worker_width = mounts
        .rules()
        .iter()
        .map(|r| r.worker.chars().count() + r.extensions.to_string().chars().count())
        .max()
        .unwrap_or(0);
    for (i, rule) in mounts.rules().iter().enumerate() {
        let kind = match (rule.disabled, rule.exclude, rule.wildcard) {
            (true, _, _) => "disabled",
            (false, true, _) => "exclusion",
            (false, false, true) => "wildcard",
            (false, false, false) => "exact",
        };
        let target = format!("{}{}", rule.worker, rule.extensions);
        writeln!(
            out,
            "  {:>3}. {:<width$}  -> {target:<worker_width$}  [{kind}, {}, {}]",
            i + 1,
            rule.written(),
            rule.source,
            rule.defined_at
        )?;
    }
    Ok(())
}
