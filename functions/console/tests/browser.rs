//! The console in a real browser against the local stack: `console/e2e`
//! (node's test runner with playwright-core) drives Debian's chromium,
//! headless, through the console that watch serves — sign in, connect a
//! creator on the sandbox's consent page, upload a real video, compose
//! under the creator's restrictions, schedule, watch the post reach
//! PUBLISHED on the calendar and in its timeline, reschedule and cancel
//! another, read a hashtag analysis with its chart. `make test` installs
//! chromium (apt-get) and the npm packages (npm ci) when they are absent.
//!
//! This test makes what the browser needs and cannot make itself: a fresh
//! tenant (its key reaches the browser only through the sign-in form) and a
//! video file. Screenshots of each screen go to `CONSOLE_SCREENSHOTS`
//! (default `target/console-screenshots`; `docs/console/` holds the
//! committed ones).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use secrecy::ExposeSecret;
use shared::{aws::Aws, config::StackConfig, tenant::TenantStore};

const CHROMIUM: &str = "/usr/bin/chromium";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test]
async fn the_console_connects_uploads_schedules_publishes_reschedules_cancels_and_charts_in_chromium() {
    let stack = StackConfig::from_env().expect("the local stack's environment (make test exports it)");
    let console_url = std::env::var("CONSOLE_URL").expect("CONSOLE_URL (the local stack's stack.env)");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_owned());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: make test installs it (apt-get install chromium)"
    );
    let e2e = repo().join("console/e2e");
    assert!(
        repo().join("console/node_modules/playwright-core").is_dir(),
        "playwright-core is missing: make console installs it (npm ci)"
    );

    let aws = Aws::load(&stack).await;
    let tenants = TenantStore::new(aws.dynamodb(), &stack.table_name);
    let (_, issued) = tenants.create_tenant("console-e2e").await.expect("a tenant");

    let target =
        std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| repo().join("target"));
    let work = target.join(format!("console-e2e-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&work).expect("a work dir");
    // Twelve seconds of 720×1280 at 30 fps: within the studio creators'
    // two-minute limit, so pre-flight says READY.
    let video = work.join("clip.mp4");
    std::fs::write(&video, testkit::media_files::mp4(720, 1280, 30, 360, true)).expect("the video file");
    let screenshots = std::env::var("CONSOLE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| target.join("console-screenshots"));

    let run = tokio::process::Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .arg(&e2e)
        .current_dir(repo().join("console"))
        .env("CONSOLE_URL", &console_url)
        .env("CONSOLE_E2E_API_KEY", issued.key.expose_secret())
        .env("CONSOLE_E2E_VIDEO", &video)
        .env("CONSOLE_SCREENSHOTS", &screenshots)
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(600), run)
        .await
        .expect("the browser tests end within 10 minutes")
        .expect("node runs (Node.js 20 is needed)");
    let _ = std::fs::remove_dir_all(&work);
    let report =
        format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    println!("{report}");
    assert!(output.status.success(), "the browser tests failed:\n{report}");
}
