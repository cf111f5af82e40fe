//! `make chaos`: at least 1,000 posts (videos, photo carousels, inbox drafts)
//! of several tenants' accounts, published by the local stack's real event
//! sources and concurrent publishers under the local Lambda gateway
//! (`infra/local/lambda_gateway.py`: each function's built binary driven
//! through the Lambda Runtime API), while TikTok
//! (the sandbox) answers 429s, 5xx, slowly, or drops connections after
//! handling the request; one account is revoked mid-run; webhooks come twice;
//! and this harness kills publisher instances mid-invocation, sends
//! publish messages again, fires overlapping dispatcher ticks and cancels or
//! reschedules posts in flight through the api. Once it drains, it prints a
//! table and fails unless: no post is on TikTok twice, none is lost (stuck
//! between states), and every NEEDS_ATTENTION has an injected ambiguous fault
//! (a dropped answer or a kill) to explain it. `infra/chaos/run.sh` starts
//! the stack, runs this and the log-scrubbing check, and stops the stack.
//!
//! Everything random comes from `CHAOS_SEED` (printed): the posts, their
//! times, the fault rates and the order of the chaos. The interleaving with
//! real processes is not replayable, so a failure is reproduced by running
//! the same seed and size again, which repeats the same pressure.

// Tooling, not a Lambda: a panic (a stack that is not up, a refused admin
// call) is a failed run with its reason, as in the tests and the benches.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod agents;
mod crash;
mod plan;
mod setup;
mod verdict;

use std::time::{Duration, Instant};

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(raw) if !raw.trim().is_empty() => {
            raw.trim().parse().unwrap_or_else(|_| panic!("{name}={raw:?} is not a whole number"))
        }
        _ => default,
    }
}

/// The run's size and seed.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub posts: usize,
    pub accounts: usize,
    pub tenants: usize,
    pub seed: u64,
    /// How long the posts' due times are spread over.
    pub spread_secs: u64,
    /// How far after filing the first post is due: filing 1,000 posts takes
    /// most of the default 90 s; the CI size files 24 in a few seconds. At
    /// least the stack's SCHEDULE_MIN_LEAD_SECS.
    pub lead_secs: u64,
    pub drain_secs: u64,
    /// Publisher instances killed (SIGKILL, mid-invocation) through the
    /// stack's Lambda gateway: one per 25 posts by default, at least two.
    pub real_kills: usize,
}

impl Size {
    fn from_env() -> Self {
        let posts = env_number("CHAOS_POSTS", 1000) as usize;
        let accounts = env_number("CHAOS_ACCOUNTS", 10) as usize;
        assert!(
            (1..=setup::CREATORS.len()).contains(&accounts),
            "CHAOS_ACCOUNTS must be 1..={} (the sandbox pool creators no test uses)",
            setup::CREATORS.len()
        );
        let seed = match std::env::var("CHAOS_SEED") {
            Ok(raw) if !raw.trim().is_empty() => raw.trim().parse().expect("CHAOS_SEED is a u64"),
            _ => time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64,
        };
        // TikTok takes six inits a minute per token: each account's posts are
        // spread at about seven a minute, so the shared limits are met
        // (RETRY_WAIT) but the run stays near the limit's own pace.
        let per_account = posts.div_ceil(accounts) as u64;
        let spread_default = (per_account * 60 / 7).max(60);
        Self {
            posts,
            accounts,
            tenants: env_number("CHAOS_TENANTS", 3).clamp(1, accounts as u64) as usize,
            seed,
            spread_secs: env_number("CHAOS_SPREAD_SECS", spread_default),
            lead_secs: env_number("CHAOS_LEAD_SECS", 90),
            // Three seconds a post, at least 15 minutes: it ends as soon as
            // every post is final.
            drain_secs: env_number("CHAOS_DRAIN_SECS", (posts as u64 * 3).max(900)),
            real_kills: env_number("CHAOS_REAL_KILLS", (posts as u64 / 25).max(2)) as usize,
        }
    }
}

#[tokio::main]
async fn main() {
    let size = Size::from_env();
    println!(
        "chaos: seed {} ({} posts, {} accounts, {} tenants; rerun with CHAOS_SEED={} CHAOS_POSTS={} CHAOS_ACCOUNTS={})",
        size.seed, size.posts, size.accounts, size.tenants, size.seed, size.posts, size.accounts
    );
    let started = Instant::now();
    let stack_dir = std::env::var("STACK_DIR").unwrap_or_else(|_| ".local".into());
    crash::log_to(&format!("{stack_dir}/logs/chaos-publisher.log"));
    let world = setup::World::start().await;
    world.settle_sandbox().await;
    let cast = world.cast(&size).await;
    println!("chaos: {} accounts connected across {} tenants", cast.accounts.len(), size.tenants);
    let plan = plan::Plan::new(&size, &cast);
    let filed = world.file(&cast, &plan).await;
    println!(
        "chaos: {} posts filed, due over {} s from {}; chaos starts",
        filed.len(),
        size.spread_secs,
        plan.first_due
    );
    let ledger = agents::Chaos::run(&world, &cast, &plan, &filed, &size).await;
    println!("chaos: chaos stopped after {:.0} s; draining", started.elapsed().as_secs_f64());
    let finals = verdict::drain(&world, &filed, Duration::from_secs(size.drain_secs)).await;
    let report = verdict::Report::build(&world, &cast, &filed, &finals, &ledger).await;
    report.print(&size, &ledger, started.elapsed());
    if !report.passed() {
        println!(
            "chaos: FAILED (seed {}; reproduce with CHAOS_SEED={} CHAOS_POSTS={} CHAOS_ACCOUNTS={})",
            size.seed, size.seed, size.posts, size.accounts
        );
        std::process::exit(1);
    }
    println!("chaos: passed");
}
