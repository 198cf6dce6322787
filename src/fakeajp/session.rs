//! Tomcat-style HTTP sessions for `/session`, so that sticky routing can be tested end to end.
//!
//! Only what a gateway can observe is imitated (docs/tomcat.md#jvmroute-and-sessions): ids are 32 upper-case hex digits, a
//! dot and the jvmRoute (`2768CFEF6CA561F224D2E2D9335DF8F4.node1`); the id may come from a `JSESSIONID`
//! cookie or a `;jsessionid=` path parameter; an id this backend does not know (another node's, or made
//! up) is simply ignored and a new session created. Sessions never expire: the store lives as long as the
//! backend, which is one test or one benchmark run.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::ajp::ForwardRequest;

/// The session ids of one backend and their hit counts.
#[derive(Debug)]
pub(crate) struct SessionStore {
    route: String,
    /// Randomly keyed, so ids are unpredictable without a random-number crate.
    keys: RandomState,
    next: AtomicU64,
    hits: Mutex<HashMap<String, u64>>,
}

/// The session a request ended up in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub id: String,
    pub hits: u64,
    /// Whether the session was created by this request (the page then sets the cookie).
    pub created: bool,
}

impl SessionStore {
    pub fn new(route: &str) -> Self {
        Self {
            route: route.to_owned(),
            keys: RandomState::new(),
            next: AtomicU64::new(0),
            hits: Mutex::new(HashMap::new()),
        }
    }

    fn new_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let high = self.keys.hash_one((n, 0u8));
        let low = self.keys.hash_one((n, 1u8));
        format!("{high:016X}{low:016X}.{}", self.route)
    }

    /// Counts a hit on the first of `requested` this backend knows, or on a new session.
    pub fn hit(&self, requested: &[String]) -> Hit {
        let mut sessions = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        for id in requested {
            if let Some(hits) = sessions.get_mut(id) {
                *hits += 1;
                return Hit {
                    id: id.clone(),
                    hits: *hits,
                    created: false,
                };
            }
        }
        let id = self.new_id();
        sessions.insert(id.clone(), 1);
        Hit {
            id,
            hits: 1,
            created: true,
        }
    }
}

/// The session ids a request names: `JSESSIONID` cookies in order, then the `;jsessionid=` parameter
/// (Tomcat also tries every candidate until one is valid).
pub(crate) fn requested_ids(
    request: &ForwardRequest,
    path_params: &[(String, String)],
) -> Vec<String> {
    let mut ids = Vec::new();
    for value in request.header_values("Cookie") {
        for cookie in String::from_utf8_lossy(value).split(';') {
            if let Some(("JSESSIONID", id)) = cookie.trim().split_once('=') {
                ids.push(id.trim_matches('"').to_owned());
            }
        }
    }
    ids.extend(
        path_params
            .iter()
            .filter(|(name, _)| name == "jsessionid")
            .map(|(_, id)| id.clone()),
    );
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_tomcats_and_differ() {
        let store = SessionStore::new("node1");
        let a = store.hit(&[]);
        let b = store.hit(&[]);
        assert!(a.created && b.created);
        assert_ne!(a.id, b.id);
        let (hex, route) = a.id.split_once('.').unwrap();
        assert_eq!(route, "node1");
        assert_eq!(hex.len(), 32);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
    }

    #[test]
    fn known_ids_count_unknown_ids_start_over() {
        let store = SessionStore::new("node1");
        let first = store.hit(&[]);
        let again = store.hit(&["junk.node2".to_owned(), first.id.clone()]);
        assert_eq!(again.id, first.id);
        assert_eq!(again.hits, 2);
        assert!(!again.created);
        let foreign = store.hit(&["ABC.node2".to_owned()]);
        assert!(foreign.created);
        assert_ne!(foreign.id, first.id);
    }
}
