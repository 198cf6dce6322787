//! A configuration file as httpd reads it: logical lines (server/util.c, `ap_cfg_getline_core`).
//!
//! A backslash right before the end of a line (`\` then LF or CR LF, nothing in between) joins the
//! next line to it, backslash removed, the next line's leading white space kept. A line's number is
//! the number of its last physical line, as httpd reports it in "Syntax error on line N". Leading and
//! trailing white space is trimmed; empty lines and lines whose first character is `#` are comments.
//! A comment line ending in a backslash swallows the next line too, as in httpd.

use super::words::is_space;

/// The longest logical line read; httpd's own limit is larger than any real configuration needs, and
/// this one keeps a runaway continuation from taking the memory of a whole file twice.
pub const MAX_LINE: usize = 1 << 20;

/// One logical line: its text and the number of its last physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub number: usize,
    pub text: String,
}

/// The logical lines of a file that are neither empty nor comments; `Err(line)` names the physical
/// line where a logical line grew past [`MAX_LINE`].
pub fn logical_lines(content: &str) -> Result<Vec<Line>, usize> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut number = 0;
    let mut physical = content.split_inclusive('\n').peekable();
    while let Some(raw) = physical.next() {
        number += 1;
        let ended = raw.ends_with('\n');
        let body = raw.strip_suffix('\n').unwrap_or(raw);
        let body = body.strip_suffix('\r').unwrap_or(body);
        if ended && body.ends_with('\\') {
            pending.push_str(&body[..body.len() - 1]);
            if pending.len() > MAX_LINE {
                return Err(number);
            }
            if physical.peek().is_some() {
                continue;
            }
        } else {
            pending.push_str(body);
        }
        if pending.len() > MAX_LINE {
            return Err(number);
        }
        let text = pending.trim_matches(is_space);
        if !text.is_empty() && !text.starts_with('#') {
            out.push(Line {
                number,
                text: text.to_owned(),
            });
        }
        pending.clear();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lines(text: &str) -> Vec<(usize, String)> {
        let lines = logical_lines(text).unwrap();
        lines.into_iter().map(|l| (l.number, l.text)).collect()
    }

    #[test]
    fn comments_and_blank_lines_are_skipped_and_numbers_kept() {
        let text = "# comment\n\n  Listen 80  \n\t# indented comment\nServerName x\n";
        assert_eq!(
            lines(text),
            [(3, "Listen 80".into()), (5, "ServerName x".into())]
        );
    }

    #[test]
    fn a_backslash_at_the_end_joins_the_next_line_and_the_last_line_counts() {
        let text = "JkMount /a \\\n   node1\r\nB\n";
        assert_eq!(
            lines(text),
            [(2, "JkMount /a    node1".into()), (3, "B".into())]
        );
    }

    #[test]
    fn a_backslash_followed_by_space_does_not_continue() {
        assert_eq!(lines("A \\ \nB\n"), [(1, "A \\".into()), (2, "B".into())]);
    }

    #[test]
    fn a_comment_ending_in_a_backslash_swallows_the_next_line() {
        assert_eq!(lines("# off \\\nListen 80\nB\n"), [(3, "B".into())]);
    }

    #[test]
    fn a_backslash_on_the_last_line_is_kept() {
        assert_eq!(lines("A\\"), [(1, "A\\".into())]);
        assert_eq!(lines("A\\\n"), [(1, "A".into())]);
    }

    #[test]
    fn a_runaway_continuation_is_refused() {
        let text = "x\\\n".repeat(MAX_LINE + 1);
        assert!(logical_lines(&text).is_err());
    }

    proptest! {
        #[test]
        fn never_panics_and_lines_are_trimmed(text in "[ -~\\t\\r\\n\\\\]{0,200}") {
            for line in logical_lines(&text).unwrap() {
                prop_assert!(!line.text.is_empty());
                prop_assert!(!line.text.starts_with('#'));
                prop_assert_eq!(line.text.trim_matches(is_space), line.text.as_str());
            }
        }
    }
}
