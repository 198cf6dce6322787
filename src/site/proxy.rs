//! mod_proxy_balancer sites in mod_jk's terms (httpd modules/proxy/mod_proxy.c: `add_pass`,
//! `set_worker_param`, `set_balancer_param`, `alias_match`; mod_proxy_balancer.c).
//!
//! `<Proxy balancer://NAME>` with `BalancerMember ajp://HOST:PORT key=value…` and `ProxySet` becomes
//! an lb worker NAME with one ajp13 member per BalancerMember (named by its `route`, else NAME-N), and
//! `ProxyPass PATH balancer://NAME/PATH` a mount of PATH and what lies below it at a segment boundary,
//! as `alias_match` matches. `ProxyPass PATH !` is an exclusion. httpd takes the first ProxyPass that
//! matches and mod_jk the most specific rule, so a line that an earlier one shadows (its path lies
//! below the earlier one's) is dropped with a warning: httpd never uses it either.
//!
//! mod_proxy's defaults differ from mod_jk's and are written out: no stickiness without
//! `stickysession`, `byrequests` as the method. A ProxyPass that changes the path on the way (other
//! than the balancer's own) is not translated and stays a difference.

use crate::config::Origin;
use crate::httpd_conf::{Directive, Place};

use super::jk::JkMountLine;

/// What the balancer directives of a tree become.
#[derive(Debug, Default)]
pub struct Translation {
    /// workers.properties keys with the directive each came from.
    pub properties: Vec<(String, String, Origin)>,
    pub warnings: Vec<(Place, String)>,
    pub errors: Vec<(Place, String, String)>,
}

/// Reads every `<Proxy balancer://…>`, and `BalancerMember`/`ProxySet` naming a balancer, anywhere
/// among `directives` (sections included: balancers are shared by all hosts).
pub fn balancers(directives: &[Directive]) -> Translation {
    let mut out = Translation::default();
    let mut names: Vec<String> = Vec::new();
    for directive in crate::httpd_conf::walk(directives) {
        if directive.is("Proxy") {
            let Some(name) = directive.args.first().and_then(|a| balancer_name(a)) else {
                continue;
            };
            declare(&mut out, &mut names, name, &directive.place);
            for inner in directive.children() {
                member_or_set(&mut out, name, &inner.args, inner);
            }
        } else if (directive.is("BalancerMember") || directive.is("ProxySet"))
            && let Some(name) = directive.args.first().and_then(|a| balancer_name(a))
        {
            declare(&mut out, &mut names, name, &directive.place);
            member_or_set(&mut out, name, &directive.args[1..], directive);
        }
    }
    out
}

fn balancer_name(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("balancer://")?;
    Some(rest.split('/').next().unwrap_or(rest)).filter(|n| !n.is_empty())
}

fn origin(place: &Place, key: &str) -> Origin {
    Origin {
        file: place.file.clone(),
        line: place.line,
        key: key.to_owned(),
    }
}

/// The lb worker, with mod_proxy_balancer's defaults where they differ from mod_jk's.
fn declare(out: &mut Translation, names: &mut Vec<String>, name: &str, place: &Place) {
    if names.iter().any(|n| n == name) {
        return;
    }
    names.push(name.to_owned());
    let at = |key: &str| origin(place, key);
    let mut set =
        |key: String, value: &str| out.properties.push((key.clone(), value.into(), at(&key)));
    set("worker.list".into(), name);
    set(format!("worker.{name}.type"), "lb");
    set(format!("worker.{name}.sticky_session"), "false");
    set(format!("worker.{name}.method"), "R");
}

fn member_or_set(out: &mut Translation, name: &str, args: &[String], directive: &Directive) {
    if directive.is("BalancerMember") {
        member(out, name, args, directive);
    } else if directive.is("ProxySet") {
        for (key, value) in params(args) {
            balancer_param(out, name, &key, &value, &directive.place);
        }
    }
}

/// `key=value` words; a word without `=` is kept with an empty value.
fn params(args: &[String]) -> Vec<(String, String)> {
    let pairs = args.iter().map(|a| match a.split_once('=') {
        Some((k, v)) => (k.to_ascii_lowercase(), v.to_owned()),
        None => (a.to_ascii_lowercase(), String::new()),
    });
    pairs.collect()
}

