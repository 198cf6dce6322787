//! What each httpd directive means for a site moving to ajpgate: used, harmless to ignore, or a
//! change in what clients get. Nothing is dropped silently: `check --httpd` lists every directive
//! that is not used with its verdict, and `serve --httpd` refuses the third kind unless told to
//! accept the difference (docs/httpd-conf.md#what-is-read).
//!
//! Directives inside `<Directory>`, `<Files>` and their Match forms only act on files httpd serves
//! from disk. ajpgate serves none yet, so they are harmless where they stand; `DocumentRoot` and
//! `Alias`, which make httpd serve files, are the ones that change what clients get.

/// The verdict on one directive in its context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// ajpgate reads it and acts on it.
    Used,
    /// Ignoring it changes nothing a client sees; the reason says why.
    Harmless(&'static str),
    /// Ignoring it changes responses; the reason says how.
    ChangesResponses(&'static str),
}

/// Where a directive stands, as far as the verdict depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The main server or a `<VirtualHost>`.
    Server,
    /// Inside `<Location>` (or a `<Require…>` section in one).
    Location,
    /// Inside `<Directory>`, `<DirectoryMatch>`, `<Files>` or `<FilesMatch>`.
    FileSystem,
}

const USED: &[&str] = &[
    "Listen",
    "ServerName",
    "ServerAlias",
    "VirtualHost",
    "Location",
    "JkWorkersFile",
    "JkMount",
    "JkUnMount",
    "JkMountCopy",
    "JkMountFile",
    "JkOptions",
    "Include",
    "IncludeOptional",
    "Define",
    "UnDefine",
    "LoadModule",
    "ServerRoot",
    "Proxy",
    "BalancerMember",
    "ProxySet",
    "ProxyPass",
];

const REQUIRE: &[&str] = &["Require", "RequireAll", "RequireAny", "RequireNone"];

const FILE_SECTIONS: &[&str] = &["Directory", "DirectoryMatch", "Files", "FilesMatch"];

const LOGGING: &str =
    "logging: ajpgate logs each request (target ajpgate::access) and its errors to stderr";
const TUNING: &str =
    "process and connection tuning of httpd; ajpgate has its own limits and timeouts";
const FILES_ONLY: &str = "only acts on files httpd serves from disk, and ajpgate serves none";
const HTTPD_ITSELF: &str = "httpd's own housekeeping, with no meaning once httpd is gone";
const JK_HOUSEKEEPING: &str = "mod_jk's log and shared memory: ajpgate keeps its state in process";

const KEEPS_HOST: &str =
    "ajpgate keeps the client's Host, so Tomcat's redirects and cookies already name the front end";

const HARMLESS: &[(&str, &str)] = &[
    ("ProxyPassReverse", KEEPS_HOST),
    ("ProxyPassReverseCookiePath", KEEPS_HOST),
    ("ProxyPassReverseCookieDomain", KEEPS_HOST),
    ("ProxyPreserveHost", KEEPS_HOST),
    ("ProxyRequests", "ajpgate is never a forward proxy"),
    (
        "ProxyTimeout",
        "each ajp13 worker's socket_timeout and reply_timeout apply",
    ),
    ("ServerAdmin", "only shown on httpd's own error pages"),
    ("ServerSignature", "only shown on httpd's own error pages"),
    ("ServerTokens", "only changes the Server header's detail"),
    (
        "TraceEnable",
        "Tomcat refuses TRACE itself (allowTrace=false) with the same 405",
    ),
    ("HostnameLookups", "only changes what logs show"),
    ("ErrorLog", LOGGING),
    ("LogLevel", LOGGING),
    ("LogFormat", LOGGING),
    ("CustomLog", LOGGING),
    ("TransferLog", LOGGING),
    ("JkLogFile", JK_HOUSEKEEPING),
    ("JkLogLevel", JK_HOUSEKEEPING),
    ("JkLogStampFormat", JK_HOUSEKEEPING),
    ("JkRequestLogFormat", LOGGING),
    ("JkShmFile", JK_HOUSEKEEPING),
    ("JkShmSize", JK_HOUSEKEEPING),
    (
        "JkWatchdogInterval",
        "ajpgate runs maintenance every worker.maintain seconds itself",
    ),
    ("PidFile", HTTPD_ITSELF),
    ("Mutex", HTTPD_ITSELF),
    ("DefaultRuntimeDir", HTTPD_ITSELF),
    ("User", HTTPD_ITSELF),
    ("Group", HTTPD_ITSELF),
    ("AccessFileName", FILES_ONLY),
    ("Timeout", TUNING),
    ("KeepAlive", TUNING),
    ("MaxKeepAliveRequests", TUNING),
    ("KeepAliveTimeout", TUNING),
    ("RequestReadTimeout", TUNING),
    ("StartServers", TUNING),
    ("ServerLimit", TUNING),
    ("MinSpareThreads", TUNING),
    ("MaxSpareThreads", TUNING),
    ("MinSpareServers", TUNING),
    ("MaxSpareServers", TUNING),
    ("ThreadLimit", TUNING),
    ("ThreadsPerChild", TUNING),
    ("MaxRequestWorkers", TUNING),
    ("MaxClients", TUNING),
    ("MaxConnectionsPerChild", TUNING),
    ("MaxRequestsPerChild", TUNING),
    ("ListenBacklog", TUNING),
    ("EnableSendfile", TUNING),
    ("EnableMMAP", TUNING),
    ("TypesConfig", FILES_ONLY),
    ("RemoveType", FILES_ONLY),
    ("ExtendedStatus", "detail of httpd's own server-status page"),
    ("AddType", FILES_ONLY),
    ("AddEncoding", FILES_ONLY),
    ("AddLanguage", FILES_ONLY),
    ("AddCharset", FILES_ONLY),
    ("AddHandler", FILES_ONLY),
    ("MIMEMagicFile", FILES_ONLY),
    ("DirectoryIndex", FILES_ONLY),
    ("IndexOptions", FILES_ONLY),
    ("IndexIgnore", FILES_ONLY),
    ("IndexHeadInsert", FILES_ONLY),
    ("IndexOrderDefault", FILES_ONLY),
    ("IndexStyleSheet", FILES_ONLY),
    ("AddIcon", FILES_ONLY),
    ("AddIconByType", FILES_ONLY),
    ("AddIconByEncoding", FILES_ONLY),
    ("DefaultIcon", FILES_ONLY),
    ("AddDescription", FILES_ONLY),
    ("ReadmeName", FILES_ONLY),
    ("HeaderName", FILES_ONLY),
    ("LanguagePriority", FILES_ONLY),
    ("ForceLanguagePriority", FILES_ONLY),
    (
        "AddOutputFilterByType",
        "compression only: clients get the same content, uncompressed",
    ),
    (
        "DeflateCompressionLevel",
        "compression only: clients get the same content, uncompressed",
    ),
    (
        "BrowserMatch",
        "protocol downgrades for browsers of the 1990s",
    ),
    (
        "BrowserMatchNoCase",
        "protocol downgrades for browsers of the 1990s",
    ),
    (
        "SetHandler",
        "httpd's own pages (server-status, server-info): ajpgate has jk-status and /metrics",
    ),
];

