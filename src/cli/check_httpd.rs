//! `ajpgate check --httpd FILE [-D NAME]...`: reads an httpd configuration tree as httpd would and
//! shows what ajpgate made of it — the files read, the modules and defines, the listeners, the main
//! server's workers and mounts, each virtual host's mounts — and then every directive ajpgate does not
//! act on, with file:line and whether ignoring it is harmless or changes what clients get.
//!
//! Exit status 0 when the tree loads and nothing ignored changes responses; 1 otherwise, so a
//! migration script can stop on it.

use std::io::{self, Write};
use std::path::Path;

use super::check;
use crate::config::ConfigErrors;
use crate::httpd_conf::{HttpdConf, ReadOptions};
use crate::site::Site;
use crate::site::catalog::Verdict;

pub fn run(
    main: &Path,
    defines: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let options = ReadOptions {
        defines: defines.to_vec(),
        server_root: None,
    };
    let (conf, site) = match crate::site::load(main, &options) {
        Ok(loaded) => loaded,
        Err(errors) => return refused(&errors, err),
    };
    for warning in &conf.warnings {
        writeln!(err, "warning: {warning}")?;
    }
    print_tree(&conf, out)?;
    print_site(&site, out)?;
    writeln!(out, "\nMain server ({}):", site.main_name)?;
    let mut ok = check::report(site.main_config(), out, err)?;
    for (index, host) in site.vhosts.hosts.iter().enumerate() {
        writeln!(
            out,
            "\nVirtual host {} ({}):",
            host.server_name, host.defined_at
        )?;
        match site.vhost_config(index) {
            Ok(config) => check::print_mounts(&config.mounts, out)?,
            Err(errors) => ok &= check::report(Err(errors), out, err)?,
        }
    }
    ok &= print_ignored(&site, out, err)?;
    Ok(ok)
}

fn refused(errors: &ConfigErrors, err: &mut dyn Write) -> io::Result<bool> {
    for diagnostic in &errors.0 {
        writeln!(err, "{:?}: {diagnostic}", diagnostic.severity)?;
    }
    writeln!(err, "ajpgate would not start with this httpd configuration")?;
    Ok(false)
}

fn print_tree(conf: &HttpdConf, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "httpd configuration {} (ServerRoot {})",
        conf.main.display(),
        conf.root.display()
    )?;
    writeln!(out, "Files read:")?;
    for file in &conf.includes {
        let indent = "  ".repeat(file.depth + 1);
        let from = file.from_line.map_or("*".to_string(), |l| l.to_string());
        writeln!(out, "{indent}({from}) {}", file.path.display())?;
    }
    let modules: Vec<&str> = conf.modules.iter().map(|m| m.name.as_str()).collect();
    writeln!(out, "Modules: {}", modules.join(", "))?;
    let defined: Vec<String> = conf
        .defined
        .iter()
        .map(|name| match conf.variables.get(name) {
            Some(value) => format!("{name}={value}"),
            None => name.clone(),
        })
        .collect();
    writeln!(out, "Defined: {}", defined.join(", "))
}

fn print_site(site: &Site, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Listen:")?;
    for listen in &site.listens {
        let protocol = listen.protocol.as_deref().unwrap_or("");
        writeln!(out, "  {} {protocol} ({})", listen.address, listen.place)?;
    }
    writeln!(out, "Virtual hosts:")?;
    for host in &site.vhosts.hosts {
        let addrs: Vec<String> = host
            .addrs
            .iter()
            .map(|a| {
                let ip = a.ip.map_or("*".to_string(), |ip| ip.to_string());
                let port = a.port.map_or("*".to_string(), |p| p.to_string());
                format!("{ip}:{port}")
            })
            .collect();
        writeln!(
            out,
            "  {} {} ({})",
            addrs.join(" "),
            host.server_name,
            host.defined_at
        )?;
        for alias in host.aliases.iter().chain(&host.wild_aliases) {
            writeln!(out, "      alias {alias}")?;
        }
    }
    Ok(())
}

/// Lists what is ignored, harmless directives grouped by name; false when something ignored
/// changes responses.
fn print_ignored(site: &Site, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<bool> {
    writeln!(out, "\nNot acted on by ajpgate:")?;
    let mut harmless: Vec<(&str, &str, usize, String)> = Vec::new();
    for (place, name, verdict) in &site.ignored {
        match verdict {
            Verdict::Harmless(why) => match harmless.iter_mut().find(|h| h.0 == name) {
                Some(entry) => entry.2 += 1,
                None => harmless.push((name, why, 1, place.to_string())),
            },
            Verdict::ChangesResponses(why) => {
                writeln!(out, "  {place}: {name}: CHANGES RESPONSES: {why}")?;
                writeln!(err, "error: {place}: {name}: not supported, and {why}")?;
            }
            Verdict::Used => {}
        }
    }
    for (name, why, count, first) in harmless {
        writeln!(
            out,
            "  {name} ({count}x, first at {first}): harmless: {why}"
        )?;
    }
    Ok(!site.changes_responses())
}
