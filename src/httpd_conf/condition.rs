//! The sections httpd judges while it reads: `<IfModule>`, `<IfDefine>`, `<IfFile>` and
//! `<IfVersion>` (server/core.c `start_ifmod`, `start_ifdefine`, `start_iffile`; mod_version.c).
//!
//! A true one disappears from the tree and its contents take its place; a false one is skipped whole.
//! `<IfVersion>` answers as Debian 12's httpd 2.4.71 would; its regular-expression forms are refused
//! rather than guessed.

use std::path::Path;

use super::defines::Defines;
use super::modules::Modules;

/// The version `<IfVersion>` compares with: Debian 12's apache2 package.
pub const HTTPD_VERSION: (u32, u32, u32) = (2, 4, 71);

/// `None` when `name` is not a conditional section; otherwise whether it holds, or why it cannot be
/// judged.
pub fn judge(
    name: &str,
    args: &[String],
    defines: &Defines,
    modules: &Modules,
    root: &Path,
) -> Option<Result<bool, String>> {
    let kind = name.to_ascii_lowercase();
    let judged = match kind.as_str() {
        "ifmodule" => single(name, args).map(|arg| modules.condition(arg)),
        "ifdefine" => single(name, args).map(|arg| match arg.strip_prefix('!') {
            Some(name) => !defines.is_defined(name),
            None => defines.is_defined(arg),
        }),
        "iffile" => single(name, args).map(|arg| {
            let (negate, path) = match arg.strip_prefix('!') {
                Some(path) => (true, path),
                None => (false, arg.as_str()),
            };
            root.join(path).exists() != negate
        }),
        "ifversion" => if_version(args),
        _ => return None,
    };
    Some(judged)
}

fn single<'a>(name: &str, args: &'a [String]) -> Result<&'a String, String> {
    match args {
        [arg] if arg != "!" => Ok(arg),
        _ => Err(format!("<{name}> takes one argument")),
    }
}

fn if_version(args: &[String]) -> Result<bool, String> {
    let (operator, version) = match args {
        [version] => ("=", version.as_str()),
        [operator, version] => (operator.as_str(), version.as_str()),
        _ => return Err("<IfVersion> takes an optional operator and a version".into()),
    };
    let (negate, operator) = match operator.strip_prefix('!') {
        Some(rest) if !rest.is_empty() => (true, rest),
        Some(_) => (true, "="),
        None => (false, operator),
    };
    if operator == "~" || version.starts_with('/') {
        return Err("<IfVersion> with a regular expression is not supported".into());
    }
    let wanted = parse_version(version)?;
    let have = HTTPD_VERSION;
    let holds = match operator {
        "=" | "==" => have == wanted,
        ">" => have > wanted,
        ">=" => have >= wanted,
        "<" => have < wanted,
        "<=" => have <= wanted,
        other => return Err(format!("<IfVersion>: unknown operator '{other}'")),
    };
    Ok(holds != negate)
}

/// `2`, `2.4` or `2.4.71`; missing parts compare as httpd's own (mod_version fills them in).
fn parse_version(text: &str) -> Result<(u32, u32, u32), String> {
    let mut parts = text.split('.').map(|p| p.parse::<u32>());
    let bad = || format!("<IfVersion>: '{text}' is not a version");
    let major = parts.next().and_then(Result::ok).ok_or_else(bad)?;
    let minor = match parts.next() {
        Some(part) => part.map_err(|_| bad())?,
        None => HTTPD_VERSION.1,
    };
    let patch = match parts.next() {
        Some(part) => part.map_err(|_| bad())?,
        None => HTTPD_VERSION.2,
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn judge_one(name: &str, args: &[&str]) -> Option<Result<bool, String>> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let defines = Defines::new(&["SSL".into()], BTreeMap::new());
        let mut modules = Modules::default();
        modules.load("jk_module", "/usr/lib/apache2/modules/mod_jk.so");
        judge(name, &args, &defines, &modules, Path::new("/"))
    }

    #[test]
    fn modules_defines_and_files() {
        assert_eq!(judge_one("IfModule", &["mod_jk.c"]), Some(Ok(true)));
        assert_eq!(judge_one("ifmodule", &["!jk_module"]), Some(Ok(false)));
        assert_eq!(judge_one("IfModule", &["ssl_module"]), Some(Ok(false)));
        assert_eq!(judge_one("IfDefine", &["SSL"]), Some(Ok(true)));
        assert_eq!(judge_one("IfDefine", &["!SSL"]), Some(Ok(false)));
        assert_eq!(judge_one("IfFile", &["/"]), Some(Ok(true)));
        assert_eq!(judge_one("IfFile", &["!/no/such/file"]), Some(Ok(true)));
        assert!(judge_one("IfModule", &[]).unwrap().is_err());
        assert_eq!(judge_one("VirtualHost", &["*:80"]), None);
    }

    #[test]
    fn versions_compare_as_2_4_71() {
        assert_eq!(judge_one("IfVersion", &[">=", "2.4"]), Some(Ok(true)));
        assert_eq!(judge_one("IfVersion", &["<", "2.4"]), Some(Ok(false)));
        assert_eq!(judge_one("IfVersion", &["2.4.71"]), Some(Ok(true)));
        assert_eq!(judge_one("IfVersion", &["!=", "2.2"]), Some(Ok(true)));
        assert_eq!(judge_one("IfVersion", &[">", "2.4.80"]), Some(Ok(false)));
        assert!(judge_one("IfVersion", &["~", "^2"]).unwrap().is_err());
        assert!(judge_one("IfVersion", &[">=", "two"]).unwrap().is_err());
    }
}
