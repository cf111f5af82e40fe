//! Compares two API-key digests with `shared::tenant::digests_match`, for
//! the test that counts its instructions under valgrind
//! (`shared/tests/it/constant_time.rs`): `digest_compare first|last|none`
//! makes the second digest differ from the first in its first byte, its
//! last byte, or not at all. A constant-time comparison executes the same
//! instructions in all three.

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let a = shared::tenant::KeyDigest([0x5a; 32]);
    let mut b = a;
    match which.as_str() {
        "first" => b.0[0] ^= 1,
        "last" => b.0[31] ^= 1,
        _ => {}
    }
    // `black_box`: the digests are not known to the optimiser, as a key's are not.
    let matched = shared::tenant::digests_match(std::hint::black_box(&a), std::hint::black_box(&b));
    std::process::exit(i32::from(!matched));
}
