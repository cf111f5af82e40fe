//! What the operator's binaries share: the demo walks' API client.

pub mod walk;

use std::process::ExitCode;

/// A walk's end as the process's exit code: its failure printed under `name`.
pub fn exit(name: &str, result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name} failed: {e}");
            ExitCode::FAILURE
        }
    }
}