const CHANGES: &[(&str, &str)] = &[
    (
        "DocumentRoot",
        "httpd serves files from it for paths that are not mounted; ajpgate answers 404",
    ),
    ("Alias", "httpd serves files from it; ajpgate answers 404"),
    (
        "AliasMatch",
        "httpd serves files from it; ajpgate answers 404",
    ),
    (
        "ScriptAlias",
        "httpd runs CGI programs there; ajpgate answers 404",
    ),
    (
        "Redirect",
        "httpd redirects; ajpgate would pass the request on or answer 404",
    ),
    (
        "RedirectMatch",
        "httpd redirects; ajpgate would pass the request on or answer 404",
    ),
    (
        "RedirectPermanent",
        "httpd redirects; ajpgate would pass the request on or answer 404",
    ),
    (
        "RedirectTemp",
        "httpd redirects; ajpgate would pass the request on or answer 404",
    ),
    ("Require", "access control: ajpgate would let everyone in"),
    ("Order", "access control: ajpgate would let everyone in"),
    ("Allow", "access control: ajpgate would let everyone in"),
    ("Deny", "access control: ajpgate would let everyone in"),
    ("Satisfy", "access control: ajpgate would let everyone in"),
    ("AuthType", "authentication: ajpgate would let everyone in"),
    (
        "ErrorDocument",
        "clients would get ajpgate's error pages instead",
    ),
    ("Header", "response headers would differ"),
    ("RequestHeader", "Tomcat would see other request headers"),
    ("RewriteEngine", "mod_rewrite: URLs would map differently"),
    ("RewriteRule", "mod_rewrite: URLs would map differently"),
    ("RewriteCond", "mod_rewrite: URLs would map differently"),
    (
        "ProxyPassMatch",
        "mod_proxy: these paths would not reach their backend",
    ),
    (
        "SSLEngine",
        "TLS: give the certificates with --listen-tls and --tls-cert/--tls-key",
    ),
    (
        "SSLCertificateFile",
        "TLS: give the certificates with --listen-tls and --tls-cert/--tls-key",
    ),
    (
        "SetEnvIf",
        "mod_jk reads variables it sets (no-jk, JK_WORKER_NAME, …)",
    ),
    (
        "SetEnvIfNoCase",
        "mod_jk reads variables it sets (no-jk, JK_WORKER_NAME, …)",
    ),
    (
        "SetEnv",
        "mod_jk reads variables it sets (no-jk, JK_WORKER_NAME, …)",
    ),
    ("JkStripSession", "session ids would stay in URLs"),
    ("JkEnvVar", "Tomcat would not get these request attributes"),
];

/// The verdict on `name` where it stands.
pub fn verdict(name: &str, context: Context) -> Verdict {
    let is = |n: &&str| n.eq_ignore_ascii_case(name);
    if USED.iter().any(is) {
        return Verdict::Used;
    }
    if context == Context::Location && REQUIRE.iter().any(is) {
        // Read by `site::access`; what it cannot judge it lists itself.
        return Verdict::Used;
    }
    if FILE_SECTIONS.iter().any(is) || context == Context::FileSystem {
        return Verdict::Harmless(FILES_ONLY);
    }
    if let Some((_, why)) = HARMLESS.iter().find(|(n, _)| is(n)) {
        return Verdict::Harmless(why);
    }
    if let Some((_, why)) = CHANGES.iter().find(|(n, _)| is(n)) {
        return Verdict::ChangesResponses(why);
    }
    Verdict::ChangesResponses("not known to ajpgate: it may change what clients get")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_depend_on_name_and_place() {
        assert_eq!(verdict("jkmount", Context::Server), Verdict::Used);
        assert!(matches!(
            verdict("ServerTokens", Context::Server),
            Verdict::Harmless(_)
        ));
        assert!(matches!(
            verdict("Require", Context::Server),
            Verdict::ChangesResponses(_)
        ));
        assert!(matches!(
            verdict("Require", Context::FileSystem),
            Verdict::Harmless(_)
        ));
        assert!(matches!(
            verdict("Directory", Context::Server),
            Verdict::Harmless(_)
        ));
        assert!(matches!(
            verdict("Frobnicate", Context::Server),
            Verdict::ChangesResponses(_)
        ));
    }
}
