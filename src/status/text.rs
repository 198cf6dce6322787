//! Text helpers every jk-status format shares: the escaping of XML and HTML values, and mod_jk's
//! spelling of booleans.

/// mod_jk's spelling of a boolean value in every format.
pub fn true_false(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// Escapes text for an XML or HTML attribute value or text node.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\t' => out.push_str("&#xFFFD;"),
            c => out.push(c),
        }
    }
    out
}
