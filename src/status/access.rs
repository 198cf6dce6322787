//! Who may reach a status worker: what httpd's `<Location>` and `Require` did for mod_jk.
//!
//! mod_jk left access control to httpd, and a status page open to the world lets anyone drain a
//! cluster. ajpgate decides itself, before the status worker sees the request, from free variables of
//! workers.properties (keys outside `worker.*`, which mod_jk ignores):
//!
//! * `ajpgate.status.<worker>.allow=127.0.0.1/32,10.0.0.0/8,::1` — client networks (CIDR or single
//!   addresses, separated by commas or spaces). Without it only loopback clients (127.0.0.0/8, ::1) get
//!   in; everybody else gets 403. `0.0.0.0/0,::/0` opens it to all.
//! * `ajpgate.status.<worker>.users=/etc/ajpgate/jk-status.htpasswd` — an htpasswd file with bcrypt
//!   hashes (`htpasswd -B`); then a client must also send HTTP Basic credentials of one of its users,
//!   or gets 401. The file is read again when it changes.
//! * `ajpgate.status.<worker>.realm=...` — the Basic realm (default `jk-status`).
//!
//! The authenticated user is the remote user that the status worker's own `user` list is checked
//! against, as mod_jk checked httpd's remote user. The decision is made on the request as routed: the
//! gateway decodes and normalises the path once and maps that, so no spelling of the path reaches the
//! status worker without passing here.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use base64::Engine;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// What the access check decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// In, with the authenticated user if there is a users file.
    Allowed(Option<String>),
    /// The client's address is not allowed (403).
    Forbidden,
    /// Credentials are missing or wrong (401).
    Unauthorized,
}

#[derive(Debug)]
pub struct AccessControl {
    allow: Vec<IpNet>,
    users: Option<UsersFile>,
    pub realm: String,
}

impl AccessControl {
    /// From the free variables `ajpgate.status.<worker>.*`; `variable` looks one up.
    pub fn new(worker: &str, variable: &dyn Fn(&str) -> Option<String>) -> AccessControl {
        let key = |name: &str| format!("ajpgate.status.{worker}.{name}");
        let allow = match variable(&key("allow")) {
            Some(list) => parse_networks(worker, &list),
            None => [
                Ipv4Net::new(Ipv4Addr::new(127, 0, 0, 0), 8).map(IpNet::V4),
                Ipv6Net::new(Ipv6Addr::LOCALHOST, 128).map(IpNet::V6),
            ]
            .into_iter()
            .flatten()
            .collect(),
        };
        let users = variable(&key("users")).map(|path| UsersFile::new(worker, PathBuf::from(path)));
        AccessControl {
            allow,
            users,
            realm: variable(&key("realm")).unwrap_or_else(|| "jk-status".into()),
        }
    }

    /// Whether a users file is configured (then a remote user is known for every allowed request).
    pub fn has_users(&self) -> bool {
        self.users.is_some()
    }

    pub fn allows_address(&self, client: IpAddr) -> bool {
        let client = client.to_canonical();
        self.allow.iter().any(|net| net.contains(&client))
    }

    /// The decision for a client address and its `Authorization` header.
    pub async fn check(&self, client: IpAddr, authorization: Option<&[u8]>) -> Access {
        if !self.allows_address(client) {
            return Access::Forbidden;
        }
        let Some(users) = &self.users else {
            return Access::Allowed(None);
        };
        let Some((user, password)) = authorization.and_then(basic_credentials) else {
            return Access::Unauthorized;
        };
        if users.verify(&user, &password).await {
            Access::Allowed(Some(user))
        } else {
            Access::Unauthorized
        }
    }
}

fn parse_networks(worker: &str, list: &str) -> Vec<IpNet> {
    let mut networks = Vec::new();
    for entry in list
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty())
    {
        let parsed = entry
            .parse::<IpNet>()
            .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from));
        match parsed {
            Ok(net) => networks.push(net.trunc()),
            Err(_) => tracing::error!(
                status_worker = worker,
                entry,
                "ajpgate.status.{worker}.allow: not an address or network; ignored"
            ),
        }
    }
    networks
}

