#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ajpgate_fuzz::to_container(data));
