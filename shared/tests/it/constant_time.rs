//! The API-key comparison runs in constant time, observed rather than
//! assumed: `shared/examples/digest_compare.rs` compares two digests that
//! differ in the first byte, the last byte or nowhere, and valgrind counts
//! the instructions executed inside `digests_match` alone. Counts, not
//! times: repeatable whatever else the machine does. A comparison that
//! stopped at the first differing byte would count fewer for `first`.

use std::path::PathBuf;
use std::process::Command;

fn example() -> PathBuf {
    // target/<profile>/deps/<this test> → target/<profile>/examples/digest_compare
    let exe = std::env::current_exe().expect("the test's path");
    let profile = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>");
    let example = profile.join("examples").join("digest_compare");
    assert!(
        example.exists(),
        "{} is built with the tests (cargo builds examples for test runs)",
        example.display()
    );
    example
}

fn instructions(which: &str) -> u64 {
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null", "--toggle-collect=*digests_match*"])
        .arg(example())
        .arg(which)
        .output()
        .expect("valgrind runs (Debian's valgrind is on every machine of this kind)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no instruction count from callgrind: {stderr}"))
}

#[test]
fn the_key_comparison_executes_the_same_instructions_wherever_the_digests_differ() {
    let first = instructions("first");
    let last = instructions("last");
    let none = instructions("none");
    assert!(first > 32, "the comparison reads every byte: {first} instructions");
    assert_eq!(first, last, "a difference in the first byte must cost what one in the last does");
    assert_eq!(first, none, "a match must cost what a mismatch does");
}
