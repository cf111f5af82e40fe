#!/usr/bin/env python3
"""Prints the benchmark table and writes docs/benchmarks.md from one run's
results (infra/bench/run.sh): the JSON of coldstart.py, sizes.py,
apibench.py and curlstream.py, and the output of the three cargo benches.

A figure whose result is missing is written as "not measured" with the
reason, never left out.

Usage: report.py --results DIR --doc FILE --command CMD --started ISO --elapsed S --release-build-seconds S
"""

import argparse
import json
import math
import os
import platform
import re
import subprocess
from datetime import datetime, timezone

MIB = 1024 * 1024

# us-east-1 list prices, checked 2026-12-01 (see the page's "Prices" section).
PRICE = {
    "wru": 0.625 / 1e6,  # DynamoDB on-demand, per write request unit
    "rru": 0.125 / 1e6,  # DynamoDB on-demand, per read request unit
    "sqs": 0.40 / 1e6,  # SQS standard, per request (64 KB chunk)
    "s3_put": 0.005 / 1000,  # S3 Standard PUT, COPY, POST, LIST
    "s3_get": 0.0004 / 1000,  # S3 Standard GET, HEAD and others
    "secrets": 0.05 / 10000,  # Secrets Manager, per API call
    "lambda_req": 0.20 / 1e6,  # Lambda, per invocation
    "lambda_gbs_arm": 0.0000133334,  # Lambda arm64, per GB-second (first 7.5 billion GB-s)
    "egress_gb": 0.09,  # data transfer out to the internet, per GB (after the first 100 GB/month)
}
MEMORY_MB = {"api": 256, "webhooks": 256, "publisher": 512, "dispatcher": 1024}

DDB_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def load(results, name):
    path = os.path.join(results, name)
    if not os.path.exists(path):
        return None
    if name.endswith(".json"):
        with open(path) as f:
            return json.load(f)
    with open(path) as f:
        return f.read()


def sh(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
        with open("/proc/meminfo") as f:
            mem_kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    return {"cpus": sh("nproc"), "model": model or platform.processor() or "unknown",
            "memory": f"{mem_kb / 1024 / 1024:.1f} GiB", "kernel": sh("uname", "-r"),
            "rustc": sh("rustc", "--version"), "python": "Python " + platform.python_version()}


def git():
    head = sh("git", "rev-parse", "--short", "HEAD")
    # Not sh(): its strip() would eat the status column of the first line.
    porcelain = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True).stdout
    dirty = [line[3:] for line in porcelain.splitlines() if line.strip()]
    return head, dirty


def grab(pattern, text, cast=float):
    m = re.search(pattern, text or "")
    return cast(m.group(1)) if m else None


def mib(n):
    return f"{n / MIB:.2f}"


class Page:
    def __init__(self):
        self.lines = []

    def add(self, *lines):
        self.lines.extend(lines)

    def table(self, header, rows):
        self.add("| " + " | ".join(header) + " |", "|" + "---|" * len(header))
        for row in rows:
            self.add("| " + " | ".join(str(c) for c in row) + " |")
        self.add("")


def not_measured(page, reason):
    page.add(f"**Not measured**: {reason}", "")


# --- 5. cost ---------------------------------------------------------------------


def per_post(req):
    """Every request of the post's phases; the dispatcher's fixed per-tick work
    (the empty tick) is taken out of the tick that carried the post."""
    total = {}
    for phase in ("intake", "create", "dispatch_tick_with_post", "publish"):
        for k, v in req[phase].items():
            total[k] = total.get(k, 0) + v
    for k, v in req["empty_tick"].items():
        total[k] = total.get(k, 0) - v
    return {k: v for k, v in sorted(total.items()) if v}


def classify(key):
    service, rest = key.split(" ", 1)
    op = rest.rsplit(" (", 1)[0]
    if service == "dynamodb":
        return "ddb_read" if op in DDB_READS else "ddb_write" if op in DDB_WRITES else "ddb_other"
    if service == "sqs":
        return "sqs"
    if service == "s3":
        return "s3_put" if op.startswith(("PUT", "POST")) or "list-type" in op else "s3_get"
    if service == "secretsmanager":
        return "secrets"
    return "other"