fn member(out: &mut Translation, balancer: &str, args: &[String], directive: &Directive) {
    let place = &directive.place;
    let Some((url, rest)) = args.split_first() else {
        out.errors
            .push((place.clone(), directive.name.clone(), "needs a URL".into()));
        return;
    };
    let Some((host, port)) = ajp_address(url) else {
        let message = format!("'{url}' is not ajp://HOST:PORT (only AJP members are served)");
        out.errors
            .push((place.clone(), directive.name.clone(), message));
        return;
    };
    let params = params(rest);
    let index = out
        .properties
        .iter()
        .filter(|(k, _, _)| k == &format!("worker.{balancer}.balance_workers"))
        .count();
    let route = params
        .iter()
        .find(|(k, _)| k == "route")
        .map(|(_, v)| v.clone());
    let worker = route
        .clone()
        .unwrap_or_else(|| format!("{balancer}-{}", index + 1));
    let at = |key: &str| origin(place, key);
    let mut props = vec![
        (format!("worker.{balancer}.balance_workers"), worker.clone()),
        (format!("worker.{worker}.type"), "ajp13".into()),
        (format!("worker.{worker}.host"), host),
        (format!("worker.{worker}.port"), port.to_string()),
    ];
    for (key, value) in &params {
        match member_param(&worker, key, value) {
            Ok(mut translated) => props.append(&mut translated),
            Err(why) => out.warnings.push((
                place.clone(),
                format!("BalancerMember {key}={value}: {why}"),
            )),
        }
    }
    for (key, value) in props {
        let origin = at(&key);
        out.properties.push((key, value, origin));
    }
}

/// `ajp://host:port[/]` → (host, port); 8009 when the port is left out.
fn ajp_address(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("ajp://")?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains('/') || authority.is_empty() {
        return None;
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            Some((host.trim_matches(['[', ']']).to_owned(), port.parse().ok()?))
        }
        _ => Some((authority.to_owned(), 8009)),
    }
}

/// A BalancerMember parameter as ajp13 worker properties.
fn member_param(
    worker: &str,
    key: &str,
    value: &str,
) -> Result<Vec<(String, String)>, &'static str> {
    let w = |property: &str, value: String| vec![(format!("worker.{worker}.{property}"), value)];
    Ok(match key {
        "route" => w("route", value.into()),
        "loadfactor" => w("lbfactor", value.into()),
        "secret" => w("secret", value.into()),
        "timeout" => w("socket_timeout", seconds(value)?.to_string()),
        "connectiontimeout" => w("socket_connect_timeout", millis(value)?.to_string()),
        "ping" => {
            let mut out = w("ping_mode", "P".into());
            out.extend(w("ping_timeout", millis(value)?.to_string()));
            out
        }
        "max" => w("connection_pool_size", value.into()),
        "keepalive" => w("socket_keepalive", on_off(value)?.to_string()),
        "status" => status(worker, value)?,
        _ => return Err("not translated: mod_jk has no equivalent ajpgate reads"),
    })
}

/// `status=+H` and friends: hot standby is a larger lb distance, drain is DISABLED (sticky only),
/// disabled and stopped are STOPPED.
fn status(worker: &str, value: &str) -> Result<Vec<(String, String)>, &'static str> {
    let mut out = Vec::new();
    let mut setting = true;
    for flag in value.chars() {
        match flag.to_ascii_uppercase() {
            '+' => setting = true,
            '-' => setting = false,
            'H' if setting => out.push((format!("worker.{worker}.distance"), "1".into())),
            'N' if setting => out.push((format!("worker.{worker}.activation"), "D".into())),
            'D' | 'S' if setting => out.push((format!("worker.{worker}.activation"), "S".into())),
            _ if !setting => {}
            _ => return Err("status flag not translated (only H, N, D and S are)"),
        }
    }
    Ok(out)
}

