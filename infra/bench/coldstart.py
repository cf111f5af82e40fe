#!/usr/bin/env python3
"""Cold start: exec of a function's process to its first poll of the Lambda
Runtime API (GET /2018-06-01/runtime/invocation/next), for each function's
release binary and, side by side in the same run, the boto3 equivalent
(py_function.py) under the same stub and environment.

The stub is a plain TCP listener that reads the first request line and
records the monotonic time it arrived; it never answers, and the process is
killed once the poll is recorded. Every function reads its configuration and
builds its clients before `lambda_runtime::run` first polls (main.rs), so
the figure is init: process start, configuration, AWS clients, and for api,
hashtags and webhooks the app secret read from Secrets Manager (moto).

Runs alternate Rust and Python per function; one unrecorded warm-up of each
first (page cache: on Lambda the code is fetched and cached before exec, not
measured here).

With --alt-bin-dir (the same release build at `opt-level = "s"`), its
binaries run in the same rotation: does the smaller code slow init?

Usage: coldstart.py --env-file STACK_ENV --bin-dir target/release [--alt-bin-dir DIR] --python PY --runs N --out FILE
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

FUNCTIONS = ["api", "oauth", "hashtags", "webhooks", "token-refresher", "publisher", "dispatcher", "console"]
MEMORY = {"hashtags": 512, "publisher": 512, "dispatcher": 1024, "console": 128}  # template.yaml; Globals 256
NEXT = b"GET /2018-06-01/runtime/invocation/next"
HERE = os.path.dirname(os.path.abspath(__file__))


def read_env_file(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            env[key] = value.strip('"')
    return env


class Stub:
    """A Runtime API endpoint that records the first `next` poll's arrival."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.arrived = None
        self.event = threading.Event()
        self.conns = []
        threading.Thread(target=self.serve, daemon=True).start()

    def reset(self):
        self.arrived = None
        self.event.clear()
        for c in self.conns:
            c.close()
        self.conns = []

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            self.conns.append(conn)
            threading.Thread(target=self.read, args=(conn,), daemon=True).start()

    def read(self, conn):
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        now = time.perf_counter_ns()
        if data.startswith(NEXT) and self.arrived is None:
            self.arrived = now
            self.event.set()


def one_run(stub, argv, env, timeout=60):
    stub.reset()
    started = time.perf_counter_ns()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    polled = stub.event.wait(timeout)
    proc.kill()
    _, err = proc.communicate()
    if not polled:
        tail = err.decode(errors="replace").strip().splitlines()[-5:]
        raise SystemExit(f"coldstart: {argv[-1] if len(argv) > 1 else argv[0]} never polled the runtime API "
                         f"within {timeout} s (exit {proc.returncode}); its stderr ends:\n  " + "\n  ".join(tail))
    return (stub.arrived - started) / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env-file", required=True)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--alt-bin-dir")
    ap.add_argument("--python", required=True)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    load_before = open("/proc/loadavg").read().split()[:3]
    stack = read_env_file(args.env_file)
    stub = Stub()
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    base.update(stack)
    results = {}
    for fn in FUNCTIONS:
        binary = os.path.join(args.bin_dir, fn)
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"coldstart: no release binary {binary}: cargo build --workspace --release --locked --bins")
        env = dict(base)
        env.update({
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{stub.port}",
            "AWS_LAMBDA_FUNCTION_NAME": f"bench-{fn}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(MEMORY.get(fn, 256)),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/bench-{fn}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
            "RUST_LOG": "info",
        })
        # Lambda's Python runtime ships compiled bytecode; so does the bench venv.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        argvs = {"rust": [binary], "python": [args.python, os.path.join(HERE, "py_function.py"), fn]}
        if args.alt_bin_dir:
            alt = os.path.join(args.alt_bin_dir, fn)
            if not os.access(alt, os.X_OK):
                raise SystemExit(f"coldstart: no opt-level=s binary {alt}")
            argvs["rust_s"] = [alt]
        for argv in argvs.values():
            one_run(stub, argv, env)
        times = {k: [] for k in argvs}
        for _ in range(args.runs):
            for k, argv in argvs.items():
                times[k].append(one_run(stub, argv, env))
        r, p = statistics.median(times["rust"]), statistics.median(times["python"])
        results[fn] = {"rust_ms": times["rust"], "python_ms": times["python"], "rust_median_ms": r,
                       "python_median_ms": p, "ratio": p / r}
        line = f"  cold start {fn:<16} rust {r:7.1f} ms   python+boto3 {p:7.1f} ms   x{p / r:.1f}"
        if "rust_s" in times:
            rs = statistics.median(times["rust_s"])
            results[fn].update({"rust_s_ms": times["rust_s"], "rust_s_median_ms": rs})
            line += f"   (opt-level s: {rs:.1f} ms)"
        print(line, flush=True)
    with open(args.out, "w") as f:
        json.dump({"runs": args.runs, "functions": results, "loadavg_before": load_before,
                   "loadavg_after": open("/proc/loadavg").read().split()[:3]}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
