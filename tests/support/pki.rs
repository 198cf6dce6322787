//! A test PKI made at run time with the `openssl` command line, so that no key is checked in and every
//! run has its own serials: a root CA, an intermediate CA under it, server certificates (RSA) for two
//! names and a wildcard, one with an ECDSA key, an RSA and an ECDSA one for the same name (each file holds the leaf, then the intermediate, as httpd and ajpgate both serve a
//! chain), client certificates from the intermediate, and an untrusted client certificate from a
//! second root. Everything is valid for three days from now.
//!
//! Client files also carry the intermediate after the leaf: curl sends what the file holds, so the
//! server sees a two-certificate chain and must verify it up to the root (`SSLVerifyDepth 2`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A certificate file (PEM, leaf first) and its private key.
#[derive(Debug, Clone)]
pub struct Pair {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The leaf's serial, as openssl was told to set it (upper-case hex, no leading zeros).
    pub serial: String,
}

/// Every file of the test PKI, under one directory.
#[derive(Debug, Clone)]
pub struct Pki {
    pub dir: PathBuf,
    /// The trusted root: `--cacert` for clients, the client CA of both servers.
    pub root: PathBuf,
    /// The intermediate CA certificate alone.
    pub intermediate: PathBuf,
    /// Server certificate for `one.test` (the default) and for `two.test` (chosen by SNI).
    pub one: Pair,
    pub two: Pair,
    /// Server certificate for `*.wild.test` (one label).
    pub wild: Pair,
    /// Server certificate with an ECDSA key, for `ec.test`.
    pub ec: Pair,
    /// An RSA (`OU=rsa`) and an ECDSA (`OU=ecdsa`) certificate for the same name, `dual.test`.
    pub dual_rsa: Pair,
    pub dual_ec: Pair,
    /// Client certificate from the intermediate, `CN=client one`.
    pub client: Pair,
    /// Client certificate from a root neither server trusts.
    pub stranger: Pair,
    /// The root that issued [`Pki::stranger`].
    pub other_root: PathBuf,
    /// A client certificate from the intermediate whose PEM, with the intermediate, is about 12 KB:
    /// more than one 8 KiB AJP packet can carry.
    pub big_client: Pair,
    /// [`Pki::client`] without the intermediate after it: the server cannot build the chain.
    pub client_leaf_only: Pair,
}

impl Pki {
    /// Makes the whole PKI in `dir` (created if missing). Panics with openssl's output on failure:
    /// the tests need the `openssl` command (Debian package `openssl`).
    pub fn generate(dir: &Path) -> Pki {
        std::fs::create_dir_all(dir).unwrap();
        let mut serials = Serials::new();
        let root = ca(
            dir,
            "root",
            "/O=ajpgate tests/CN=test root CA",
            None,
            &mut serials,
        );
        let inter = ca(
            dir,
            "intermediate",
            "/O=ajpgate tests/CN=test intermediate CA",
            Some(&root),
            &mut serials,
        );
        let one = leaf(
            dir,
            "one",
            "/O=ajpgate tests/CN=one.test",
            &inter,
            Usage::Server("one.test"),
            &mut serials,
        );
        let two = leaf(
            dir,
            "two",
            "/O=ajpgate tests/CN=two.test",
            &inter,
            Usage::Server("two.test"),
            &mut serials,
        );
        let wild = leaf(
            dir,
            "wild",
            "/O=ajpgate tests/CN=*.wild.test",
            &inter,
            Usage::Server("*.wild.test"),
            &mut serials,
        );
        let ec = leaf(
            dir,
            "ec",
            "/O=ajpgate tests/CN=ec.test",
            &inter,
            Usage::EcServer("ec.test"),
            &mut serials,
        );
        let dual_rsa = leaf(
            dir,
            "dual-rsa",
            "/O=ajpgate tests/OU=rsa/CN=dual.test",
            &inter,
            Usage::Server("dual.test"),
            &mut serials,
        );
        let dual_ec = leaf(
            dir,
            "dual-ec",
            "/O=ajpgate tests/OU=ecdsa/CN=dual.test",
            &inter,
            Usage::EcServer("dual.test"),
            &mut serials,
        );
        let client = leaf(
            dir,
            "client",
            "/O=ajpgate tests/OU=people/CN=client one",
            &inter,
            Usage::Client,
            &mut serials,
        );
        let big_client = leaf(
            dir,
            "big-client",
            "/O=ajpgate tests/OU=people/CN=big client",
            &inter,
            Usage::BigClient(160),
            &mut serials,
        );
        let other_root = ca(
            dir,
            "other-root",
            "/O=elsewhere/CN=untrusted root CA",
            None,
            &mut serials,
        );
        let stranger = leaf(
            dir,
            "stranger",
            "/O=elsewhere/CN=stranger",
            &other_root,
            Usage::Client,
            &mut serials,
        );
        let client_leaf_only = Pair {
            cert: write(dir, "client-leaf-only.pem", &first_pem_block(&client.cert)),
            ..client.clone()
        };
        Pki {
            client_leaf_only,
            other_root: other_root.cert,
            dir: dir.to_owned(),
            root: root.cert,
            intermediate: inter.cert,
            one,
            two,
            wild,
            ec,
            dual_rsa,
            dual_ec,
            client,
            big_client,
            stranger,
        }
    }

