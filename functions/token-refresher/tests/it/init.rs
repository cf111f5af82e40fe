//! A bad environment stops the refresher at init with one message naming
//! every problem, not a panic.

use std::process::Command;

#[test]
fn bad_configuration_fails_at_init_naming_each_problem() {
    let output = Command::new(env!("CARGO_BIN_EXE_token-refresher"))
        .env_clear()
        .env("MEDIA_BUCKET", "b")
        .env("REFRESH_WINDOW_SECS", "10")
        .env("REFRESH_CONCURRENCY", "many")
        .output()
        .expect("run the token-refresher binary");
    assert!(!output.status.success(), "init must fail");
    let all =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    for expected in [
        "TABLE_NAME is missing",
        "APP_SECRET_ID is missing",
        "REFRESH_WINDOW_SECS is 10, must be within 300..=86400",
        "REFRESH_CONCURRENCY is not a whole number",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in {all}");
    }
    assert!(!all.contains("panicked"), "a clear error, not a panic: {all}");
}
