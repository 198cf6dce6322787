//! Differential test of URI mapping: the same workers.properties, uriworkermap.properties and
//! JkMount/JkUnMount rules (given to ajpgate as `--mount`) are loaded by a real httpd 2.4 + mod_jk
//! 1.2.48 and by ajpgate, every worker is a fake AJP backend whose route is the worker's name, and the
//! same request targets go to both. Which worker answered (the backend's `X-Fake-Node`), or the status
//! when none did, must be the same, except for the differences listed in [`KNOWN_DIFFERENCES`], each
//! with its reason. The test asserts the observed differences are exactly that table, and that mod_jk
//! itself did what [`cases`] says (so a different mod_jk, or a harness that maps nothing, is noticed).
//!
//! The rules cover docs/uri-mapping.md: the three rule sources and their order among equal patterns, `*` and
//! `?`, exact against wildcard, slash count before length, `!` exclusions that veto (no fall-through),
//! `*` exclusions, `-` disabled rules, the `|` shortcut, repeated patterns, rule extensions (the lb
//! member activations that choose who serves), unknown and unlisted workers, the 4095-byte limit; and
//! the request shapes of CVE-2018-11759 (status page reached through `;`, `..;`, `//`, `/./`, `%2e`)
//! and CVE-2014-8111 (an exclusion bypassed with `//` or path parameters), %-escapes, trailing dots
//! and slashes.
//!
//! It fails (it does not skip) when httpd or mod_jk is not installed.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use ajpgate::fakeajp::{FakeBackend, FakeConfig};
use support::modjk::{Httpd, gate_with_map, raw_request, require_httpd};

/// Every ajp13 worker gets its own fake backend whose route (X-Fake-Node) is the worker's name.
/// `m1`/`m2` are the members of lb `lb`; `hidden` is defined but not in worker.list.
const BACKENDS: &[&str] = &[
    "w1", "w2", "w3", "w4", "w5", "w6", "st", "m1", "m2", "hidden",
];

