//! Configuration text and request paths, one character per byte, as mod_jk compares them.

/// Bytes as text, one character per byte (ISO-8859-1).
///
/// mod_jk compares URIs and patterns byte by byte, and its `?` matches one byte. So configuration
/// files and request paths are both read this way, and matching works on exactly the bytes mod_jk
/// sees. For non-ASCII text in a UTF-8 file, the price is that `ajpgate check` shows it as ISO-8859-1.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The bytes a [`latin1`] string came from (what goes on the wire, e.g. a secret).
pub fn latin1_bytes(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}
