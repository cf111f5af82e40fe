//! Embeds the console's built files (`console/dist`, written by `make
//! console`) into the binary: one table of path, content type, ETag and
//! bytes, so the function serves them without touching a disk or a bucket.
//!
//! A missing build is a compile error naming the command that makes it, never
//! an empty console shipped by accident.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, process};

use sha2::{Digest, Sha256};

fn fail(message: &str) -> ! {
    eprintln!("console build: {message}");
    process::exit(1);
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| fail(&format!("reading {}: {e}", dir.display())));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| fail(&format!("reading {}: {e}", dir.display()))).path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("webp") => "image/webp",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn main() {
    let manifest =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| fail("no CARGO_MANIFEST_DIR")));
    let dist = manifest.join("../../console/dist");
    // Cargo scans a directory named here for any changed file: a new
    // `npm run build` rebuilds the function, an unchanged one does not.
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.join("index.html").is_file() {
        fail(&format!(
            "{} has no index.html: build the console first with `make console` \
             (npm ci && npm run build in console/; make test, demo and lint do it)",
            dist.display()
        ));
    }
    let mut files = Vec::new();
    files_under(&dist, &mut files);
    files.sort();
    let mut table = String::from("pub static ASSETS: &[Asset] = &[\n");
    for file in &files {
        let relative = file
            .strip_prefix(&dist)
            .unwrap_or_else(|_| fail("a file outside dist"))
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = fs::read(file).unwrap_or_else(|e| fail(&format!("reading {}: {e}", file.display())));
        let etag = hex::encode(Sha256::digest(&bytes).get(..12).unwrap_or_default());
        let absolute = file.canonicalize().unwrap_or_else(|e| fail(&format!("{}: {e}", file.display())));
        let _ = writeln!(
            table,
            "    Asset {{ path: {relative:?}, content_type: {:?}, etag: \"\\\"{etag}\\\"\", body: include_bytes!({:?}) }},",
            content_type(&relative),
            absolute.display().to_string(),
        );
    }
    table.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_else(|_| fail("no OUT_DIR"))).join("assets.rs");
    fs::write(&out, table).unwrap_or_else(|e| fail(&format!("writing {}: {e}", out.display())));
}
