#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::media_id(data));
