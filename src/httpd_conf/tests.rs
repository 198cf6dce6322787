//! The reader on small trees written to a scratch directory. The differential against the real
//! `/usr/sbin/apache2` on the same trees is tests/httpd_conf_reader.rs.

use super::*;

struct Tree(PathBuf);

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ajpgate-httpd-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Tree(dir)
    }

    fn read(&self, defines: &[&str]) -> Result<HttpdConf, ConfigErrors> {
        let options = ReadOptions {
            defines: defines.iter().map(|d| d.to_string()).collect(),
            server_root: None,
        };
        read(&self.0.join("httpd.conf"), &options)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn names(conf: &HttpdConf) -> Vec<String> {
    walk(&conf.directives)
        .iter()
        .map(|d| d.name.clone())
        .collect()
}

#[test]
fn includes_are_read_in_place_in_sorted_order() {
    let tree = Tree::new(&[
        ("httpd.conf", "A 1\nInclude conf.d/*.conf\nB 2\n"),
        ("conf.d/20-b.conf", "FromB x\n"),
        (
            "conf.d/10-a.conf",
            "FromA x\nIncludeOptional nothing/*.conf\n",
        ),
    ]);
    let conf = tree.read(&[]).unwrap();
    let expected = ["A", "Include", "FromA", "IncludeOptional", "FromB", "B"];
    assert_eq!(names(&conf), expected);
    let read: Vec<_> = conf
        .includes
        .iter()
        .map(|i| (i.from_line, i.depth))
        .collect();
    assert_eq!(read, [(None, 0), (Some(2), 1), (Some(2), 1)]);
    assert!(conf.includes[1].path.ends_with("conf.d/10-a.conf"));
    let from_b = conf.find("frOmB").next().unwrap();
    assert!(from_b.place.file.ends_with("conf.d/20-b.conf") && from_b.place.line == 1);
}

#[test]
fn conditional_sections_open_or_vanish_with_what_was_loaded_and_defined() {
    let tree = Tree::new(&[(
        "httpd.conf",
        "<IfModule jk_module>\nEarly x\n</IfModule>\n\
         LoadModule jk_module /usr/lib/apache2/modules/mod_jk.so\n\
         <IfModule mod_jk.c>\n  JkMount /app/* node1\n  <IfDefine !SSL>\n    NoSsl x\n  </IfDefine>\n</IfModule>\n\
         <IfModule ssl_module>\n  Include /no/such/file.conf\n  ${UNDEFINED}\n</IfModule>\n\
         <IfDefine TOMCAT>\nTomcat x\n</IfDefine>\n",
    )]);
    let conf = tree.read(&["TOMCAT"]).unwrap();
    assert_eq!(names(&conf), ["LoadModule", "JkMount", "NoSsl", "Tomcat"]);
    assert!(conf.warnings.is_empty(), "{:?}", conf.warnings);
    let conf = tree.read(&["SSL"]).unwrap();
    assert_eq!(names(&conf), ["LoadModule", "JkMount"]);
}

#[test]
fn define_substitutes_from_its_line_on_and_falls_back_to_the_environment() {
    let tree = Tree::new(&[(
        "httpd.conf",
        "Before ${PORT}\nDefine PORT 8080\nListen ${PORT}\nUnDefine PORT\nAfter ${PORT}\n\
         Define MOUNTS \"/a/* /b/*\"\nJkMount ${MOUNTS} node1\n",
    )]);
    let conf = tree.read(&[]).unwrap();
    let args = |name: &str| conf.find(name).next().unwrap().args.clone();
    assert_eq!(args("Before"), ["${PORT}"]);
    assert_eq!(args("Listen"), ["8080"]);
    assert_eq!(args("After"), ["${PORT}"]);
    // The value lost its quotes when Define's line was split, so it splits again where it lands.
    assert_eq!(args("JkMount"), ["/a/*", "/b/*", "node1"]);
    assert_eq!(conf.warnings.len(), 2);
    assert_eq!(conf.warnings[0].line, Some(1));
    assert_eq!(conf.variables.get("MOUNTS").unwrap(), "/a/* /b/*");
}

#[test]
fn sections_nest_and_keep_their_arguments() {
    let tree = Tree::new(&[(
        "httpd.conf",
        "<VirtualHost *:80 [::1]:80>\n ServerName www.example.com\n \
         <Location \"/jk status\">\n  JkMount jk-status\n </Location>\n</virtualhost>\n<Directory>\n</Directory>\n",
    )]);
    let conf = tree.read(&[]).unwrap();
    let vhost = &conf.directives[0];
    assert!(vhost.is("virtualhost"));
    assert_eq!(vhost.args, ["*:80", "[::1]:80"]);
    assert_eq!(vhost.children()[1].args, ["/jk status"]);
    assert_eq!(vhost.children()[1].children()[0].args, ["jk-status"]);
    assert!(conf.directives[1].args.is_empty() && conf.directives[1].section.is_some());
}

#[test]
fn structural_errors_name_the_file_and_line() {
    let cases = [
        (
            "<VirtualHost *:80>\nServerName x\n",
            "1: <VirtualHost> was not closed.",
        ),
        (
            "<VirtualHost *:80>\n</Location>\n",
            "2: Expected </VirtualHost> but saw </Location>",
        ),
        (
            "</Location>\n",
            "1: </Location> without matching <Location> section",
        ),
        (
            "<Location /\n</Location>\n",
            "1: <Location directive missing closing '>'",
        ),
        (
            "<IfModule nope_module>\nA\n",
            "1: <IfModule> was not closed.",
        ),
        (
            "Include missing.conf\n",
            "1: Include: Could not open configuration file",
        ),
        (
            "Include nothing/*.conf\n",
            "1: Include: No matches for the wildcard '*.conf'",
        ),
        (
            "LoadModule jk_module\n",
            "1: LoadModule: takes a module name and a file",
        ),
        (
            "<IfVersion ~ ^2>\n</IfVersion>\n",
            "1: IfVersion: <IfVersion> with a regular",
        ),
        (
            "Define a:b c\n",
            "1: Define: Variable name must not contain ':'",
        ),
    ];
    for (text, wanted) in cases {
        let tree = Tree::new(&[("httpd.conf", text)]);
        let errors = tree.read(&[]).unwrap_err().to_string();
        assert!(
            errors.contains(&format!("httpd.conf:{wanted}")),
            "{text:?}: {errors}"
        );
    }
}

#[test]
fn an_include_loop_stops_at_the_depth_limit() {
    let tree = Tree::new(&[("httpd.conf", "Include httpd.conf\n")]);
    let errors = tree.read(&[]).unwrap_err().to_string();
    assert!(
        errors.contains("maximum include directory nesting level"),
        "{errors}"
    );
}

#[test]
fn server_root_moves_relative_includes() {
    let tree = Tree::new(&[("sub/inner.conf", "Inner x\n")]);
    let options = ReadOptions::default();
    let main = tree.0.join("httpd.conf");
    let root = tree.0.join("sub");
    let text = format!("ServerRoot {}\nInclude inner.conf\n", root.display());
    std::fs::write(&main, text).unwrap();
    let conf = read(&main, &options).unwrap();
    assert_eq!(conf.root, root);
    assert!(conf.find("Inner").next().is_some());
}