    /// A server certificate for `name` from the intermediate, written as `tag.pem`/`tag.key` (for reload
    /// tests: a second certificate for a name the first already covers).
    pub fn server_cert(&self, tag: &str, subject: &str, name: &str) -> Pair {
        let inter = Ca {
            cert: self.intermediate.clone(),
            key: self.dir.join("intermediate.key"),
            role: Role::Intermediate,
        };
        leaf(
            &self.dir,
            tag,
            subject,
            &inter,
            Usage::Server(name),
            &mut Serials::new(),
        )
    }
}

/// Distinct serials that differ between runs: 61 significant bits (top nibble 1), so the DER integer
/// stays positive and every serial prints as 16 hex digits.
struct Serials(u64);

impl Serials {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        Self(nanos ^ (u64::from(std::process::id()) << 40) | 1 << 62)
    }

    fn next(&mut self) -> String {
        // xorshift: cheap, distinct within a run, different between runs.
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        format!("{:X}", (self.0 & 0x3fff_ffff_ffff_ffff) | 1 << 60)
    }
}

/// A CA's certificate and key; an intermediate's leaves carry it after themselves.
struct Ca {
    cert: PathBuf,
    key: PathBuf,
    role: Role,
}

enum Role {
    Root,
    Intermediate,
}

enum Usage<'a> {
    /// An RSA server key, for the ECDHE-RSA-* suites.
    Server(&'a str),
    /// An ECDSA (P-256) server key, for the ECDHE-ECDSA-* suites.
    EcServer(&'a str),
    Client,
    /// A client certificate carrying this many made-up email names, to make it large.
    BigClient(usize),
}

fn ca(dir: &Path, tag: &str, subject: &str, issuer: Option<&Ca>, serials: &mut Serials) -> Ca {
    let key = dir.join(format!("{tag}.key"));
    let cert = dir.join(format!("{tag}.pem"));
    ec_key(&key);
    let ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
               subjectKeyIdentifier=hash\n";
    let serial = serials.next();
    let role = match issuer {
        None => {
            let config = write(
                dir,
                &format!("{tag}.cnf"),
                &format!("{EMPTY_CONFIG}[v3]\n{ext}"),
            );
            let (key, config, cert) = (s(&key), s(&config), s(&cert));
            openssl(
                &format!(
                    "req -x509 -new -key {key} -days 3 -set_serial 0x{serial} -config {config} \
                     -extensions v3 -out {cert}"
                ),
                subject,
            );
            Role::Root
        }
        Some(issuer) => {
            sign(dir, tag, subject, issuer, ext, &serial);
            Role::Intermediate
        }
    };
    Ca { cert, key, role }
}

fn leaf(
    dir: &Path,
    tag: &str,
    subject: &str,
    issuer: &Ca,
    usage: Usage<'_>,
    serials: &mut Serials,
) -> Pair {
    let key = dir.join(format!("{tag}.key"));
    let cert = dir.join(format!("{tag}.pem"));
    let ext = match usage {
        Usage::Server(name) | Usage::EcServer(name) => {
            if matches!(usage, Usage::EcServer(_)) {
                ec_key(&key);
            } else {
                let out = s(&key);
                openssl(
                    &format!("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out {out}"),
                    "",
                );
            }
            format!(
                "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
                 extendedKeyUsage=serverAuth\nsubjectAltName=DNS:{name}\n"
            )
        }
        Usage::Client | Usage::BigClient(_) => {
            ec_key(&key);
            let mut ext =
                "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
                           extendedKeyUsage=clientAuth\n"
                    .to_owned();
            if let Usage::BigClient(names) = usage {
                let emails: Vec<String> = (0..names)
                    .map(|i| format!("email:person-number-{i:05}@a-rather-long-domain.example"))
                    .collect();
                ext.push_str(&format!("subjectAltName={}\n", emails.join(",")));
            }
            ext
        }
    };
    let serial = serials.next();
    sign(dir, tag, subject, issuer, &ext, &serial);
    // The file a server or curl is given: the leaf, then its issuer unless that is a root.
    if matches!(issuer.role, Role::Intermediate) {
        let mut pem = std::fs::read_to_string(&cert).unwrap();
        pem.push_str(&std::fs::read_to_string(&issuer.cert).unwrap());
        std::fs::write(&cert, pem).unwrap();
    }
    Pair { cert, key, serial }
}

/// Signs a request for `subject` with `dir/tag.key` by `issuer` into `dir/tag.pem`.
fn sign(dir: &Path, tag: &str, subject: &str, issuer: &Ca, ext: &str, serial: &str) {
    let (key, cert) = (
        dir.join(format!("{tag}.key")),
        dir.join(format!("{tag}.pem")),
    );
    let csr = dir.join(format!("{tag}.csr"));
    let ext_file = write(dir, &format!("{tag}.ext"), ext);
    let config = write(dir, "empty.cnf", EMPTY_CONFIG);
    let (key, cert, csr, ext_file, config) = (s(&key), s(&cert), s(&csr), s(&ext_file), s(&config));
    openssl(
        &format!("req -new -key {key} -config {config} -out {csr}"),
        subject,
    );
    let (ca, ca_key) = (s(&issuer.cert), s(&issuer.key));
    openssl(
        &format!(
            "x509 -req -in {csr} -CA {ca} -CAkey {ca_key} -set_serial 0x{serial} -days 3 -sha256 \
             -extfile {ext_file} -out {cert}"
        ),
        "",
    );
}

/// The first PEM block of a file (the leaf of a chain file).
fn first_pem_block(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let end = "-----END CERTIFICATE-----\n";
    let at = text.find(end).expect("a PEM certificate") + end.len();
    text[..at].to_owned()
}

fn ec_key(path: &Path) {
    let out = s(path);
    openssl(
        &format!("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {out}"),
        "",
    );
}

/// An openssl config with nothing in it, so the system one (and its defaults) play no part.
const EMPTY_CONFIG: &str = "[req]\ndistinguished_name=dn\n[dn]\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn s(path: &Path) -> &str {
    let text = path.to_str().expect("a UTF-8 path");
    assert!(!text.contains(' '), "openssl() splits on spaces: {text}");
    text
}

/// Runs `openssl WORDS` (split on spaces), with `-subj SUBJECT` after them unless it is empty.
fn openssl(words: &str, subject: &str) {
    let mut command = Command::new("openssl");
    command.args(words.split_whitespace());
    if !subject.is_empty() {
        command.args(["-subj", subject]);
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("tests need the openssl command (Debian package openssl): {e}"));
    assert!(
        out.status.success(),
        "openssl {words} -subj {subject:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
