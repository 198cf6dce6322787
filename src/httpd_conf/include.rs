//! The files an `Include` or `IncludeOptional` names (server/config.c, `ap_process_fnmatch_configs`,
//! `process_resource_config_fnmatch`, `process_resource_config_nofnmatch`).
//!
//! A relative pattern is taken from ServerRoot. Each path segment with a wildcard is matched against
//! the directory's entries with `fnmatch` (a leading dot only matched by a dot in the pattern), the
//! matches sorted bytewise; segments before the last must match directories. A directory that is
//! named, or matched, is read whole: every entry but `.` and `..`, sorted, recursing into
//! subdirectories. `Include` fails when a wildcard matches nothing or a file is missing;
//! `IncludeOptional` accepts both.

use std::path::{Component, Path, PathBuf};

/// How deep directories may nest below an included directory (httpd's `AP_MAX_INCLUDE_DIR_DEPTH`).
const MAX_DIRECTORY_DEPTH: usize = 128;

/// The files `pattern` names, in the order httpd reads them.
pub fn expand(root: &Path, pattern: &str, optional: bool) -> Result<Vec<PathBuf>, String> {
    let path = root.join(pattern);
    let mut files = Vec::new();
    if !has_wildcard(pattern) {
        collect(&path, optional, 0, &mut files)?;
        return Ok(files);
    }
    let mut base = PathBuf::new();
    let mut segments = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(name) if segments.is_empty() => {
                let name = name.to_string_lossy();
                if has_wildcard(&name) {
                    segments.push(name.into_owned());
                } else {
                    base.push(&*name);
                }
            }
            Component::Normal(name) => segments.push(name.to_string_lossy().into_owned()),
            other if segments.is_empty() => base.push(other.as_os_str()),
            other => segments.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    walk(&base, &segments, optional, &mut files)?;
    Ok(files)
}

fn walk(
    dir: &Path,
    segments: &[String],
    optional: bool,
    out: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let Some((segment, rest)) = segments.split_first() else {
        return collect(dir, optional, 0, out);
    };
    if !has_wildcard(segment) {
        return walk(&dir.join(segment), rest, optional, out);
    }
    let mut matches: Vec<PathBuf> = entries(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|entry| {
            let name = entry.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|name| fnmatch(segment.as_bytes(), name.as_bytes()))
        })
        .filter(|entry| rest.is_empty() || entry.is_dir())
        .collect();
    matches.sort();
    if matches.is_empty() && !optional {
        return Err(format!(
            "No matches for the wildcard '{segment}' in '{}', failing",
            dir.display()
        ));
    }
    for found in matches {
        walk(&found, rest, optional, out)?;
    }
    Ok(())
}

/// `path` itself, or when it is a directory everything below it.
fn collect(
    path: &Path,
    optional: bool,
    depth: usize,
    out: &mut Vec<PathBuf>,
) -> Result<(), String> {
    if depth > MAX_DIRECTORY_DEPTH {
        return Err(format!(
            "Directory {} exceeds the maximum include directory nesting level of {MAX_DIRECTORY_DEPTH}",
            path.display()
        ));
    }
    if path.is_dir() {
        let mut children = entries(path).map_err(|e| format!("{}: {e}", path.display()))?;
        children.sort();
        for child in children {
            collect(&child, false, depth + 1, out)?;
        }
        return Ok(());
    }
    if !path.exists() {
        if optional {
            return Ok(());
        }
        return Err(format!(
            "Could not open configuration file {}: No such file or directory",
            path.display()
        ));
    }
    out.push(path.to_path_buf());
    Ok(())
}

fn entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        out.push(entry?.path());
    }
    Ok(out)
}

