//! `docs/security.md` keeps its promise: one row per finding of the two
//! reviews (15 publisher, 16 hashtag-API), and every test a row names exists
//! in the tree — so a renamed or deleted test cannot leave a row pointing at
//! nothing. (That the named tests pass is `make test` itself.)

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file's text, outside build output and local state.
fn sources(dir: &Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | ".local" | ".aws-sam" | "node_modules") {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            out.push('\n');
        }
    }
}

/// The backticked snake_case names in a cell: test functions (and fuzz targets).
fn named_functions(cell: &str) -> Vec<&str> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|n| {
            n.contains('_') && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        .collect()
}

#[test]
fn every_finding_has_a_row_and_every_named_test_exists() {
    let doc = std::fs::read_to_string(root().join("docs/security.md")).expect("docs/security.md");
    let rows: Vec<Vec<&str>> = doc
        .lines()
        .filter(|l| l.starts_with("| P-") || l.starts_with("| H-"))
        .map(|l| l.trim().trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    let publisher = rows.iter().filter(|r| r[0].starts_with("P-")).count();
    let hashtag = rows.iter().filter(|r| r[0].starts_with("H-")).count();
    assert_eq!((publisher, hashtag), (15, 16), "one row per finding of each review");

    let mut code = String::new();
    sources(&root(), &mut code);
    let mut missing = Vec::new();
    for row in &rows {
        let (id, tests) = (row[0], row.last().copied().unwrap_or_default());
        let names = named_functions(tests);
        // Two rows name a whole command instead (`make lint`, `make test`).
        if names.is_empty() {
            assert!(
                tests.contains("make lint") || tests.contains("make test"),
                "{id} names no test: {tests}"
            );
        }
        for name in names {
            if !code.contains(&format!("fn {name}(")) && !code.contains(&format!("fn {name}<")) {
                missing.push(format!("{id}: {name}"));
            }
        }
    }
    assert!(missing.is_empty(), "rows name tests that do not exist: {missing:#?}");
}
