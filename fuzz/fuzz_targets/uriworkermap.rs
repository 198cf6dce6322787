#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ajpgate_fuzz::config::uriworkermap(data));