/// `user:password` from `Basic <base64>`.
fn basic_credentials(header: &[u8]) -> Option<(String, String)> {
    let header = std::str::from_utf8(header).ok()?.trim();
    let (scheme, token) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// An htpasswd file, read again when its modification time changes.
#[derive(Debug)]
struct UsersFile {
    worker: String,
    path: PathBuf,
    state: Arc<Mutex<Loaded>>,
}

#[derive(Debug, Default)]
struct Loaded {
    modified: Option<SystemTime>,
    /// user → bcrypt hash.
    hashes: HashMap<String, String>,
    /// user → password last verified against the current hash (bcrypt is slow on purpose).
    verified: HashMap<String, String>,
}

impl UsersFile {
    fn new(worker: &str, path: PathBuf) -> UsersFile {
        let file = UsersFile {
            worker: worker.to_string(),
            path,
            state: Arc::default(),
        };
        file.refresh();
        file
    }

    /// Reloads the file if it changed; an unreadable file lets nobody in.
    fn refresh(&self) {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if modified.is_some() && state.modified == modified {
            return;
        }
        state.verified.clear();
        state.hashes.clear();
        state.modified = modified;
        match std::fs::read_to_string(&self.path) {
            Ok(text) => state.hashes = parse_htpasswd(&self.worker, &text),
            Err(error) => tracing::error!(
                status_worker = %self.worker,
                path = %self.path.display(),
                %error,
                "cannot read the users file: nobody can log in"
            ),
        }
    }

    async fn verify(&self, user: &str, password: &str) -> bool {
        self.refresh();
        let hash = {
            let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if state.verified.get(user).is_some_and(|p| p == password) {
                return true;
            }
            match state.hashes.get(user) {
                Some(hash) => hash.clone(),
                None => return false,
            }
        };
        let candidate = password.to_string();
        let check =
            tokio::task::spawn_blocking(move || bcrypt::verify(&candidate, &hash).unwrap_or(false));
        let ok = check.await.unwrap_or(false);
        if ok {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state
                .verified
                .insert(user.to_string(), password.to_string());
        }
        ok
    }
}

/// `user:hash` lines; blank lines and `#` comments skipped. Only bcrypt hashes are usable.
fn parse_htpasswd(worker: &str, text: &str) -> HashMap<String, String> {
    let mut users = HashMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((user, hash)) = line.split_once(':') else {
            continue;
        };
        if ["$2y$", "$2a$", "$2b$", "$2x$"]
            .iter()
            .any(|p| hash.starts_with(p))
        {
            users.insert(user.to_string(), hash.to_string());
        } else {
            tracing::warn!(
                status_worker = worker,
                user,
                "users file: only bcrypt hashes (htpasswd -B) are supported; this user cannot log in"
            );
        }
    }
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(vars: &[(&str, &str)]) -> AccessControl {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AccessControl::new("jk", &|key| vars.get(key).cloned())
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn by_default_only_loopback_gets_in() {
        let c = control(&[]);
        assert!(c.allows_address(ip("127.0.0.1")));
        assert!(c.allows_address(ip("127.8.9.10")));
        assert!(c.allows_address(ip("::1")));
        assert!(c.allows_address(ip("::ffff:127.0.0.1")), "IPv4-mapped");
        assert!(!c.allows_address(ip("10.0.0.1")));
        assert!(!c.allows_address(ip("192.168.1.1")));
        assert!(!c.allows_address(ip("::ffff:10.0.0.1")));
        assert!(!c.allows_address(ip("2001:db8::1")));
    }

    #[test]
    fn an_allow_list_replaces_the_default() {
        let c = control(&[(
            "ajpgate.status.jk.allow",
            "10.0.0.0/8, 192.168.1.7 bogus,2001:db8::/32",
        )]);
        assert!(c.allows_address(ip("10.1.2.3")));
        assert!(c.allows_address(ip("192.168.1.7")));
        assert!(!c.allows_address(ip("192.168.1.8")));
        assert!(c.allows_address(ip("2001:db8::1")));
        assert!(
            !c.allows_address(ip("127.0.0.1")),
            "loopback is no longer implied"
        );
        let nobody = control(&[("ajpgate.status.jk.allow", "nonsense")]);
        assert!(!nobody.allows_address(ip("127.0.0.1")), "fails closed");
    }

    #[test]
    fn basic_credentials_are_decoded() {
        assert_eq!(
            basic_credentials(b"Basic YWRtaW46czNjcjN0OmV4dHJh"),
            Some(("admin".into(), "s3cr3t:extra".into()))
        );
        assert_eq!(
            basic_credentials(b"basic YWRtaW46"),
            Some(("admin".into(), String::new()))
        );
        assert_eq!(basic_credentials(b"Bearer abc"), None);
        assert_eq!(basic_credentials(b"Basic !!!"), None);
        assert_eq!(basic_credentials(b"Basic YWRtaW4="), None, "no colon");
    }

    #[tokio::test]
    async fn users_need_a_matching_bcrypt_password() {
        let dir = std::env::temp_dir().join(format!("ajpgate-access-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("htpasswd");
        let hash = bcrypt::hash("s3cret", 4)
            .unwrap()
            .replacen("$2b$", "$2y$", 1);
        std::fs::write(&file, format!("# admins\nadmin:{hash}\nold:$apr1$x$y\n")).unwrap();
        let c = control(&[("ajpgate.status.jk.users", file.to_str().unwrap())]);
        let header = |user: &str, password: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )
        };
        let local = ip("127.0.0.1");
        assert_eq!(c.check(local, None).await, Access::Unauthorized);
        assert_eq!(
            c.check(local, Some(header("admin", "s3cret").as_bytes()))
                .await,
            Access::Allowed(Some("admin".into()))
        );
        assert_eq!(
            c.check(local, Some(header("admin", "s3cret").as_bytes()))
                .await,
            Access::Allowed(Some("admin".into())),
            "from the cache"
        );
        assert_eq!(
            c.check(local, Some(header("admin", "wrong").as_bytes()))
                .await,
            Access::Unauthorized
        );
        assert_eq!(
            c.check(local, Some(header("old", "x").as_bytes())).await,
            Access::Unauthorized,
            "unsupported hash"
        );
        assert_eq!(
            c.check(ip("10.0.0.1"), Some(header("admin", "s3cret").as_bytes()))
                .await,
            Access::Forbidden,
            "the address is checked first"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