def cost_section(page, api, results):
    req = (api or {}).get("requests")
    if not req:
        not_measured(page, "apibench.py produced no request count (see the run's log)")
        return None
    counts = per_post(req)
    groups = {}
    for k, v in counts.items():
        groups[classify(k)] = groups.get(classify(k), 0) + v
    # SQS: the functions' sends, and Lambda's poller per delivered batch (one
    # receive that returned it, one delete). The emulator's empty long polls
    # are time-based (on AWS too), not per post: left out here, said below.
    sqs_fn = sum(v for k, v in counts.items() if k.startswith("sqs ") and k.endswith("(function)"))
    sqs_deletes = sum(v for k, v in counts.items() if k.startswith("sqs Delete") and k.endswith("(event source)"))
    sqs_receives_logged = sum(v for k, v in counts.items() if k.startswith("sqs Receive"))
    batches = req.get("publisher_invocations", 0)
    groups["sqs"] = sqs_fn + sqs_deletes + batches
    size = req["post_item_bytes"]
    kb1, kb4 = math.ceil(size / 1024), math.ceil(size / 4096)
    writes, reads = groups.get("ddb_write", 0), groups.get("ddb_read", 0)
    page.add(
        "One post counted from media intake to `PUBLISHED`, with the local event sources paused and the "
        "dispatcher ticked by hand, so nothing else ran in the window. Every request reached moto and was "
        "logged by `infra/local/moto_server.py` (`MOTO_REQUEST_LOG`): `(function)` = made by our Rust "
        "functions, `(event source)` = made by the local stand-in for Lambda's SQS poller "
        "(`infra/local/event_sources.py`, boto3), `(client)` = the tenant's presigned upload. The dispatcher's fixed per-tick work (an empty tick, "
        f"{sum(req['empty_tick'].values())} requests: "
        + ", ".join(f"{v} {k}" for k, v in req["empty_tick"].items())
        + ") is subtracted from the tick that carried the post: it is paid once a minute whatever the "
        f"load. The 20 s idle window with every source paused logged {sum(req['idle_20s'].values())} requests.",
        "")
    phases = [("media intake (POST /media, presigned PUT, GET /media/{id})", req["intake"]),
              ("POST /posts", req["create"]),
              ("dispatcher tick carrying the post, minus the empty tick", None),
              ("publish: publisher, status checks, webhooks, SQS poller", req["publish"])]
    rows = []
    for name, tally in phases:
        if tally is None:
            tally = dict(req["dispatch_tick_with_post"])
            for k, v in req["empty_tick"].items():
                tally[k] = tally.get(k, 0) - v
            tally = {k: v for k, v in tally.items() if v}
        rows.append((name, sum(tally.values()), ", ".join(f"{v} {k}" for k, v in sorted(tally.items()))))
    page.table(["phase", "requests", "by service and operation"], rows)

    # Lambda: invocations and GB-s of the post.
    pub_ms = req.get("publisher_invocation_ms") or []
    invocations = {"api": 3, "publisher": req.get("publisher_invocations", len(pub_ms)),
                   "webhooks": req.get("webhook_deliveries", 0)}
    api_warm = {r["route"]: r for r in (api or {}).get("warm", [])}
    api_ms = [api_warm[r]["p50_ms"] for r in ("POST /media", "POST /posts") if r in api_warm]
    api_each = sum(api_ms) / len(api_ms) if api_ms else 100.0
    gbs = (invocations["api"] * api_each / 1000 * MEMORY_MB["api"] / 1024
           + sum(pub_ms) / 1000 * MEMORY_MB["publisher"] / 1024
           + invocations["webhooks"] * api_each / 1000 * MEMORY_MB["webhooks"] / 1024)

    wru_low, wru_high = writes, writes * 3 * kb1
    rru_low, rru_high = reads * 0.5, reads * kb4
    lines = [
        ("DynamoDB writes", f"{writes} write requests", f"{wru_low}–{wru_high} WRU × $0.625/M",
         wru_low * PRICE["wru"] * 1000, wru_high * PRICE["wru"] * 1000),
        ("DynamoDB reads", f"{reads} read requests", f"{rru_low:g}–{rru_high} RRU × $0.125/M",
         rru_low * PRICE["rru"] * 1000, rru_high * PRICE["rru"] * 1000),
        ("SQS", f"{groups['sqs']} requests ({sqs_fn} sends, {batches} receives, {sqs_deletes} deletes)", "× $0.40/M",
         groups.get("sqs", 0) * PRICE["sqs"] * 1000, None),
        ("S3 PUT/POST/LIST", f"{groups.get('s3_put', 0)}", "× $0.005/1,000",
         groups.get("s3_put", 0) * PRICE["s3_put"] * 1000, None),
        ("S3 GET/HEAD", f"{groups.get('s3_get', 0)}", "× $0.0004/1,000",
         groups.get("s3_get", 0) * PRICE["s3_get"] * 1000, None),
        ("Secrets Manager", f"{groups.get('secrets', 0)} GetSecretValue", "× $0.05/10,000",
         groups.get("secrets", 0) * PRICE["secrets"] * 1000, None),
        ("Lambda invocations", f"{sum(invocations.values())} ({', '.join(f'{k} {v}' for k, v in invocations.items())})",
         "× $0.20/M", sum(invocations.values()) * PRICE["lambda_req"] * 1000, None),
        ("Lambda duration (estimate)", f"{gbs:.3f} GB-s", "× $0.0000133334 (arm64)",
         gbs * PRICE["lambda_gbs_arm"] * 1000, None),
    ]
    rows, low, high = [], 0.0, 0.0
    for what, count, price, lo, hi in lines:
        hi = lo if hi is None else hi
        low, high = low + lo, high + hi
        rows.append((what, count, price, f"${lo:.4f}" if lo == hi else f"${lo:.4f}–${hi:.4f}"))
    rows.append(("**total per 1,000 posts**", "", "", f"**${low:.3f}–${high:.3f}**"))
    page.add(
        f"Cost per 1,000 posts (us-east-1 list prices; arithmetic = count × 1,000 × price). DynamoDB units "
        f"depend on item size, which the request log does not see: the low bound is 1 WRU per write and "
        f"0.5 RRU per read (eventually consistent, ≤ 4 KB); the high bound prices every write as a write "
        f"of the post item ({size:,} bytes here, measured: ⌈{size}/1024⌉ = {kb1} KB) to the table and both "
        f"`ALL`-projected GSIs (×3) and every read as a strongly consistent read of it "
        f"(⌈{size}/4096⌉ = {kb4} RRU)."
        + (" Transactions were logged: each costs double per item it writes, which the high bound may "
           "not cover." if any("Transact" in k for k in counts) else " No transaction was logged."), "")
    page.table(["what", "per post", "price", "per 1,000 posts"], rows)
    page.add(
        f"- **Lambda duration** is an estimate: the publisher's measured invocation times here "
        f"({', '.join(str(m) for m in pub_ms)} ms, debug build under watch against moto, {MEMORY_MB['publisher']} MB) "
        f"and the api's measured p50 ({api_each:.0f} ms at {MEMORY_MB['api']} MB) for each api and webhooks "
        f"invocation. On Lambda the publisher's time is the upload to TikTok, so it grows with the video.",
        f"- **Not in the table**: the dispatcher's fixed tick "
        f"({sum(req['empty_tick'].values())} requests a minute whatever the load: "
        f"{sum(req['empty_tick'].values()) * 60 * 24 * 30:,} a month, "
        f"≈ ${sum(req['empty_tick'].values()) * 60 * 24 * 30 * 0.5 * PRICE['rru']:.2f} a month at 0.5 RRU "
        f"each, plus {1440 * 30:,} invocations ≈ ${1440 * 30 * PRICE['lambda_req']:.4f}); the SQS poller's "
        f"empty long polls ({sqs_receives_logged} receives logged in the window by the emulator's 5 s polls; "
        "Lambda's pollers long-poll continuously too, a cost per hour, not per post); the secret's $0.40 a "
        "month; storage. The secret "
        "read counts once per cold start and then every `APP_SECRET_TTL_SECS` (300 s) per instance.",
        f"- **Data transfer out** is the largest per-post cost of a real video and is not an AWS request: "
        f"the publisher sends the video to TikTok, $0.09/GB out to the internet. The bench's "
        f"{req['media_bytes'] / 1e6:.1f} MB video costs ${req['media_bytes'] / 1e9 * PRICE['egress_gb'] * 1000:.2f} "
        f"per 1,000 posts; a 50 MB video ${50e6 / 1e9 * PRICE['egress_gb'] * 1000:.2f}; a 1 GiB video "
        f"${MIB * 1024 / 1e9 * PRICE['egress_gb'] * 1000:.2f}.", "")
    return {"low": low, "high": high, "counts": counts}


