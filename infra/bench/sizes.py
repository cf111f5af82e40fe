#!/usr/bin/env python3
"""Release bootstrap sizes per function: x86_64 measured now from the
workspace's release build, arm64 from `make build`'s output
(target/release-arm64/lambda/<fn>/bootstrap) when it is there, with the
files' dates. Zipped = deflate, as the deployment package.

Usage: sizes.py --x86-dir target/release --arm64-dir target/release-arm64/lambda [--alt-dir DIR] --out FILE
"""

import argparse
import datetime
import io
import json
import os
import zipfile

FUNCTIONS = ["api", "publisher", "hashtags", "oauth", "webhooks", "token-refresher", "dispatcher", "console"]


def measure(path):
    data = open(path, "rb").read()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bootstrap", data)
    mtime = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
    return {"bytes": len(data), "zipped": len(buf.getvalue()), "mtime": mtime.strftime("%Y-%m-%d %H:%M UTC")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--x86-dir", required=True)
    ap.add_argument("--arm64-dir", required=True)
    ap.add_argument("--alt-dir", help="the x86_64 release build at opt-level = s")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = {}
    for fn in FUNCTIONS:
        x86 = os.path.join(args.x86_dir, fn)
        if not os.path.isfile(x86):
            raise SystemExit(f"sizes: no x86_64 release binary {x86}")
        arm = os.path.join(args.arm64_dir, fn, "bootstrap")
        out[fn] = {"x86_64": measure(x86), "arm64": measure(arm) if os.path.isfile(arm) else None}
        if args.alt_dir:
            out[fn]["x86_64_s"] = measure(os.path.join(args.alt_dir, fn))
        a = out[fn]["arm64"]
        print(f"  size {fn:<16} x86_64 {out[fn]['x86_64']['bytes'] / 2**20:6.2f} MiB"
              + (f"   arm64 {a['bytes'] / 2**20:6.2f} MiB" if a else "   arm64 (no make build output)"))
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
