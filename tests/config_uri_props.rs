//! Property tests of the URI normalisation (docs/uri-mapping.md#normalisation): it agrees with an independent model of
//! mod_jk's four passes, is idempotent, never leaves a dot segment, a path parameter or a double slash,
//! never climbs above the root, and never panics.

use ajpgate::config::{NormalizeError, normalize};
use proptest::prelude::*;

/// mod_jk's passes written segment by segment, independently of the implementation.
fn model(path: &str) -> Result<String, NormalizeError> {
    if path == "*" {
        return Ok(path.to_string());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(NormalizeError::NotAbsolute);
    };
    // Path parameters: each ';' up to the next '/'.
    let without_parameters: String = rest
        .split('/')
        .map(|segment| segment.split(';').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("/");
    // Collapse slashes: empty segments vanish, but a trailing slash stays a trailing slash.
    let trailing_slash = without_parameters.ends_with('/') || without_parameters.is_empty();
    let segments: Vec<&str> = without_parameters
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut ends_in_directory = trailing_slash;
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {}
            ".." => {
                if kept.pop().is_none() {
                    return Err(NormalizeError::AboveRoot);
                }
            }
            other => kept.push(other),
        }
        if last {
            ends_in_directory = trailing_slash || matches!(*segment, "." | "..");
        }
    }
    let mut out = format!("/{}", kept.join("/"));
    if ends_in_directory && !kept.is_empty() {
        out.push('/');
    }
    Ok(out)
}

fn path_like() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "/", "/", "/", ".", "..", ";", "a", "b", "=", "x=1", "%2e", "é", "//", "/..", "/.", ";/",
    ]);
    (any::<bool>(), prop::collection::vec(piece, 0..24)).prop_map(|(absolute, pieces)| {
        let body: String = pieces.concat();
        if absolute { format!("/{body}") } else { body }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn agrees_with_the_model(path in path_like()) {
        prop_assert_eq!(normalize(&path), model(&path), "{}", path);
    }

    #[test]
    fn is_idempotent_and_clean(path in path_like()) {
        if let Ok(normal) = normalize(&path) {
            prop_assert_eq!(normalize(&normal), Ok(normal.clone()));
            prop_assert!(normal.starts_with('/'));
            prop_assert!(!normal.contains("//"), "{}", normal);
            prop_assert!(!normal.contains(';'), "{}", normal);
            prop_assert!(normal.split('/').all(|s| s != "." && s != ".."), "{}", normal);
        }
    }

    /// Whatever a valid path does with `..`, it cannot climb out of a prefix put in front of it.
    #[test]
    fn a_valid_path_stays_under_any_prefix(path in path_like()) {
        if let (true, Ok(normal)) = (path.starts_with('/'), normalize(&path)) {
            let expected = if normal == "/" { "/base/".to_string() } else { format!("/base{normal}") };
            prop_assert_eq!(normalize(&format!("/base{path}")), Ok(expected));
        }
    }

    #[test]
    fn climbing_above_the_root_is_refused(path in path_like()) {
        if path.starts_with('/') && normalize(&path).as_deref() == Ok("/") {
            prop_assert_eq!(normalize(&format!("{path}/..")), Err(NormalizeError::AboveRoot));
            prop_assert_eq!(normalize(&format!("{path}/../x")), Err(NormalizeError::AboveRoot));
        }
    }

    #[test]
    fn never_panics(path in any::<String>()) {
        let _ = normalize(&path);
    }
}