# --- the page ------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--started", required=True)
    ap.add_argument("--elapsed", type=int, required=True)
    ap.add_argument("--release-build-seconds", type=int, default=None)
    ap.add_argument("--note", default="")
    args = ap.parse_args()
    R = args.results
    cold, sizes, api, curl = (load(R, n) for n in ("coldstart.json", "sizes.json", "api.json", "curl.json"))
    stream, dispatch, metrics = (load(R, n) for n in ("stream.log", "dispatch.log", "metrics.log"))
    m = machine()
    head, dirty = git()
    summary = []  # (figure, value) for the terminal table

    page = Page()
    page.add("# Benchmarks", "",
             "Every figure on this page comes from one run of `make bench` (`infra/bench/run.sh`), which "
             "starts a local stack of its own (moto, the TikTok sandbox, `cargo lambda watch`, the local event "
             "sources), runs everything below, prints a table and writes this page. Benchmarks, not tests: "
             "nothing asserts a time. Regenerate it with the command below; do not edit the figures by hand.", "")
    page.table(["", ""], [
        ("command", f"`{args.command}`"),
        ("date", f"{args.started} (run took {args.elapsed // 60} min {args.elapsed % 60} s)"),
        ("commit", f"`{head}`" + ((" with uncommitted " + ", ".join(f"`{p}`" for p in dirty)) if 0 < len(dirty) <= 6
                                  else f" with {len(dirty)} uncommitted paths in the working tree" if dirty else "")),
        ("machine", f"{m['cpus']} CPUs (`nproc`), {m['model']}, {m['memory']} memory, Linux {m['kernel']}"),
        ("toolchain", f"{m['rustc']}; {m['python']} (boto3 1.43.108, `infra/bench/requirements.txt`)"),
    ])
    if args.note:
        page.add(f"**Note.** {args.note}", "")
    page.add(f"Load average at the end of the run: {' '.join(open('/proc/loadavg').read().split()[:3])} "
             "(1/5/15 min) on its CPUs: whatever else ran on the machine meanwhile is in these figures "
             "(the note says what that was, if anything).", "")
    page.add("Everything runs on this one machine: the emulators (moto is Python, DynamoDB requests "
             "serialised), the functions and the load share its cores. Figures of the emulated services "
             "are the emulator's; what transfers to AWS is said under each table.", "")

    # 1. cold start
    page.add("## 1. Cold start", "")
    if cold:
        rows = []
        opt_s = all("rust_s_median_ms" in r for r in cold["functions"].values())
        for fn, r in cold["functions"].items():
            row = [fn, f"{r['rust_median_ms']:.1f} ms", f"{min(r['rust_ms']):.1f}–{max(r['rust_ms']):.1f}",
                   f"{r['python_median_ms']:.1f} ms", f"{min(r['python_ms']):.1f}–{max(r['python_ms']):.1f}",
                   f"×{r['ratio']:.1f}"]
            summary.append((f"cold start {fn}", f"{r['rust_median_ms']:.1f} ms vs Python {r['python_median_ms']:.1f} ms (×{r['ratio']:.1f})"))
            if opt_s:
                row.append(f"{r['rust_s_median_ms']:.1f} ms ({min(r['rust_s_ms']):.1f}–{max(r['rust_s_ms']):.1f})")
                summary.append((f"cold start {fn} at opt-level s", f"{r['rust_s_median_ms']:.1f} ms"))
            rows.append(row)
        page.add(f"Process exec → first `GET /2018-06-01/runtime/invocation/next` at a stub of the Lambda "
                 f"Runtime API (`infra/bench/coldstart.py`), median of {cold['runs']} runs each after one "
                 "unrecorded warm-up, Rust and Python alternating. Rust: the x86_64 release binary "
                 "(`target/release/<fn>`, fat LTO, `opt-level = 3`). Python: `infra/bench/py_function.py`, "
                 "boto3 doing the same init as the function (the same clients; the app secret read from "
                 "Secrets Manager where the function reads it at init: api, hashtags, webhooks; an HTTPS pool "
                 "for TikTok; none for the console, which builds no client) and a minimal runtime loop, no `awslambdaric`. Both with the stack's environment "
                 "(`stack.env`, as watch gives it), AWS pointed at the bench stack's moto.", "")
        page.table(["function", "Rust median", "Rust range", "Python + boto3 median", "Python range",
                    "Python / Rust"] + (["Rust at `opt-level = \"s\"`, median (range)"] if opt_s else []), rows)
        if opt_s:
            page.add("The last column is the same release build at `opt-level = \"s\"` "
                     "(`CARGO_PROFILE_RELEASE_OPT_LEVEL=s`, `BENCH_OPT_S=1`), run in the same rotation: README "
                     "\"Bootstrap sizes\" left open whether its ~30 % smaller bootstraps slow init.", "")
        page.add("- Reading the app secret is a round trip to moto on loopback (a few ms); on AWS it is a "
                 "TLS handshake to Secrets Manager, tens of ms for either language.",
                 "- Lambda's own init (fetching the package, starting the sandbox) comes before exec and is "
                 "not here; nor is `awslambdaric`'s import time on the Python side (Lambda's managed Python "
                 "runtime has its own loop).",
                 "- Measured on x86_64; the deployed functions are arm64 (Graviton), not measurable here.",
                 f"- Load average (1/5/15 min) before and after the cold starts: "
                 f"{' '.join(cold.get('loadavg_before', ['?']))} and {' '.join(cold.get('loadavg_after', ['?']))} "
                 "on 2 CPUs: a figure taken while another session builds is slower for both languages.", "")
    else:
        not_measured(page, "coldstart.py produced no result (see the run's log)")

    # 2. warm latency
    page.add("## 2. Warm latency", "")
    if api and api.get("warm"):
        w = api["warm"]
        page.add(f"The api function under `cargo lambda watch` (the stack's; **debug build**, as watch "
                 f"serves it), one keep-alive connection, {w[0]['n']} requests per route after 5 warm-up "
                 f"requests, against moto and the sandbox (`infra/bench/apibench.py`). The floor is the "
                 "console function's `GET /console/config.json` under the same watch: a handler that "
                 "does no I/O (three configured strings to JSON), so what is left is watch, the Lambda "
                 "runtime and HTTP. `GET /health` (one DynamoDB call) is shown too. Every authenticated route also "
                 "looks up the API key in DynamoDB.", "")
        page.table(["route", "p50", "p99", "mean", "max", "watch's own 500s (retried)"],
                   [(r["route"], f"{r['p50_ms']:.1f} ms", f"{r['p99_ms']:.1f} ms", f"{r['mean_ms']:.1f} ms",
                     f"{r['max_ms']:.1f} ms", r.get("gateway_errors", 0)) for r in w])
        page.add("A 500 with watch's RFC 7807 body is the local gateway losing a function instance "
                 "(README \"Local stack\"), not an answer of the api: it is retried and counted, never timed.", "")
        for r in w:
            summary.append((f"warm {r['route']}", f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms"))
    else:
        not_measured(page, "apibench.py produced no warm latency (see the run's log)")
    if api and api.get("publish"):
        p = api["publish"]
        page.add(f"**One publish, post due → `PUBLISHED`**, through the stack's event sources (the "
                 f"dispatcher's one-minute schedule, the publish queue's SQS mapping, the sandbox's "
                 f"webhooks): {p['n']} video posts (single-chunk, "
                 f"{(api.get('requests') or {}).get('media_bytes', 0) / 1e6:.1f} MB) on four accounts, due a "
                 "few seconds apart in the minute after next, so the tick before their minute queues them "
                 "with `DelaySeconds` as in production. Latency = the `PUBLISHED` history entry's time minus "
                 "`scheduled_at` (whole seconds; the history entry has milliseconds). With this few samples p99 is the maximum.", "")
        page.table(["posts", "p50", "p99", "min", "max"],
                   [(p["n"], f"{p['p50_s']:.0f} s", f"{p['p99_s']:.0f} s", f"{p['min_s']:.0f} s",
                     f"{p['max_s']:.0f} s")])
        starts = [x["due_to_publishing_s"] for x in p["posts"] if x.get("due_to_publishing_s") is not None]
        if starts:
            page.add(f"Due → `PUBLISHING` (the publisher claimed it): {min(starts):.0f}–{max(starts):.0f} s. "
                     "The rest is the publisher's init and upload, the sandbox's processing, and the status "
                     "check or webhook that settles the post.", "")
        summary.append(("publish due → PUBLISHED", f"p50 {p['p50_s']:.0f} s, p99 {p['p99_s']:.0f} s (n={p['n']})"))
    else:
        not_measured(page, "apibench.py produced no publish latency (see the run's log)")

    # 3. sizes
    page.add("## 3. Release bootstrap sizes", "")
    if sizes:
        rows, arm_dates = [], set()
        for fn, s in sizes.items():
            x, a = s["x86_64"], s["arm64"]
            if a:
                arm_dates.add(a["mtime"])
            row = [fn, f"{mib(x['bytes'])} MiB", f"{mib(x['zipped'])} MiB"]
            if s.get("x86_64_s"):
                xs = s["x86_64_s"]
                row.append(f"{mib(xs['bytes'])} MiB ({(xs['bytes'] / x['bytes'] - 1) * 100:+.0f} %), zipped "
                           f"{mib(xs['zipped'])} MiB")
            row += [f"{mib(a['bytes'])} MiB" if a else "not built", f"{mib(a['zipped'])} MiB" if a else "—"]
            rows.append(row)
            summary.append((f"size {fn}", f"x86_64 {mib(x['bytes'])} MiB" + (f", arm64 {mib(a['bytes'])} MiB" if a else "")))
        build = f" (this run's release build took {args.release_build_seconds // 60} min {args.release_build_seconds % 60} s" \
                + (": already fresh)" if args.release_build_seconds is not None and args.release_build_seconds < 60 else ")") \
            if args.release_build_seconds is not None else ""
        page.add("Stripped release binaries (`opt-level = 3`, fat LTO, one codegen unit, `panic = \"abort\"`); "
                 "zipped = deflate, the deployment package. x86_64 measured in this run from "
                 f"`cargo build --workspace --release --locked --bins`{build}. arm64 is `make build`'s output "
                 "(`target/release-arm64/lambda/<fn>/bootstrap`, cargo-lambda + zig, `neoverse-n1`), "
                 + (f"built {', '.join(sorted(arm_dates))}: read by this run, not rebuilt (it takes ~20 min)."
                    if arm_dates else "absent: run `make build` first; README \"Bootstrap sizes\" has the last "
                    "recorded arm64 figures (2026-12-01)."), "")
        alt = all(s.get("x86_64_s") for s in sizes.values())
        page.table(["function", "x86_64", "x86_64 zipped"] + (["x86_64 at `opt-level = \"s\"`"] if alt else [])
                   + ["arm64", "arm64 zipped"], rows)
    else:
        not_measured(page, "sizes.py produced no result")

    # 4. streaming
    page.add("## 4. Streaming upload (FILE_UPLOAD)", "")
    s_mb = grab(r"streamed \d+ MiB in \d+ chunks of \d+ MiB in [\d.]+ s: ([\d.]+) MB/s", stream)
    s_secs = grab(r"streamed \d+ MiB in \d+ chunks of \d+ MiB in ([\d.]+) s", stream)
    s_mib = grab(r"streamed (\d+) MiB", stream, int)
    s_chunks = grab(r"streamed \d+ MiB in (\d+) chunks", stream, int)
    s_base = grab(r"RSS: ([\d.]+) MiB before", stream)
    s_peak = grab(r"peak ([\d.]+) MiB while streaming", stream)
    s_ledger = grab(r"sandbox ledger: \d+ bytes, SHA-256 (\w+)", stream, str)
    rows = []
    if s_mb is not None:
        rows.append(("publisher `upload::send_chunks` (`cargo bench --workspace --bench stream`)", f"{s_mib} MiB",
                     s_chunks, f"{s_secs:.1f} s", f"**{s_mb:.1f} MB/s**",
                     f"{s_peak:.1f} MiB (process; {s_base:.1f} before streaming)", s_ledger))
        summary.append(("stream 1 GiB: publisher", f"{s_mb:.1f} MB/s, peak RSS {s_peak:.1f} MiB"))
    if curl:
        rows.append(("`curl -r` from moto (presigned GET) \\| `curl -T -` to the upload URL, per chunk",
                     f"{curl['mib']} MiB", curl["chunks"], f"{curl['seconds']:.1f} s", f"**{curl['mb_per_s']:.1f} MB/s**",
                     f"{max(curl['peak_rss_get_mib'], curl['peak_rss_put_mib']):.1f} MiB (largest curl; GET "
                     f"{curl['peak_rss_get_mib']:.1f}, PUT {curl['peak_rss_put_mib']:.1f})",
                     "matches" if curl["ledger_matches"] else "DIFFERS"))
        summary.append(("stream 1 GiB: curl", f"{curl['mb_per_s']:.1f} MB/s, peak RSS "
                        f"{max(curl['peak_rss_get_mib'], curl['peak_rss_put_mib']):.1f} MiB"))
    if rows:
        page.add("The same bytes between the same two servers: an object in the bench stack's bucket (moto) "
                 "streamed to the sandbox's upload URL in the production chunk plan (10 MiB chunks, the last "
                 "absorbing the remainder), each chunk a ranged GET then a PUT with its `Content-Range`. The "
                 "sandbox's ledger checks every byte (SHA-256).", "")
        page.table(["how", "object", "chunks", "time", "throughput", "peak RSS", "ledger"], rows)
        page.add("- Both are bound by moto: its ranged GET reads the stored object to slice it "
                 "(`docs/pipeline-scale.md`), so the ratio, not the MB/s, is the figure that transfers. "
                 "On S3 a ranged GET runs at network speed.",
                 "- Peak RSS: the publisher's is the whole bench process (SDK, runtime, buffers; VmHWM reset "
                 "before streaming); curl's is per process (VmHWM sampled while it runs): curl streams "
                 "through a pipe and never holds a chunk.", "")
    if s_mb is None:
        not_measured(page, "the stream bench printed no throughput (see stream.log of the run)")
    if not curl:
        not_measured(page, "curlstream.py produced no result")

    # 5. requests per post
    page.add("## 5. AWS requests and cost per published post", "")
    cost = cost_section(page, api, R)
    if cost:
        summary.append(("AWS cost per 1,000 posts", f"${cost['low']:.3f}–${cost['high']:.3f} (requests + Lambda; "
                        "data transfer out extra)"))

    # 6. dispatch
    page.add("## 6. Dispatch: 10,000 posts due in one minute", "")
    d = re.search(r"enqueued (\d+) of (\d+) posts in ([\d.]+) s \(index read ([\d.]+) s\): (\d+) SendMessageBatch "
                  r"calls, (\d+) index queries, (\d+) posts/s", dispatch or "")
    seeded = grab(r"seeded \d+ posts for \d+ tenants in ([\d.]+) s", dispatch)
    per = re.search(r"query ([\d.]+) ms, claim \+ share of sends ([\d.]+) ms", dispatch or "")
    if d:
        page.add("`cargo bench --workspace --bench dispatch`: the posts seeded into an isolated table"
                 + (f" ({seeded:.1f} s)" if seeded else "") + ", then one dispatcher tick as their minute begins, "
                 "default settings; the stack's own schedules and pollers paused.", "")
        page.table(["posts", "enqueued", "time to enqueue all", "index read", "index queries",
                    "SendMessageBatch", "posts/s", "per query / per claim"],
                   [(d.group(2), d.group(1), f"**{float(d.group(3)):.1f} s**", f"{float(d.group(4)):.1f} s",
                     d.group(6), d.group(5), d.group(7),
                     f"{per.group(1)} ms / {per.group(2)} ms" if per else "—")])
        page.add("The time is moto's: it serialises DynamoDB requests and its GSI `Query` walks the whole "
                 "table (`docs/pipeline-scale.md`, \"Measured\"); on DynamoDB the same tick is seconds.", "")
        summary.append(("dispatch 10,000 posts", f"{float(d.group(3)):.1f} s to enqueue {d.group(1)}"))
    else:
        not_measured(page, "the dispatch bench printed no result (see dispatch.log of the run)")

    # 7. metrics
    page.add("## 7. Hashtag metrics over 100,000 videos", "")
    mm = re.search(r"min ([\d.]+) ms\s+median ([\d.]+) ms\s+mean ([\d.]+) ms\s+max ([\d.]+) ms", metrics or "")
    thr = grab(r"throughput ([\d.]+) M videos/s", metrics)
    if mm:
        page.add("`cargo bench --workspace --bench metrics`: the full metric set (counts, quantiles, "
                 "engagement, top lists, co-hashtags with lift, heatmap, velocity, trend), 15 timed runs.", "")
        page.table(["videos", "min", "median", "mean", "max", "throughput"],
                   [("100,000", f"{mm.group(1)} ms", f"**{mm.group(2)} ms**", f"{mm.group(3)} ms", f"{mm.group(4)} ms",
                     f"{thr} M videos/s" if thr else "—")])
        summary.append(("hashtag metrics 100,000 videos", f"median {mm.group(2)} ms"))
    else:
        not_measured(page, "the metrics bench printed no result (see metrics.log of the run)")

    page.add("## Prices", "",
             "us-east-1 list prices used in section 5, checked 2026-12-01 against public summaries of the AWS "
             "pricing pages (this machine cannot reach aws.amazon.com): DynamoDB on-demand $0.625 per million "
             "write request units and $0.125 per million read request units (after the November 2024 cut; "
             "Standard table class); SQS standard $0.40 per million requests (each 64 KB of payload is a "
             "request; first million a month free); S3 Standard $0.005 per 1,000 PUT/COPY/POST/LIST and "
             "$0.0004 per 1,000 GET/HEAD; Secrets Manager $0.05 per 10,000 API calls and $0.40 per secret a "
             "month; Lambda $0.20 per million requests and $0.0000133334 per GB-second on arm64 "
             "($0.0000166667 on x86_64); data transfer out to the internet $0.09 per GB (first 10 TB a month, "
             "after 100 GB free). Free tiers are ignored in the arithmetic.", "")

    os.makedirs(os.path.dirname(os.path.abspath(args.doc)), exist_ok=True)
    with open(args.doc, "w") as f:
        f.write("\n".join(page.lines).rstrip() + "\n")

    width = max((len(k) for k, _ in summary), default=10)
    print()
    print(f"Benchmarks — {m['cpus']} CPUs, {m['model']}, {m['memory']}, Linux {m['kernel']}; {args.started}")
    for k, v in summary:
        print(f"  {k:<{width}}  {v}")
    print(f"  (written to {args.doc})")


if __name__ == "__main__":
    main()
