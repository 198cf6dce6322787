//! `JkOptions` flags against what ajpgate does (tomcat-connectors native/apache-2.0/mod_jk.c,
//! `jk_set_options`; the bits in jk_global.h).
//!
//! ajpgate behaves as mod_jk does with its defaults: the URI re-encoded as `ForwardURIProxy` does,
//! the key size forwarded, no directory requests passed on, the client's address (after mod_remoteip's
//! rules) as remote_addr, connections reused. A flag that asks for exactly that is used; one that only
//! changes timing or is ignored by mod_jk 1.2.48 is harmless; any other changes what Tomcat or the
//! client gets, and is named as such.

use super::catalog::Verdict;

/// The verdict on each word of one `JkOptions` line, as (word, verdict).
pub fn verdicts(args: &[String]) -> Vec<(String, Verdict)> {
    args.iter()
        .map(|word| (word.clone(), verdict(word)))
        .collect()
}

fn verdict(word: &str) -> Verdict {
    let (on, flag) = match word.as_bytes().first() {
        Some(b'+') => (true, &word[1..]),
        Some(b'-') => (false, &word[1..]),
        _ => (true, word),
    };
    let flag = flag.to_ascii_lowercase();
    let changes = Verdict::ChangesResponses;
    match (flag.as_str(), on) {
        ("forwarduriproxy", true) | ("forwardkeysize", true) => Verdict::Used,
        ("forwarddirectories" | "forwardlocaladdress" | "forwardphysicaladdress", false) => {
            Verdict::Used
        }
        ("disablereuse" | "flushpackets" | "flushheader" | "rejectunsafeuri", false) => {
            Verdict::Used
        }
        ("forwardsslcertchain", false) => Verdict::Used,
        ("collapseslashesall" | "collapseslashesnone" | "collapseslashesunmount", _) => {
            Verdict::Harmless(
                "deprecated and ignored by mod_jk 1.2.48; ajpgate always collapses slashes",
            )
        }
        ("flushpackets" | "flushheader", true) => {
            Verdict::Harmless("ajpgate passes every packet on as it arrives")
        }
        ("disablereuse", true) => {
            Verdict::Harmless("only how backend connections are used; ajpgate reuses them")
        }
        ("forwarduricompat" | "forwarduricompatunparsed" | "forwarduriescaped", true) => {
            changes("Tomcat gets the URI encoded as ForwardURIProxy encodes it")
        }
        ("forwardkeysize", false) => changes("ajpgate forwards the key size"),
        ("forwarddirectories", true) => changes("directory requests are not passed on to Tomcat"),
        ("forwardlocaladdress" | "forwardphysicaladdress", true) => {
            changes("remote_addr is the client ajpgate believes, not this address")
        }
        ("rejectunsafeuri", true) => changes("URIs with % or \\ are forwarded, not refused"),
        ("forwardsslcertchain", true) => changes("give --tls-forward-chain on the command line"),
        _ => changes("not a JkOptions flag ajpgate knows"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(line: &str) -> Vec<Verdict> {
        let words: Vec<String> = line.split(' ').map(str::to_owned).collect();
        verdicts(&words).into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn defaults_are_used_and_the_rest_named() {
        assert!(
            of("+ForwardKeySize -ForwardDirectories ForwardURIProxy")
                .iter()
                .all(|v| *v == Verdict::Used)
        );
        assert!(matches!(of("+CollapseSlashesAll")[0], Verdict::Harmless(_)));
        assert!(matches!(
            of("+ForwardURICompatUnparsed")[0],
            Verdict::ChangesResponses(_)
        ));
        assert!(matches!(
            of("-ForwardKeySize")[0],
            Verdict::ChangesResponses(_)
        ));
        assert!(matches!(of("+Frobnicate")[0], Verdict::ChangesResponses(_)));
    }
}