fn balancer_param(out: &mut Translation, name: &str, key: &str, value: &str, place: &Place) {
    let key_for = |property: &str| format!("worker.{name}.{property}");
    let translated: Result<Vec<(String, String)>, &str> = match key {
        "lbmethod" => match value.to_ascii_lowercase().as_str() {
            "byrequests" => Ok(vec![(key_for("method"), "R".into())]),
            "bytraffic" => Ok(vec![(key_for("method"), "T".into())]),
            "bybusyness" => Ok(vec![(key_for("method"), "B".into())]),
            _ => Err("lbmethod not translated (byrequests, bytraffic and bybusyness are)"),
        },
        "stickysession" => {
            let mut names = value.split('|');
            let cookie = names.next().unwrap_or("JSESSIONID");
            let mut props = vec![(key_for("sticky_session"), "true".to_string())];
            if cookie != "JSESSIONID" {
                props.push((key_for("session_cookie"), cookie.to_string()));
            }
            if let Some(path) = names.next().filter(|p| *p != "jsessionid") {
                props.push((key_for("session_path"), format!(";{path}")));
            }
            Ok(props)
        }
        "nofailover" => {
            on_off(value).map(|on| vec![(key_for("sticky_session_force"), on.to_string())])
        }
        "stickysessionsep" if value == "." => Ok(Vec::new()),
        _ => Err("not translated: mod_jk has no equivalent ajpgate reads"),
    };
    match translated {
        Ok(props) => {
            for (key, value) in props {
                let origin = origin(place, &key);
                out.properties.push((key, value, origin));
            }
        }
        Err(why) => out
            .warnings
            .push((place.clone(), format!("ProxySet {key}={value}: {why}"))),
    }
}

fn on_off(value: &str) -> Result<bool, &'static str> {
    match value.to_ascii_lowercase().as_str() {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err("takes On or Off"),
    }
}

fn seconds(value: &str) -> Result<u64, &'static str> {
    value.parse().map_err(|_| "takes whole seconds")
}

/// Seconds, or milliseconds with an `ms` suffix, as mod_proxy reads timeouts.
fn millis(value: &str) -> Result<u64, &'static str> {
    match value.strip_suffix("ms") {
        Some(ms) => ms.parse().map_err(|_| "takes seconds or NNNms"),
        None => seconds(value).map(|s| s * 1000),
    }
}

/// The mount rules of one server's `ProxyPass` lines, in mod_jk's terms; lines it cannot put so
/// are returned apart, and shadowed lines become warnings.
pub fn proxy_passes(
    directives: &[Directive],
    out: &mut Vec<JkMountLine>,
    warnings: &mut Vec<(Place, String)>,
) -> Vec<(Place, String)> {
    let mut untranslated = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for directive in directives.iter().filter(|d| d.is("ProxyPass")) {
        let (Some(path), Some(target)) = (directive.args.first(), directive.args.get(1)) else {
            untranslated.push((
                directive.place.clone(),
                "ProxyPass needs a path and a target".into(),
            ));
            continue;
        };
        let worker = if target == "!" {
            "*".to_string()
        } else if let Some(name) = balancer_name(target) {
            let rest = &target["balancer://".len() + name.len()..];
            if rest.trim_end_matches('/') != path.trim_end_matches('/') {
                let why = format!("ProxyPass {path} {target}: the path changes on the way");
                untranslated.push((directive.place.clone(), why));
                continue;
            }
            name.to_string()
        } else {
            let why = format!("ProxyPass {path} {target}: only balancer:// targets are translated");
            untranslated.push((directive.place.clone(), why));
            continue;
        };
        if let Some(earlier) = seen.iter().find(|e| covers(e, path)) {
            let why = format!(
                "ProxyPass {path} is never used: the earlier ProxyPass {earlier} takes its paths"
            );
            warnings.push((directive.place.clone(), why));
            continue;
        }
        seen.push(path.clone());
        let unmount = target == "!";
        let mut add = |pattern: String| {
            out.push(JkMountLine {
                pattern,
                worker: worker.clone(),
                unmount,
                place: directive.place.clone(),
                directive: "ProxyPass",
            })
        };
        let base = path.trim_end_matches('/');
        if !path.ends_with('/') {
            add(base.to_string());
        }
        add(format!("{base}/*"));
    }
    untranslated
}

/// Whether ProxyPass path `earlier` takes every request `later` would (`alias_match`: a prefix
/// ending at a segment boundary).
fn covers(earlier: &str, later: &str) -> bool {
    later.starts_with(earlier)
        && (earlier.ends_with('/')
            || matches!(later.as_bytes().get(earlier.len()), None | Some(b'/')))
}

#[cfg(test)]
mod tests;
