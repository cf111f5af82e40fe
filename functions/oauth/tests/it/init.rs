//! A bad environment stops the function at init with one message naming
//! every problem, not a panic.

use std::process::Command;

#[test]
fn bad_configuration_fails_at_init_naming_each_problem() {
    let output = Command::new(env!("CARGO_BIN_EXE_oauth"))
        .env_clear()
        .env("TABLE_NAME", "t")
        .env("MEDIA_BUCKET", "b")
        .env("PUBLISH_QUEUE_URL", "http://127.0.0.1:4566/000000000000/q")
        .env("OAUTH_REDIRECT_URI", "http://api.example/oauth/tiktok/callback")
        .env("OAUTH_RETURN_ALLOWLIST", "javascript:alert(1)")
        .env("OAUTH_SCOPES", "user.info.basic,everything")
        .output()
        .expect("run the oauth binary");
    assert!(!output.status.success(), "init must fail");
    let all =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    for expected in [
        "APP_SECRET_ID is missing",
        "OAUTH_REDIRECT_URI must be an absolute https URL",
        "OAUTH_RETURN_ALLOWLIST has \"javascript:alert(1)\"",
        "OAUTH_SCOPES has unknown scope",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in {all}");
    }
    assert!(!all.contains("panicked"), "a clear error, not a panic: {all}");
}