/// The workers.properties both read; `{w1}`... are the fake backends' ports.
const WORKERS: &str = "\
# ajp13 workers share a template through reference
worker.list=w1,w2,w3,w4,w5,w6,st,lb
worker.tmpl.type=ajp13
worker.tmpl.host=127.0.0.1
worker.w1.reference=worker.tmpl
worker.w1.port={w1}
worker.w2.reference=worker.tmpl
worker.w2.port={w2}
worker.w3.reference=worker.tmpl
worker.w3.port={w3}
worker.w4.reference=worker.tmpl
worker.w4.port={w4}
worker.w5.reference=worker.tmpl
worker.w5.port={w5}
worker.w6.reference=worker.tmpl
worker.w6.port={w6}
# stands in for the status worker, so that who serves /jk-status is visible
worker.st.reference=worker.tmpl
worker.st.port={st}
worker.m1.reference=worker.tmpl
worker.m1.port={m1}
worker.m2.reference=worker.tmpl
worker.m2.port={m2}
worker.lb.type=lb
worker.lb.balance_workers=m1,m2
# not in worker.list: mod_jk creates no such worker and ignores its mounts
worker.hidden.reference=worker.tmpl
worker.hidden.port={hidden}
worker.hidden.mount=/hiddenmount/*
# worker definition mounts: no '|' shortcut, no extensions, '!' and '-' work
worker.w4.mount=/src/x /src2/x /src3/*
worker.w4.mount=/wm/* !/wm/private/* -/wmoff/* /wmpipe|/* /wmext/*;reply_timeout=5
";

/// JkMountFile.
const URIWORKERMAP: &str = "\
# prefix, exact and longer exact
/app/*=w1
/app/exact=w2
/app=w3
# exclusions veto: /ex/priv/x is not mapped, it does not fall through to /ex*
/ex*=w2
/ex/*=w1
!/ex/priv/*=w1
!/ex/exact-no=w1
# one-byte directory names are private
!/ex/?/*=w1
# an exclusion for another worker does not apply
!/ex/other/*=w2
# disabled exclusion and disabled rule are ignored
-!/ex/kept/*=w1
-/ex/off/*=w3
# an exclusion for any worker
!/*.secret=*
# slash count before length
/sl/*=w2
/sl*??????????=w3
# exact has no priority of its own: the longer wildcard wins
/e/ab=w4
/e/a*b*=w5
# '?' is one byte, '*' crosses '/'
/q/?.txt=w5
/q/???.txt=w6
/star/*.jsp=w6
/deep/*/x=w2
/deep/*=w3
# rule sources: uriworkermap before JkMount before worker definition
/src/x=w2
/src4/*=w2
# repeated key: the last one counts
/dupm/*=w2
/dupm/*=w4
# the pipe shortcut
/pipe|/*=w5
# extensions: the worker is what comes before the first ';'
/extw/*=w2;reply_timeout=60000;sticky_ignore=1
# lb member activation per rule decides which member serves
/lbs1/*=lb;stopped=m1
/lbs2/*=lb;stopped=m2
/lbsp/*=lb;session_path=;jsessionid;stopped=m1
";

/// The whole JkMountFile: [`URIWORKERMAP`] and a line in Latin-1, whose pattern holds the byte 0xE9
/// ('é'), which is not UTF-8.
fn uriworkermap() -> Vec<u8> {
    let mut map = URIWORKERMAP.as_bytes().to_vec();
    map.extend_from_slice(b"/caf\xe9/*=w3\n");
    map
}

/// What httpd.conf says (`JkMount`/`JkUnMount` PATTERN WORKER) and ajpgate gets as `--mount`.
const JK_MOUNTS: &[(&str, &str, &str)] = &[
    ("JkMount", "/jk-status", "st"),
    ("JkUnMount", "/ex/unm/*", "w1"),
    ("JkMount", "/src/x", "w3"),
    ("JkMount", "/src2/x", "w3"),
    ("JkMount", "/src4/a/*", "w3"),
    ("JkMount", "/dup/*", "w2"),
    ("JkMount", "/dup/*", "w3"),
    ("JkMount", "/jpipe|/*", "w6"),
    ("JkMount", "/extj/*", "w3;reply_timeout=60000"),
    ("JkMount", "/big/*", "w6"),
    ("JkMount", "/ghost/*", "ghost"),
    ("JkMount", "/tohidden/*", "hidden"),
];

fn extra_conf() -> String {
    JK_MOUNTS
        .iter()
        .map(|(directive, pattern, worker)| format!("{directive} {pattern} {worker}\n"))
        .collect()
}

fn cli_mounts() -> Vec<String> {
    JK_MOUNTS
        .iter()
        .map(|(directive, pattern, worker)| match *directive {
            "JkUnMount" => format!("!{pattern}={worker}"),
            _ => format!("{pattern}={worker}"),
        })
        .collect()
}

/// One request: `id` names it in the tables, `target` is sent byte for byte (`{authority}` becomes
/// the server's `127.0.0.1:port`), `modjk` is what mod_jk 1.2.48 under httpd 2.4 answers: the worker
/// that served it, or the status code.
struct Case {
    id: String,
    method: &'static str,
    target: Vec<u8>,
    modjk: &'static str,
}

fn cases() -> Vec<Case> {
    let simple: &[(&str, &str)] = &[
        // prefix, exact, longer exact
        ("/app/x", "w1"),
        ("/app/exact", "w2"),
        ("/app/exact/", "w1"),
        ("/app/exactly", "w1"),
        ("/app/Exact", "w1"),
        ("/app", "w3"),
        ("/app/", "w1"),
        ("/APP/x", "404"),
        ("/", "404"),
        ("/nothing/here", "404"),
        // exclusions
        ("/ex/pub", "w1"),
        ("/exfoo", "w2"),
        ("/ex", "w2"),
        ("/ex/priv/x", "404"),
        ("/ex/priv/", "404"),
        ("/ex/priv", "w1"),
        ("/ex/exact-no", "404"),
        ("/ex/exact-no/", "w1"),
        ("/ex/other/x", "w1"),
        ("/ex/kept/x", "w1"),
        ("/ex/off/x", "w1"),
        ("/ex/unm/x", "404"),
        ("/app/a.secret", "404"),
        ("/ex/a.secret", "404"),
        ("/app/a.secretx", "w1"),
        // CVE-2014-8111: the exclusion must hold whatever the shape of the path
        ("//ex/priv/x", "404"),
        ("/ex//priv/x", "404"),
        ("/ex/priv//x", "404"),
        ("/ex/priv;x/y", "404"),
        ("/ex;a/priv/x", "404"),
        ("/ex/./priv/x", "404"),
        ("/ex/pub/../priv/x", "404"),
        ("/ex/pub/..;/priv/x", "404"),
        ("/ex/%70riv/x", "404"),
        ("/ex/priv%3bx/y", "404"),
        ("/ex/exact-no;jsessionid=1", "404"),
        ("/ex/priv?x=1", "w1"),
        ("/ex/priv/?x=1", "404"),
        ("/ex/priv/..", "w1"),
        ("/ex/priv;%2f/x", "404"),
        // httpd resolves `..` against the segment `;x` before mod_jk strips path parameters (ajpgate
        // strips first: it maps /ex/ and forwards /ex/priv/, an exclusion bypass; a bug, reported)
        ("/ex/priv/;x/..", "404"),
        ("/ex/priv/%3bx/..", "404"),
        ("/ex/priv/x;/..", "404"),
        ("/ex/a/x", "404"),
        ("/ex/%7e/x", "404"),
        // `?` is one byte, also a byte that is not UTF-8 (ajpgate reads it as U+FFFD, three bytes, so
        // the exclusion misses: a bug, reported)
        ("/ex/%ff/x", "404"),
        ("/ex/%c3%a9/x", "w1"),
        ("/ex/unm;x/y", "404"),
        ("/ex//unm/y", "404"),
        ("/app/a.secret;x", "404"),
        ("/app/a.secret/.", "w1"),
        // slash count before length
        ("/sl/abcdefghij", "w2"),
        ("/slabcdefghijk", "w3"),
        ("/sl/a", "w2"),
        ("/slabc", "404"),
        // exact against a longer wildcard
        ("/e/ab", "w5"),
        ("/e/axb", "w5"),
        ("/e/abc", "w5"),
        ("/e/b", "404"),
        // '?' and '*'
        ("/q/a.txt", "w5"),
        ("/q/ab.txt", "404"),
        ("/q/..txt", "w5"),
        ("/q/%41.txt", "w5"),
        ("/q/abc.txt", "w6"),
        ("/q/%ff.txt", "w5"),
        ("/q/%e9t%e9.txt", "w6"),
        ("/q/%c3%a9.txt", "404"),
        ("/q/%e2%82%ac.txt", "w6"),
        // a pattern with a byte that is not UTF-8 (Latin-1 'é') matches that byte only (ajpgate reads
        // both as U+FFFD, so any invalid byte matches: a bug, reported)
        ("/caf%e9/x", "w3"),
        ("/caf%ff/x", "404"),
        ("/caf%ef%bf%bd/x", "404"),
        ("/caf%c3%a9/x", "404"),
        ("/star/a/b/c.jsp", "w6"),
        ("/star/.jsp", "w6"),
        ("/star/c.jspx", "404"),
        ("/deep/a/x", "w2"),
        ("/deep/a/b/x", "w2"),
        ("/deep/a/y", "w3"),
        // rule sources
        ("/src/x", "w2"),
        ("/src2/x", "w3"),
        ("/src3/y", "w4"),
        ("/src4/b", "w2"),
        ("/src4/a/b", "w3"),
        ("/dup/x", "w3"),
        ("/dupm/x", "w4"),
        ("/pipe", "w5"),
        ("/pipe/x", "w5"),
        ("/pipex", "404"),
        ("/jpipe", "w6"),
        ("/jpipe/x", "w6"),
        ("/wm/x", "w4"),
        ("/wm/private/x", "404"),
        ("/wmoff/x", "404"),
        ("/wmpipe%7c/x", "w4"),
        ("/wmpipe/x", "404"),
        ("/wmpipe", "404"),
        ("/wmext/x", "404"),
        ("/hiddenmount/x", "404"),
        // extensions
        ("/extw/x", "w2"),
        ("/extj/x", "w3"),
        ("/lbs1/x", "m2"),
        ("/lbs2/x", "m1"),
        ("/lbsp/x;jsessionid=abc.m1", "m2"),
        // unknown and unlisted workers
        ("/ghost/x", "500"),
        ("/tohidden/x", "500"),
        // CVE-2018-11759: every way of writing /jk-status reaches the same worker, or none
        ("/jk-status", "st"),
        ("/jk-status;x", "st"),
        ("/jk-status;", "st"),
        ("/jk-status?cmd=list", "st"),
        ("/a/..;/jk-status", "st"),
        ("//jk-status", "st"),
        ("/./jk-status", "st"),
        ("/x/../jk-status", "st"),
        ("/x/%2e%2e/jk-status", "st"),
        ("/x/%2E%2E/jk-status", "st"),
        ("/%2e/jk-status", "st"),
        ("/jk-status%3bfoo", "st"),
        ("/jk%2dstatus", "st"),
        ("/jk-status/", "404"),
        ("/jk-status/.", "404"),
        ("/jk-status/..", "404"),
        ("/jk-status;/..", "404"),
        ("/x/;y/../jk-status", "404"),
        ("/x/;/../jk-status", "404"),
        ("/jk-status/;x/..", "404"),
        ("/jk-status.", "404"),
        ("/JK-STATUS", "404"),
        ("/..;/jk-status", "400"),
        ("/%2e%2e/jk-status", "400"),
        ("/../jk-status", "400"),
        ("/x/../../jk-status", "400"),
        ("/jk-status%2f", "404"),
        ("/jk-status%00", "404"),
        ("/jk-status%", "400"),
        ("/jk-status%zz", "400"),
        ("/jk-status%20", "404"),
        ("/jk-status/%2e", "404"),
        ("/jk-status;x/", "404"),
        ("/x/%252e%252e/jk-status", "404"),
        ("/app/x?y=/../../jk-status", "w1"),
        // trailing dots and slashes
        ("/app/x.", "w1"),
        ("/app/x/", "w1"),
        ("/app/.", "w1"),
        ("/app/..", "404"),
        ("/app/...", "w1"),
        ("/app//", "w1"),
        ("/app.", "404"),
        ("/app./x", "404"),
        ("/app/exact/.", "w1"),
        ("/app/exact/..", "w1"),
        ("/app/exact;jsessionid=ABC", "w2"),
        ("/app/exact%2e", "w1"),
        ("/app/exact;a;b", "w2"),
        ("/app/exact%3b", "w2"),
        ("/app;x", "w3"),
        ("/;x/app/exact", "w2"),
        ("/app/exact;/", "w1"),
        ("/app/%2E", "w1"),
        ("/.", "404"),
        ("/..", "400"),
        ("/app/x/%2e%2e/%2e%2e/%2e%2e", "400"),
        ("/app/exact/x/..", "w1"),
        ("/app/;x/exact", "w2"),
        ("/app/exact;x/..", "w1"),
        ("/app/exact/./", "w1"),
        ("/app/exact/;x/..", "w1"),
        ("/app/x/;x/../../exact", "w2"),
        // %-escapes
        ("/%61pp/exact", "w2"),
        ("/app/%7euser", "w1"),
        ("/app/a%20b", "w1"),
        ("/app/%25", "w1"),
        ("/app/%2541", "w1"),
        ("/app/%ff", "w1"),
        ("/app/%C3%A9", "w1"),
        ("/app/a%3Fb", "w1"),
        ("/app/%5c..%5cexact", "w1"),
        ("/app%2fexact", "404"),
        ("/app/%00", "404"),
        ("/app/%zz", "400"),
        ("/app/%4", "400"),
        ("app/x", "400"),
        ("/app\\x", "404"),
        ("/app/a\\b", "w1"),
        ("/app/x#frag", "400"),
        // absolute form
        ("http://{authority}/app/exact", "w2"),
    ];
    let mut cases: Vec<Case> = simple
        .iter()
        .map(|(target, modjk)| Case {
            id: target.to_string(),
            method: "GET",
            target: target.as_bytes().to_vec(),
            modjk,
        })
        .collect();
    cases.push(Case {
        id: "OPTIONS *".into(),
        method: "OPTIONS",
        target: b"*".to_vec(),
        modjk: "200",
    });
    cases.push(Case {
        id: "raw UTF-8 /app/é".into(),
        method: "GET",
        target: "/app/é".as_bytes().to_vec(),
        modjk: "w1",
    });
    // mod_jk maps only URIs shorter than 4096 bytes, measured after normalisation.
    let long = |len: usize, tail: &str| {
        let mut path = String::from("/big");
        while path.len() + tail.len() < len {
            let segment = (len - tail.len() - path.len()).min(100);
            path.push('/');
            path.push_str(&"a".repeat(segment - 1));
        }
        path.push_str(tail);
        path
    };
    for (id, target, modjk) in [
        ("/big/ 4095 bytes", long(4095, ""), "w6"),
        ("/big/ 4096 bytes", long(4096, ""), "403"),
        (
            "/big/ 4996 bytes, 4095 after normalisation",
            format!("{};{}", long(4095, ""), "p".repeat(900)),
            "w6",
        ),
        (
            "/big/ 4202 bytes, 4091 after normalisation",
            format!("{}/{}/..", long(4090, ""), "b".repeat(108)),
            "w6",
        ),
    ] {
        cases.push(Case {
            id: id.into(),
            method: "GET",
            target: target.into_bytes(),
            modjk,
        });
    }
    cases
}

/// A difference between mod_jk and ajpgate that is understood and accepted.
struct Known {
    id: &'static str,
    modjk: &'static str,
    ajpgate: &'static str,
    why: &'static str,
}

const KNOWN_DIFFERENCES: &[Known] = &[
    Known {
        id: "OPTIONS *",
        modjk: "200",
        ajpgate: "404",
        why: "mod_jk maps no worker for `*`, nor does ajpgate; httpd's core then answers OPTIONS * itself, ajpgate has no local handler",
    },
    Known {
        id: "/big/ 4096 bytes",
        modjk: "403",
        ajpgate: "404",
        why: "unmapped on both (4096 bytes is over mod_jk's limit); httpd's core then cannot map DocumentRoot + URI to a file name (ENAMETOOLONG, AH00127) and answers 403",
    },
    Known {
        id: "/app/x#frag",
        modjk: "400",
        ajpgate: "w1",
        why: "httpd refuses a '#' in the request-target; hyper drops the fragment while parsing, so ajpgate maps the path before it, the same path either way",
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ajpgate_maps_uris_to_the_same_workers_as_mod_jk() {
    require_httpd();
    let started = Instant::now();
    let mut backends = Vec::new();
    let mut workers = WORKERS.to_string();
    for route in BACKENDS {
        let backend = FakeBackend::start(FakeConfig {
            route: route.to_string(),
            ..FakeConfig::default()
        })
        .await
        .unwrap();
        workers = workers.replace(&format!("{{{route}}}"), &backend.addr().port().to_string());
        backends.push(backend);
    }
    let httpd = {
        let workers = workers.clone();
        tokio::task::spawn_blocking(move || {
            Httpd::start(&workers, Some(&uriworkermap()), &extra_conf())
        })
        .await
        .unwrap()
    };
    let gate = gate_with_map(&workers, Some(&uriworkermap()), &cli_mounts()).await;

    let cases = cases();
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "case ids must be unique");

    let mut report = String::new();
    let mut modjk_unexpected = Vec::new();
    let mut observed: BTreeMap<String, (String, String)> = BTreeMap::new();
    for case in &cases {
        let mut answers = Vec::new();
        for addr in [httpd.addr, gate.addr] {
            let target =
                String::from_utf8_lossy(&case.target).replace("{authority}", &addr.to_string());
            let target = if case.target.is_ascii() {
                target.into_bytes()
            } else {
                case.target.clone()
            };
            let answer = raw_request(addr, case.method, &target)
                .await
                .unwrap_or_else(|e| panic!("{}: {addr}: {e}", case.id));
            answers.push(answer.outcome());
        }
        let (modjk, ajpgate) = (answers[0].clone(), answers[1].clone());
        report.push_str(&format!(
            "{:<50} mod_jk={:<8} ajpgate={}\n",
            case.id, modjk, ajpgate
        ));
        if modjk != case.modjk {
            modjk_unexpected.push(format!(
                "{}: mod_jk answered {modjk}, the case says {}",
                case.id, case.modjk
            ));
        }
        if modjk != ajpgate {
            observed.insert(case.id.clone(), (modjk, ajpgate));
        }
    }
    eprintln!("{report}");

    let mod_jk_log = httpd.mod_jk_log();
    let log_tail = mod_jk_log.lines().rev().take(40).collect::<Vec<_>>();
    let log_tail = log_tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    tokio::task::spawn_blocking(move || drop(httpd))
        .await
        .unwrap();
    gate.shutdown().await;
    for backend in &backends {
        backend.shutdown().await;
    }

    assert!(
        modjk_unexpected.is_empty(),
        "mod_jk did not answer as the cases say (is it 1.2.48 under httpd 2.4?):\n{}\n\nend of mod_jk.log:\n{log_tail}",
        modjk_unexpected.join("\n"),
    );

    let known: BTreeMap<String, (String, String)> = KNOWN_DIFFERENCES
        .iter()
        .map(|k| {
            (
                k.id.to_string(),
                (k.modjk.to_string(), k.ajpgate.to_string()),
            )
        })
        .collect();
    for k in KNOWN_DIFFERENCES {
        assert!(
            ids.contains(k.id),
            "KNOWN_DIFFERENCES names no case: {}",
            k.id
        );
        assert!(!k.why.is_empty(), "{}: no justification", k.id);
    }
    let unexpected: Vec<String> = observed
        .iter()
        .filter(|(id, seen)| known.get(*id) != Some(*seen))
        .map(|(id, (m, a))| format!("{id}: mod_jk={m} ajpgate={a}"))
        .collect();
    let gone: Vec<String> = known
        .iter()
        .filter(|(id, seen)| observed.get(*id) != Some(*seen))
        .map(|(id, (m, a))| format!("{id}: listed as mod_jk={m} ajpgate={a}"))
        .collect();
    assert!(
        unexpected.is_empty() && gone.is_empty(),
        "the differences between mod_jk and ajpgate are not KNOWN_DIFFERENCES\n\
         not in the table (a mapping bug, or add it with a reason):\n{}\n\
         in the table but not observed (remove them):\n{}",
        unexpected.join("\n"),
        gone.join("\n")
    );
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}, more than a minute",
        started.elapsed()
    );
}