/// Whether a pattern has anything `fnmatch` treats specially (apr's `apr_fnmatch_test`).
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// `fnmatch(pattern, name, FNM_PERIOD)` for one path segment: `*`, `?`, `[set]` with `!`/`^`
/// negation and ranges, `\` escaping the next character; a leading `.` only matches a `.`.
pub fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        return false;
    }
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, n));
            p += 1;
            continue;
        }
        if let Some(width) = one(&pattern[p..], name[n]) {
            p += width;
            n += 1;
            continue;
        }
        match star {
            Some((star_p, star_n)) => {
                p = star_p + 1;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// If the pattern's first element matches `c`, how many pattern bytes it took.
fn one(pattern: &[u8], c: u8) -> Option<usize> {
    match *pattern.first()? {
        b'?' => Some(1),
        b'[' => set(pattern, c),
        b'\\' if pattern.len() > 1 => (pattern[1] == c).then_some(2),
        literal => (literal == c).then_some(1),
    }
}

fn set(pattern: &[u8], c: u8) -> Option<usize> {
    let mut i = 1;
    let negate = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while let Some(&low) = pattern.get(i) {
        if low == b']' && !first {
            return (matched != negate).then_some(i + 1);
        }
        first = false;
        if pattern.get(i + 1) == Some(&b'-') && pattern.get(i + 2).is_some_and(|&h| h != b']') {
            let high = pattern[i + 2];
            matched |= low <= c && c <= high;
            i += 3;
        } else {
            matched |= low == c;
            i += 1;
        }
    }
    // No closing bracket: the `[` is an ordinary character.
    (c == b'[').then_some(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_follows_the_shell_rules_with_a_protected_leading_dot() {
        assert!(fnmatch(b"*.conf", b"jk.conf"));
        assert!(!fnmatch(b"*.conf", b"jk.conf~"));
        assert!(!fnmatch(b"*.conf", b".hidden.conf"));
        assert!(fnmatch(b".*.conf", b".hidden.conf"));
        assert!(fnmatch(b"0?0-*", b"000-default.conf"));
        assert!(fnmatch(b"[a-c]*", b"beta") && !fnmatch(b"[!a-c]*", b"beta"));
        assert!(fnmatch(b"a\\*", b"a*") && !fnmatch(b"a\\*", b"ab"));
        assert!(fnmatch(b"*a*b*", b"xxaxxbxx") && !fnmatch(b"*a*b", b"xxbxxa"));
        assert!(fnmatch(b"[", b"["));
    }

    #[test]
    fn expansion_sorts_recurses_and_knows_optional() {
        let dir = std::env::temp_dir().join(format!("ajpgate-include-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("conf.d/sub")).unwrap();
        for file in [
            "conf.d/b.conf",
            "conf.d/a.conf",
            "conf.d/.x.conf",
            "conf.d/sub/c.txt",
        ] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        let names = |files: Vec<PathBuf>| -> Vec<String> {
            let relative = files
                .iter()
                .map(|f| f.strip_prefix(&dir).unwrap().to_owned());
            relative.map(|f| f.display().to_string()).collect()
        };
        let globbed = expand(&dir, "conf.d/*.conf", false).unwrap();
        assert_eq!(names(globbed), ["conf.d/a.conf", "conf.d/b.conf"]);
        let whole = expand(&dir, "conf.d", false).unwrap();
        let expected = [
            "conf.d/.x.conf",
            "conf.d/a.conf",
            "conf.d/b.conf",
            "conf.d/sub/c.txt",
        ];
        assert_eq!(names(whole), expected);
        assert!(
            expand(&dir, "none/*.conf", false)
                .unwrap_err()
                .contains("No matches")
        );
        assert!(expand(&dir, "none/*.conf", true).unwrap().is_empty());
        assert!(
            expand(&dir, "missing.conf", false)
                .unwrap_err()
                .contains("Could not open")
        );
        assert!(expand(&dir, "missing.conf", true).unwrap().is_empty());
        let nested = expand(&dir, "*/s*/*.txt", false).unwrap();
        assert_eq!(names(nested), ["conf.d/sub/c.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
