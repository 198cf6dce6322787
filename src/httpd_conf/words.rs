//! Splitting a configuration line into words the way httpd does (server/util.c, `ap_getword_conf`
//! and `substring_conf`), written with nom combinators.
//!
//! A word is either quoted with `"` or `'`, in which case it runs to the matching quote (or to the end
//! of the line when the quote is never closed, which httpd accepts), or it runs to the next white
//! space. Inside a word a backslash escapes only a backslash, and inside quotes also the quote
//! character; any other backslash stays as written (`C:\dir` and regular expressions keep theirs).

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, satisfy};
use nom::combinator::{opt, value};
use nom::multi::fold_many0;
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// httpd's `apr_isspace`: the C locale's white space.
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r')
}

/// The words of `line`, unquoted and unescaped.
pub fn words(line: &str) -> Vec<String> {
    let mut rest = line.trim_start_matches(is_space);
    let mut out = Vec::new();
    while !rest.is_empty() {
        let Ok((after, word)) = word(rest) else {
            break;
        };
        out.push(word);
        rest = after.trim_start_matches(is_space);
    }
    out
}

/// The first word of `line` and what follows it, leading white space removed from both.
pub fn first_word(line: &str) -> (String, &str) {
    let line = line.trim_start_matches(is_space);
    match word(line) {
        Ok((rest, word)) => (word, rest.trim_start_matches(is_space)),
        Err(_) => (String::new(), ""),
    }
}

fn word(input: &str) -> IResult<&str, String> {
    alt((quoted('"'), quoted('\''), bare)).parse(input)
}

fn quoted(quote: char) -> impl FnMut(&str) -> IResult<&str, String> {
    move |input| {
        let escaped = preceded(tag("\\"), satisfy(move |c| c == quote || c == '\\'));
        let plain = satisfy(move |c| c != quote);
        let (input, _) = char(quote).parse(input)?;
        let (input, text) = fold_many0(alt((escaped, plain)), String::new, push).parse(input)?;
        let (input, _) = opt(char(quote)).parse(input)?;
        Ok((input, text))
    }
}

fn bare(input: &str) -> IResult<&str, String> {
    let escaped = value('\\', tag("\\\\"));
    let plain = satisfy(|c| !is_space(c));
    let (rest, text) = fold_many0(alt((escaped, plain)), String::new, push).parse(input)?;
    if text.is_empty() {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Satisfy,
        )));
    }
    Ok((rest, text))
}

fn push(mut text: String, c: char) -> String {
    text.push(c);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(line: &str) -> Vec<String> {
        words(line)
    }

    #[test]
    fn splits_at_white_space() {
        assert_eq!(
            w("  JkMount  /app/*\tnode1 "),
            ["JkMount", "/app/*", "node1"]
        );
        assert!(w("   ").is_empty());
    }

    #[test]
    fn quotes_group_and_escape_only_the_quote_and_backslash() {
        let format = w(r#"LogFormat "%h \"%r\" %>s" combined"#);
        assert_eq!(format, ["LogFormat", r#"%h "%r" %>s"#, "combined"]);
        assert_eq!(
            w(r"SetEnvIf X '\.(gif|jpg)$' no-jk"),
            ["SetEnvIf", "X", r"\.(gif|jpg)$", "no-jk"]
        );
        assert_eq!(w(r#"A "it's" 'say "hi"'"#), ["A", "it's", r#"say "hi""#]);
        assert_eq!(w(r#"A "\\""#), ["A", r"\"]);
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end_of_the_line() {
        assert_eq!(w(r#"Header set X "a b"#), ["Header", "set", "X", "a b"]);
    }

    #[test]
    fn bare_words_unescape_a_double_backslash_only() {
        assert_eq!(
            w(r"RedirectMatch ^/a\.b C:\\dir"),
            ["RedirectMatch", r"^/a\.b", r"C:\dir"]
        );
    }

    #[test]
    fn a_quote_inside_a_bare_word_is_a_character() {
        assert_eq!(w(r#"a"b c"#), [r#"a"b"#, "c"]);
        assert_eq!(w(r#""a"b"#), ["a", "b"]);
    }

    #[test]
    fn first_word_leaves_the_rest_raw() {
        let (name, rest) = first_word("  JkOptions  +ForwardKeySize -ForwardDirectories");
        assert_eq!(name, "JkOptions");
        assert_eq!(rest, "+ForwardKeySize -ForwardDirectories");
    }

    proptest! {
        #[test]
        fn never_panics_and_words_are_never_empty_unless_quoted(line in "\\PC{0,80}") {
            for word in words(&line) {
                let _ = word;
            }
        }

        #[test]
        fn plain_words_round_trip(parts in prop::collection::vec("[a-zA-Z0-9/*._-]{1,12}", 0..8)) {
            prop_assert_eq!(words(&parts.join(" ")), parts);
        }
    }
}
