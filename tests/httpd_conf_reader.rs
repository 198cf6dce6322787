//! The httpd configuration reader (`ajpgate::httpd_conf`) against the real `/usr/sbin/apache2` on the
//! same trees: the files it reads and in which order (`apache2 -t -D DUMP_INCLUDES`), the modules it
//! loads (`-D DUMP_MODULES`), the names it defines (`-D DUMP_RUN_CFG`), and the file and line of
//! the syntax errors it refuses (`apache2 -t`). Debian's stock /etc/apache2 tree is one of them.
//! Nothing is skipped: without apache2 these tests fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use ajpgate::httpd_conf::{HttpdConf, ReadOptions, read};

const APACHE2: &str = "/usr/sbin/apache2";

/// What apache2 -t printed, split into the parts the tests compare.
#[derive(Debug, Default)]
struct Dump {
    /// (depth, line of the Include or None, file).
    includes: Vec<(usize, Option<usize>, PathBuf)>,
    modules: Vec<String>,
    defined: Vec<String>,
    /// "Syntax error on line N of FILE: …" as (file, line, message).
    error: Option<(PathBuf, usize, String)>,
}

/// Runs `apache2 -t` on a tree with the dump switches and `-D` names, in `env`.
fn apache2(root: &Path, main: &Path, defines: &[&str], env: &[(String, String)]) -> Dump {
    let mut command = Command::new(APACHE2);
    command.arg("-d").arg(root).arg("-f").arg(main).arg("-t");
    for name in ["DUMP_INCLUDES", "DUMP_MODULES", "DUMP_RUN_CFG"]
        .iter()
        .chain(defines)
    {
        command.arg("-D").arg(name);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{APACHE2}: {e}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    parse_dump(&text)
}

fn parse_dump(text: &str) -> Dump {
    let mut dump = Dump::default();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix('(') {
            let (from, file) = rest.split_once(") ").expect("an include line");
            let depth = (line.len() - trimmed.len()) / 2 - 1;
            dump.includes
                .push((depth, from.parse().ok(), PathBuf::from(file)));
        } else if let Some(name) = line.strip_prefix(' ').filter(|l| l.ends_with(')')) {
            dump.modules
                .push(name.split(' ').next().unwrap().to_owned());
        } else if let Some(define) = line.strip_prefix("Define: ") {
            dump.defined
                .push(define.split('=').next().unwrap().to_owned());
        } else if let Some(at) = line.rfind("Syntax error on line ") {
            // An error in an included file is reported inside the Include's: the innermost counts.
            let rest = &line[at + "Syntax error on line ".len()..];
            let (number, rest) = rest.split_once(" of ").unwrap();
            let (file, mut message) = rest
                .split_once(':')
                .map(|(f, m)| (f, m.to_owned()))
                .unwrap();
            if message.trim().is_empty() {
                message = lines.next().unwrap_or_default().to_owned();
            }
            let line_number = number.parse().unwrap();
            dump.error = Some((PathBuf::from(file), line_number, message.trim().to_owned()));
        }
    }
    dump
}

