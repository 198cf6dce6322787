//! mod_jk's directives in the contexts httpd allows them (tomcat-connectors native/apache-2.0/mod_jk.c:
//! `jk_set_worker_file`, `jk_mount_context`, `jk_unmount_context`, `jk_set_mountcopy`,
//! `jk_set_mount_file`, and the merge in `merge_jk_config`).
//!
//! `JkMount PATTERN WORKER` belongs to the server it is written in: the main server, or one
//! `<VirtualHost>`. Inside a `<Location PATH>` it takes the worker only and mounts `PATH` itself, as
//! written. A virtual host sees the main server's mounts only with `JkMountCopy On` in it, or with
//! `JkMountCopy All` in the main server; mod_jk's default is Off, so a bare `<VirtualHost>` maps
//! nothing to Tomcat. `JkWorkersFile` is global.

use std::path::PathBuf;

use crate::httpd_conf::{Directive, Place};

/// One `JkMount` or `JkUnMount` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JkMountLine {
    pub pattern: String,
    pub worker: String,
    /// `JkUnMount` (or `ProxyPass PATH !`).
    pub unmount: bool,
    pub place: Place,
    /// The directive it was written as: `JkMount`, `JkUnMount` or `ProxyPass`.
    pub directive: &'static str,
}

impl JkMountLine {
    /// The rule as `--mount` (uriworkermap syntax) writes it.
    pub fn as_mount_arg(&self) -> String {
        let prefix = if self.unmount { "!" } else { "" };
        format!("{prefix}{}={}", self.pattern, self.worker)
    }
}

/// The mod_jk settings of one server (the main one or a virtual host).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JkServer {
    pub mounts: Vec<JkMountLine>,
    pub mount_file: Option<(PathBuf, Place)>,
    /// `JkMountCopy On` (in a vhost) or `All` (in the main server).
    pub mount_copy: bool,
}

/// Reads the mod_jk directives of one server's directives; problems go to `errors` as (place,
/// directive, message).
pub fn read_server(
    directives: &[Directive],
    root: &std::path::Path,
    errors: &mut Vec<(Place, String, String)>,
) -> JkServer {
    let mut server = JkServer::default();
    for directive in directives {
        let mut fail = |message: &str| {
            errors.push((
                directive.place.clone(),
                directive.name.clone(),
                message.to_owned(),
            ));
        };
        if directive.is("JkMount") || directive.is("JkUnMount") {
            match directive.args.as_slice() {
                [pattern, worker] => server.mounts.push(mount(directive, pattern, worker)),
                _ => {
                    fail("takes a URI pattern and a worker name (or a worker alone in <Location>)")
                }
            }
        } else if directive.is("JkMountCopy") {
            match directive
                .args
                .first()
                .map(|a| a.to_ascii_lowercase())
                .as_deref()
            {
                Some("on" | "all") => server.mount_copy = true,
                Some("off") => server.mount_copy = false,
                _ => fail("takes On, Off or All"),
            }
        } else if directive.is("JkMountFile") {
            match directive.args.first() {
                Some(file) => server.mount_file = Some((root.join(file), directive.place.clone())),
                None => fail("takes a file name"),
            }
        } else if directive.is("Location") {
            read_location(directive, &mut server, &mut fail);
        }
    }
    server
}

fn read_location(location: &Directive, server: &mut JkServer, fail: &mut dyn FnMut(&str)) {
    let Some(path) = location.args.first() else {
        return;
    };
    for directive in location.children() {
        if !(directive.is("JkMount") || directive.is("JkUnMount")) {
            continue;
        }
        if !path.starts_with('/') {
            fail("JkMount context should start with /");
            continue;
        }
        match directive.args.as_slice() {
            [worker] => server.mounts.push(mount(directive, path, worker)),
            _ => fail("inside <Location> takes the worker name only"),
        }
    }
}

fn mount(directive: &Directive, pattern: &str, worker: &str) -> JkMountLine {
    JkMountLine {
        pattern: pattern.to_owned(),
        worker: worker.to_owned(),
        unmount: directive.is("JkUnMount"),
        place: directive.place.clone(),
        directive: if directive.is("JkUnMount") {
            "JkUnMount"
        } else {
            "JkMount"
        },
    }
}

/// `JkWorkersFile` of the main server, relative to ServerRoot.
pub fn workers_file(directives: &[Directive], root: &std::path::Path) -> Option<(PathBuf, Place)> {
    let last = directives.iter().rev().find(|d| d.is("JkWorkersFile"))?;
    let file = last.args.first()?;
    Some((root.join(file), last.place.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn directive(name: &str, args: &[&str], children: Option<Vec<Directive>>) -> Directive {
        Directive::for_test(name, args, children, ("jk.conf", 3))
    }

    #[test]
    fn mounts_from_lines_and_locations_with_copy() {
        let location = directive(
            "Location",
            &["/jk-status"],
            Some(vec![directive("JkMount", &["jk-status"], None)]),
        );
        let directives = vec![
            directive("JkMount", &["/app/*", "lb"], None),
            directive("JkUnMount", &["/app/static/*", "lb"], None),
            directive("JkMountCopy", &["All"], None),
            directive("JkMountFile", &["conf/uriworkermap.properties"], None),
            location,
        ];
        let mut errors = Vec::new();
        let server = read_server(&directives, Path::new("/etc/apache2"), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let args: Vec<String> = server
            .mounts
            .iter()
            .map(JkMountLine::as_mount_arg)
            .collect();
        assert_eq!(
            args,
            ["/app/*=lb", "!/app/static/*=lb", "/jk-status=jk-status"]
        );
        assert!(server.mount_copy);
        let file = server.mount_file.unwrap().0;
        assert_eq!(file, Path::new("/etc/apache2/conf/uriworkermap.properties"));
    }

    #[test]
    fn wrong_arguments_are_errors_with_their_place() {
        let location = directive(
            "Location",
            &["/x"],
            Some(vec![directive("JkMount", &["/x/*", "w"], None)]),
        );
        let directives = vec![
            directive("JkMount", &["/only-a-pattern"], None),
            directive("JkMountCopy", &["maybe"], None),
            location,
        ];
        let mut errors = Vec::new();
        let server = read_server(&directives, Path::new("/"), &mut errors);
        assert!(server.mounts.is_empty());
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().all(|(place, _, _)| place.line == 3));
    }
}
