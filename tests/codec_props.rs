//! Property tests of the AJP13 codec (proptest drives the same checks as the fuzz targets):
//! arbitrary messages survive encode → decode, arbitrary and mutated bytes never panic, and whatever
//! decodes re-encodes to the very same bytes, whether the input arrives whole or in pieces.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

use ajpgate::ajp::{FromContainer, ToContainer};
use arbitrary::Unstructured;
use bytes::BytesMut;
use proptest::prelude::*;

/// A valid encoded packet of either direction, built from random bytes.
fn encoded_packet(seed: &[u8]) -> Option<(bool, Vec<u8>)> {
    let mut u = Unstructured::new(seed);
    let mut out = BytesMut::new();
    let to_container = u.arbitrary::<bool>().ok()?;
    if to_container {
        let message: ToContainer = targets::arbitrary_to_container(&mut u).ok()?;
        message.encode(&mut out, 65536).ok()?;
    } else {
        let message: FromContainer = targets::arbitrary_from_container(&mut u).ok()?;
        message.encode(&mut out, 65536).ok()?;
    }
    Some((to_container, out.to_vec()))
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    Remove(usize),
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let n = bytes.len().max(1);
        match *m {
            Mutation::Flip(i, x) if !bytes.is_empty() => bytes[i % n] ^= x,
            Mutation::Truncate(i) => bytes.truncate(i % n),
            Mutation::Insert(i, x) => bytes.insert(i % (bytes.len() + 1), x),
            Mutation::Remove(i) if !bytes.is_empty() => {
                bytes.remove(i % n);
            }
            _ => {}
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Insert(i, x)),
        any::<usize>().prop_map(Mutation::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_messages_round_trip(seed in prop::collection::vec(any::<u8>(), 0..4096)) {
        targets::round_trip(&seed);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        targets::to_container(&data);
        targets::from_container(&data);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_magic_never_panic(
        magic in prop_oneof![Just([0x12u8, 0x34]), Just([0x41u8, 0x42])],
        len in any::<u16>(),
        rest in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        let mut data = magic.to_vec();
        data.extend_from_slice(&len.to_be_bytes());
        data.extend_from_slice(&rest);
        targets::to_container(&data);
        targets::from_container(&data);
    }

    #[test]
    fn mutated_valid_packets_never_panic(
        seed in prop::collection::vec(any::<u8>(), 16..2048),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        if let Some((to_container, packet)) = encoded_packet(&seed) {
            let data = mutate(packet, &mutations);
            if to_container {
                targets::to_container(&data);
            } else {
                targets::from_container(&data);
            }
        }
    }
}
