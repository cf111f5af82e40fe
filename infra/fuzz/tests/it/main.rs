//! The fuzz targets on the stable toolchain, in `make test`: every committed
//! corpus input (the seeds and what `make fuzz` found), then a seeded
//! mutation pass over them — FUZZ_CASES inputs per target (default 20,000),
//! from FUZZ_SEED (printed; a failure names it and the input, so it can be
//! replayed and added to the corpus as a regression test).
//!
//! This is the short pass CI runs; coverage-guided fuzzing with libFuzzer is
//! `make fuzz` (infra/fuzz/libfuzzer).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use fuzz_targets::{Target, TARGETS};
use testkit::rng::Rng;

/// Bytes that open parsers' interesting paths: separators, escapes, Unicode
/// whose case mapping changes length, bounds of times and numbers.
const TOKENS: &[&str] = &[
    "..",
    "/",
    "%2e",
    "%2f",
    "%00",
    "%",
    "#",
    ",",
    "=",
    "&",
    "\n",
    "\"",
    "\\u0000",
    "{",
    "}",
    "[",
    "]",
    ":",
    "t=",
    "s=",
    "\u{130}",
    "\u{1c5}",
    "\u{fb01}",
    "\u{202e}",
    "\u{feff}",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "+14:00",
    "-00:00",
    "18446744073709551616",
    "-1",
    "1e400",
    "null",
    "true",
    "SCHEDULED",
    "PUBLISHED",
    "video/mp4",
    "image/webp",
    "SELF_ONLY",
    "DIRECT_POST",
    "photo",
    "01HZX3JQ5V7W8Y9ZABCDEFGHJK",
    "post.publish.failed",
    "authorization.removed",
    "CheckStatus",
];

fn mutate(rng: &mut Rng, corpus: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        let at = rng.below(input.len() + 1);
        match rng.below(8) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] = rng.next_u64() as u8;
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                input.splice(at..at, token.iter().copied());
            }
            3 if !input.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(input.len());
                let start = at.min(end);
                input.drain(start..end);
            }
            4 if !input.is_empty() => {
                let start = rng.below(input.len());
                let end = (start + 1 + rng.below(32)).min(input.len());
                let copy = input[start..end].to_vec();
                input.splice(at..at, copy);
            }
            5 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len() + 1);
                input.truncate(at);
                input.extend_from_slice(&other[from..]);
            }
            6 => {
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                input.splice(at..at, bytes);
            }
            _ => {
                let i = at.min(input.len());
                input.truncate(i + rng.below(64));
            }
        }
    }
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target)
}

fn load(target: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(target))
        .unwrap_or_else(|e| panic!("corpus/{target}: {e}"))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files.into_iter().map(|p| std::fs::read(&p).expect("corpus file")).collect()
}

fn shown(input: &[u8]) -> String {
    input.escape_ascii().to_string()
}

/// Runs `target` on `input`; a panic is reported with the input.
fn run(name: &str, target: Target, input: &[u8], origin: &str) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| target(input)))
        .map_err(|_| format!("{name}: {origin} panicked on b\"{}\"", shown(input)))
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_f022)
}

fn cases() -> usize {
    std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000)
}

fn exercise(name: &str) {
    let (_, target) = TARGETS.iter().find(|(n, _)| *n == name).expect("a known target");
    let corpus = load(name);
    assert!(!corpus.is_empty(), "corpus/{name} has no input");
    let mut failures = Vec::new();
    for (i, input) in corpus.iter().enumerate() {
        failures.extend(run(name, *target, input, &format!("corpus input {i}")).err());
    }
    // Each target its own sequence from the one seed (FNV-1a of its name).
    let per_target =
        name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let mut rng = Rng::new(seed() ^ per_target);
    for case in 0..cases() {
        let mut input = corpus[rng.below(corpus.len())].clone();
        mutate(&mut rng, &corpus, &mut input);
        if let Err(failure) = run(name, *target, &input, &format!("mutation {case} (FUZZ_SEED={})", seed())) {
            failures.push(failure);
            if failures.len() >= 5 {
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_target_has_a_corpus() {
    for (name, _) in TARGETS {
        assert!(corpus_dir(name).is_dir(), "infra/fuzz/corpus/{name} is missing");
    }
}

#[test]
fn webhook_signature() {
    exercise("webhook_signature");
}

#[test]
fn media_id() {
    exercise("media_id");
}

#[test]
fn hashtag() {
    exercise("hashtag");
}

#[test]
fn api_bodies() {
    exercise("api_bodies");
}

#[test]
fn query_params() {
    exercise("query_params");
}

#[test]
fn sqs_message() {
    exercise("sqs_message");
}

#[test]
fn webhook_event() {
    exercise("webhook_event");
}
