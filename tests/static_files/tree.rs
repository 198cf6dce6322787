//! The directory tree both servers serve: small files of several types, a 10 MiB file, directories
//! with and without index.html, symlinks inside and escaping the root, .ht files, names with spaces
//! and %-characters. Every file gets the same old modification time, so both servers' ETags are strong.

use std::fs::{File, FileTimes};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

/// The mtime every file gets: Mon, 06 May 2024 07:08:09.123456 GMT.
pub const MTIME_SECS: u64 = 1_714_979_289;
pub const MTIME_MICROS: u64 = 123_456;
pub const LAST_MODIFIED: &str = "Mon, 06 May 2024 07:08:09 GMT";
pub const BIG: usize = 10 * 1024 * 1024;

/// The tree under `base`: `base/root` (DocumentRoot), `base/assets` (an Alias), `base/outside`.
pub struct Tree {
    pub root: PathBuf,
    pub assets: PathBuf,
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    let times = FileTimes::new()
        .set_modified(UNIX_EPOCH + Duration::from_micros(MTIME_SECS * 1_000_000 + MTIME_MICROS));
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_times(times)
        .unwrap();
}

/// The strong ETag httpd makes for a file of `size` bytes of this tree.
pub fn etag(size: u64) -> String {
    format!("\"{size:x}-{:x}\"", MTIME_SECS * 1_000_000 + MTIME_MICROS)
}

pub fn build(base: &Path) -> Tree {
    let root = base.join("root");
    let assets = base.join("assets");
    let outside = base.join("outside");
    for dir in ["sub", "noindex", "with space", ".htdir", "deep/er"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    write(&root.join("a.txt"), b"hello world\n");
    write(&root.join("index.html"), b"<h1>root</h1>\n");
    write(&root.join("style.css"), b"body { color: red }\n");
    write(&root.join("app.js"), b"console.log(1);\n");
    write(&root.join("data.json"), b"{\"a\": 1}\n");
    write(
        &root.join("pixel.png"),
        &[0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0, 0],
    );
    write(
        &root.join("blob.zzunknown"),
        &super::support::bodies::noise(1000),
    );
    write(&root.join("Makefile"), b"");
    write(&root.join("page.html.zzz"), b"<p>two extensions</p>\n");
    write(&root.join("big.bin"), &super::support::bodies::noise(BIG));
    write(&root.join("sub/index.html"), b"<p>sub</p>\n");
    write(&root.join("noindex/f.css"), b"p{}\n");
    write(&root.join("with space/file name.txt"), b"spaced\n");
    write(&root.join("100%.txt"), b"percent\n");
    write(&root.join("semi;colon.txt"), b"semicolon\n");
    write(&root.join(".htaccess"), b"Require all denied\n");
    write(&root.join(".htpasswd"), b"user:x\n");
    write(&root.join(".htdir/inside.txt"), b"in a .ht directory\n");
    write(&root.join("deep/er/leaf.txt"), b"leaf\n");
    write(&assets.join("logo.txt"), b"aliased\n");
    write(&outside.join("secret.txt"), b"outside the root\n");
    symlink(root.join("a.txt"), root.join("inside-link.txt")).unwrap();
    symlink(outside.join("secret.txt"), root.join("escape.txt")).unwrap();
    symlink(&outside, root.join("escape-dir")).unwrap();
    // httpd's children run as www-data when the tests run as root.
    let _ = Command::new("chmod")
        .arg("-R")
        .arg("a+rX")
        .arg(base)
        .status();
    Tree { root, assets }
}