fn ours(root: &Path, main: &Path, defines: &[&str]) -> Result<HttpdConf, String> {
    let mut names: Vec<String> = ["DUMP_INCLUDES", "DUMP_MODULES", "DUMP_RUN_CFG"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend(defines.iter().map(|s| s.to_string()));
    let options = ReadOptions {
        defines: names,
        server_root: Some(root.to_path_buf()),
    };
    read(main, &options).map_err(|e| e.to_string())
}

fn assert_same(dump: &Dump, conf: &HttpdConf) {
    let includes: Vec<_> = conf
        .includes
        .iter()
        .map(|i| (i.depth, i.from_line, i.path.clone()))
        .collect();
    assert_eq!(includes, dump.includes, "files read");
    let modules: Vec<_> = conf.modules.iter().map(|m| m.name.clone()).collect();
    assert_eq!(modules, dump.modules, "modules loaded");
}

/// A scratch tree of files, removed on drop.
struct Tree(PathBuf);

impl Tree {
    fn new(tag: &str, files: &[(&str, &str)]) -> Tree {
        let dir = std::env::temp_dir().join(format!("ajpgate-httpd-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("run")).unwrap();
        let head = format!(
            "ServerName localhost\nDefaultRuntimeDir {0}/run\nPidFile {0}/run/pid\nErrorLog {0}/error.log\n\
             LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n",
            dir.display()
        );
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = text.replace("{HEAD}", &head);
            std::fs::write(path, text).unwrap();
        }
        Tree(dir)
    }

    fn main(&self) -> PathBuf {
        self.0.join("httpd.conf")
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn debians_stock_tree_reads_the_same_files_and_loads_the_same_modules() {
    let main = Path::new("/etc/apache2/apache2.conf");
    assert!(main.is_file(), "Debian's apache2 package is not installed");
    let run = std::env::temp_dir().join(format!("ajpgate-httpd-stock-{}", std::process::id()));
    std::fs::create_dir_all(&run).unwrap();
    // envvars, as apache2ctl sources it, with a scratch runtime directory (the real one is root's).
    let script = format!(
        ". /etc/apache2/envvars; export APACHE_RUN_DIR={0} APACHE_LOCK_DIR={0} APACHE_LOG_DIR={0}; env -0",
        run.display()
    );
    let env = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    let env: Vec<(String, String)> = String::from_utf8_lossy(&env.stdout)
        .split('\0')
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect();
    let dump = apache2(Path::new("/etc/apache2"), main, &[], &env);
    assert!(
        dump.error.is_none(),
        "apache2 refused the stock tree: {:?}",
        dump.error
    );
    let conf = ours(Path::new("/etc/apache2"), main, &[]).unwrap();
    assert_same(&dump, &conf);
    assert!(
        conf.modules.iter().any(|m| m.name == "jk_module"),
        "mod_jk is enabled"
    );
    let jk_status = conf.find("JkMount").find(|d| d.args == ["jk-status"]);
    assert!(
        jk_status.is_some(),
        "jk.conf's <Location /jk-status> was read"
    );
    std::fs::remove_dir_all(&run).unwrap();
}

#[test]
fn includes_defines_and_conditions_agree_with_apache2() {
    let tree = Tree::new(
        "cond",
        &[
            (
                "httpd.conf",
                "{HEAD}Define PART conf.d\nInclude ${PART}/*.conf\n<IfDefine X>\n  Include conf.d/sub\n</IfDefine>\n\
                 <IfDefine !X>\n  Include opt/z.conf\n</IfDefine>\n<IfModule !jk_module>\n  IncludeOptional opt/*.conf\n\
                 </IfModule>\n<IfModule mod_jk.c>\n  Include nowhere.conf\n</IfModule>\nDefine EMPTY\nDefine V \"a b\"\n\
                 UnDefine PART\nIncludeOptional conf.d/missing.conf\nInclude conf.d/[ab]*.conf\n\
                 <IfVersion >= 2.4>\n  Include conf.d/b.conf\n</IfVersion>\n",
            ),
            (
                "conf.d/a.conf",
                "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so\n",
            ),
            (
                "conf.d/b.conf",
                "<IfModule authz_core_module>\n  Include conf.d/sub/deeper/*.conf\n</IfModule>\n",
            ),
            ("conf.d/.hidden.conf", "Bogus directive\n"),
            ("conf.d/sub/c.txt", "# read because the directory is\n"),
            ("conf.d/sub/deeper/d.conf", "# two levels down\n"),
            ("opt/z.conf", "# optional\n"),
        ],
    );
    for defines in [&["X"][..], &[][..]] {
        let dump = apache2(&tree.0, &tree.main(), defines, &[]);
        assert!(dump.error.is_none(), "{:?}", dump.error);
        let conf = ours(&tree.0, &tree.main(), defines).unwrap();
        assert_same(&dump, &conf);
        assert_eq!(conf.defined, dump.defined, "defined names");
        assert_eq!(conf.variables.get("V").map(String::as_str), Some("a b"));
    }
}

#[test]
fn syntax_errors_are_reported_at_the_file_and_line_apache2_names() {
    let cases: &[&[(&str, &str)]] = &[
        &[("httpd.conf", "{HEAD}<VirtualHost *:80>\nServerName x\n")],
        &[("httpd.conf", "{HEAD}<Location />\n</Directory>\n")],
        &[("httpd.conf", "{HEAD}<VirtualHost *:80\n</VirtualHost>\n")],
        &[
            ("httpd.conf", "{HEAD}Include inc/*.conf\n"),
            ("inc/a.conf", "ok x\n"),
            ("inc/b.conf", "</Location>\n"),
        ],
        &[("httpd.conf", "{HEAD}Include nothing/*.conf\n")],
        &[("httpd.conf", "{HEAD}Include missing.conf\n")],
        &[("httpd.conf", "{HEAD}<IfModule nope_module>\n  A\n")],
    ];
    for (n, files) in cases.iter().enumerate() {
        let tree = Tree::new(&format!("err{n}"), files);
        let dump = apache2(&tree.0, &tree.main(), &[], &[]);
        let (file, line, message) = dump
            .error
            .unwrap_or_else(|| panic!("apache2 accepted {files:?}"));
        let ours = ours(&tree.0, &tree.main(), &[]).expect_err("ajpgate accepted it");
        let place = format!("{}:{line}:", file.display());
        assert!(
            ours.contains(&place),
            "{files:?}\napache2: {place} {message}\najpgate: {ours}"
        );
    }
}
