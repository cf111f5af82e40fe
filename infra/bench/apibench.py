#!/usr/bin/env python3
"""Warm latency of the api's main routes, publish latency (post due →
PUBLISHED through the stack's event sources) and the AWS requests of one
published post, against the running bench stack (moto + TikTok sandbox +
`cargo lambda watch`, debug builds as watch serves them).

Environment: the stack's env file exported (API_URL, OAUTH_URL,
TIKTOK_SANDBOX_URL, EVENT_SOURCES_URL, TABLE_NAME, AWS_*), BENCH_API_KEY and
BENCH_TENANT (the tenant run.sh created), MOTO_REQUEST_LOG (moto's request
log, infra/local/moto_server.py). BENCH_LATENCY_N (200) requests per route,
BENCH_PUBLISH_N (6) posts for the publish latency.

Nothing secret is printed: the API key stays in the environment, TikTok
tokens and captions are never written anywhere.

Usage: apibench.py --out FILE
"""

import argparse
import http.client
import json
import math
import os
import statistics
import struct
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import boto3
from botocore.config import Config

E = os.environ


def fail(message):
    raise SystemExit(f"apibench: {message}")


def need(name):
    value = E.get(name)
    if not value:
        fail(f"{name} is not set (export the stack's env file; run through infra/bench/run.sh)")
    return value


# --- media: an ISO BMFF video with an H.264 sample description (infra/testkit/src/media_files.rs) ---


def _box(kind, body):
    return struct.pack(">I", len(body) + 8) + kind + body


def _full(kind, version_flags, body):
    return _box(kind, struct.pack(">I", version_flags) + body)


def _u32s(*values):
    return b"".join(struct.pack(">I", v) for v in values)


MATRIX = _u32s(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def mp4(width, height, fps, frames, sample_size):
    """The same file as testkit's `mp4_with_samples(.., moov_first = true)`."""
    timescale, delta = fps * 1000, 1000
    duration = frames * delta
    mdat = _box(b"mdat", bytes(sample_size * frames))
    ftyp = _box(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41")

    def moov(chunk_offset):
        mvhd = _full(b"mvhd", 0, _u32s(0, 0, timescale, duration, 0x00010000) + b"\x01\x00" + bytes(10)
                     + MATRIX + bytes(24) + _u32s(2))
        tkhd = _full(b"tkhd", 3, _u32s(0, 0, 1, 0, duration) + bytes(16) + MATRIX
                     + _u32s(width << 16, height << 16))
        mdhd = _full(b"mdhd", 0, _u32s(0, 0, timescale, duration) + b"\x55\xc4\0\0")
        hdlr = _full(b"hdlr", 0, _u32s(0) + b"vide" + bytes(12) + b"VideoHandler\0")
        avcc = _box(b"avcC", bytes([1, 0x42, 0xC0, 0x1E, 0xFF, 0xE0, 0x00]))
        avc1 = _box(b"avc1", bytes(6) + b"\0\x01" + bytes(16) + struct.pack(">HH", width, height)
                    + _u32s(0x00480000, 0x00480000, 0) + b"\0\x01" + bytes(32) + b"\0\x18\xff\xff" + avcc)
        stsd = _full(b"stsd", 0, _u32s(1) + avc1)
        stts = _full(b"stts", 0, _u32s(1, frames, delta))
        stsc = _full(b"stsc", 0, _u32s(1, 1, frames, 1))
        stsz = _full(b"stsz", 0, _u32s(sample_size, frames))
        stco = _full(b"stco", 0, _u32s(1, chunk_offset))
        stbl = _box(b"stbl", stsd + stts + stsc + stsz + stco)
        vmhd = _full(b"vmhd", 1, bytes(8))
        dinf = _box(b"dinf", _full(b"dref", 0, _u32s(1) + _full(b"url ", 1, b"")))
        minf = _box(b"minf", vmhd + dinf + stbl)
        mdia = _box(b"mdia", mdhd + hdlr + minf)
        trak = _box(b"trak", tkhd + mdia)
        return _box(b"moov", mvhd + trak)

    moov_len = len(moov(0))
    return ftyp + moov(len(ftyp) + moov_len + 8) + mdat


# --- HTTP --------------------------------------------------------------------


class Api:
    """The api function under watch, over one keep-alive connection."""

    def __init__(self, base, key):
        url = urllib.parse.urlsplit(base)
        self.host, self.port, self.prefix = url.hostname, url.port, url.path.rstrip("/")
        self.key = key
        self.conn = None

    def call(self, method, path, body=None, auth=True):
        headers = {"accept": "application/json"}
        if auth:
            headers["authorization"] = f"Bearer {self.key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                started = time.perf_counter()
                self.conn.request(method, self.prefix + path, body=data, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                elapsed = time.perf_counter() - started
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw[:200].decode(errors="replace")
        return response.status, payload, elapsed * 1000


def no_redirect_get(url, headers=None):
    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(Keep)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=120) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def connect(creator):
    """Walk::connect (infra/demo/src/walk.rs): the oauth function's connect flow for one sandbox creator."""
    oauth = need("OAUTH_URL")
    status, _, body = no_redirect_get(
        f"{oauth}/connect/tiktok?return_to=http://localhost:3000/connected",
        {"authorization": f"Bearer {need('BENCH_API_KEY')}", "accept": "application/json"})
    if status != 200:
        fail(f"GET /connect/tiktok answered {status}")
    authorize = json.loads(body)["authorize_url"] + "&" + urllib.parse.urlencode({"sandbox_user": creator})
    _, headers, _ = no_redirect_get(authorize)
    status, headers, _ = no_redirect_get(headers["location"])
    back = urllib.parse.urlsplit(headers.get("location") or "")
    account = dict(urllib.parse.parse_qsl(back.query)).get("account_id")
    if not account:
        fail(f"the oauth callback for {creator} answered {status} without an account_id")
    return account


def ready_video(api, size_frames=150, sample=12_000):
    """A video declared, PUT through its presigned slot and checked READY; its media id."""
    data = mp4(1080, 1920, 30, size_frames, sample)
    status, slot, _ = api.call("POST", "/media", {"kind": "video", "content_type": "video/mp4",
                                                  "size_bytes": len(data)})
    if status != 201:
        fail(f"POST /media answered {status}: {slot}")
    upload = slot["upload"]
    headers = {k: v for k, v in upload.get("headers", {}).items() if k.lower() != "content-length"}
    req = urllib.request.Request(upload["url"], data=data, method=upload.get("method", "PUT"), headers=headers)
    with urllib.request.urlopen(req, timeout=120) as r:
        if r.status // 100 != 2:
            fail(f"the presigned PUT answered {r.status}")
    status, media, _ = api.call("GET", f"/media/{slot['media_id']}")
    if status != 200 or media.get("status") != "READY":
        fail(f"the video is not READY: {status} {media}")
    return slot["media_id"], len(data)


def rfc3339(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def post_body(account, media_id, at):
    return {"account_id": account, "kind": "video", "media_ids": [media_id], "privacy_level": "PUBLIC_TO_EVERYONE",
            "post_mode": "DIRECT_POST", "scheduled_at": rfc3339(at), "caption": "benchmark post #bench"}


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- 2. warm latency ---------------------------------------------------------


def warm_latency(api, floor, account, media_id, n):
    far = datetime.now(timezone.utc) + timedelta(days=2)
    status, created, _ = api.call("POST", "/posts", post_body(account, media_id, far))
    if status != 201:
        fail(f"POST /posts answered {status}: {created}")
    post_id = created["id"]
    routes = [
        # The floor: the console function's config.json, a handler that does
        # no I/O (three strings to JSON), under the same watch.
        ("floor: console GET config.json (no I/O)", "GET", "/console/config.json", None, 200, False, floor),
        ("GET /health (one DynamoDB read)", "GET", "/health", None, 200, False, api),
        ("POST /media", "POST", "/media", {"kind": "video", "content_type": "video/mp4", "size_bytes": 1_000_000},
         201, True, api),
        ("POST /posts", "POST", "/posts", None, 201, True, api),
        ("GET /posts/{id}", "GET", f"/posts/{post_id}", None, 200, True, api),
        ("GET /posts", "GET", "/posts", None, 200, True, api),
        ("GET /accounts", "GET", "/accounts", None, 200, True, api),
    ]
    out = []
    for name, method, path, body, expect, auth, client in routes:
        times, gateway_errors = [], 0
        for i in range(n + 5):
            if path == "/posts" and method == "POST":
                # Far ahead, a second apart: never due during the run.
                body = post_body(account, media_id, far + timedelta(seconds=i + 1))
            for _ in range(3):
                status, answer, ms = client.call(method, path, body, auth)
                # watch's own 500 (an RFC 7807 body, README "Local stack"): the local
                # gateway lost the function instance, not an answer of the api. Counted, retried.
                if status == 500 and isinstance(answer, dict) and str(answer.get("type", "")).startswith(
                        "https://httpstatuses.com/"):
                    gateway_errors += 1
                    continue
                break
            if status != expect:
                fail(f"{method} {path} answered {status} (expected {expect}): {answer}")
            if i >= 5:  # five warm-up requests first
                times.append(ms)
        row = {"route": name, "n": n, "p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99),
               "mean_ms": statistics.fmean(times), "max_ms": max(times), "gateway_errors": gateway_errors}
        out.append(row)
        print(f"  warm {name:<42} p50 {row['p50_ms']:7.2f} ms   p99 {row['p99_ms']:7.2f} ms", flush=True)
    return out


# --- publishing --------------------------------------------------------------


def wait_published(api, ids, patience):
    """Polls GET /posts/{id} until each is PUBLISHED with its TikTok post id; their views."""
    views, started = {}, time.time()
    while len(views) < len(ids):
        for post_id in ids:
            if post_id in views:
                continue
            status, view, _ = api.call("GET", f"/posts/{post_id}")
            if status != 200:
                fail(f"GET /posts/{post_id} answered {status}")
            if view["status"] == "PUBLISHED" and view.get("post_ids"):
                views[post_id] = view
            elif view["status"] in ("FAILED", "HELD", "CANCELLED", "NEEDS_ATTENTION", "INBOX_DELIVERED"):
                fail(f"post {post_id} ended {view['status']}: {view.get('status_reason')}")
        if time.time() - started > patience:
            fail(f"{len(ids) - len(views)} posts were not PUBLISHED within {patience} s")
        time.sleep(0.5)
    return views


def published_at(view):
    return max(parse_time(h["at"]) for h in view["history"] if h["to"] == "PUBLISHED")


def publish_latency(api, accounts, media_id, n):
    """n posts due in the minute after next (the production path: the tick before
    their minute queues them with DelaySeconds), a few seconds apart."""
    now = datetime.now(timezone.utc)
    minute = now.replace(second=0, microsecond=0) + timedelta(minutes=2)
    if (minute - now).total_seconds() < 75:
        minute += timedelta(minutes=1)
    due = {}
    for i in range(n):
        at = minute + timedelta(seconds=5 + i * 7)
        status, created, _ = api.call("POST", "/posts", post_body(accounts[i % len(accounts)], media_id, at))
        if status != 201:
            fail(f"POST /posts answered {status}: {created}")
        due[created["id"]] = at
    print(f"  publish: {n} posts due from {rfc3339(minute)} on {len(accounts)} accounts; waiting", flush=True)
    views = wait_published(api, list(due), patience=(minute - now).total_seconds() + 600)
    latencies = []
    for post_id, at in due.items():
        view = views[post_id]
        moves = {h["to"]: parse_time(h["at"]) for h in view["history"]}
        latencies.append({
            "due_to_published_s": (published_at(view) - at).total_seconds(),
            "due_to_publishing_s": (moves["PUBLISHING"] - at).total_seconds() if "PUBLISHING" in moves else None,
        })
    values = [x["due_to_published_s"] for x in latencies]
    row = {"n": n, "p50_s": percentile(values, 50), "p99_s": percentile(values, 99), "min_s": min(values),
           "max_s": max(values), "posts": latencies}
    print(f"  publish due → PUBLISHED  p50 {row['p50_s']:.1f} s   p99 {row['p99_s']:.1f} s (n={n})", flush=True)
    return row


# --- 5. AWS requests of one published post --------------------------------


class RequestLog:
    def __init__(self, path):
        self.path = path

    def mark(self):
        return os.path.getsize(self.path)

    def between(self, start, end):
        with open(self.path, "rb") as f:
            f.seek(start)
            lines = f.read(end - start).decode().splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def tally(entries):
    counts = {}
    for e in entries:
        if e["sdk"] == "probe" or e["service"] == "unsigned":
            continue  # the benchmark's own reads, moto's health probe
        who = {"rust": "function", "python": "event source"}.get(e["sdk"], "client")
        key = f"{e['service']} {e['op']} ({who})"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def sources(action, function=""):
    base = need("EVENT_SOURCES_URL")
    path = f"/{action}/{function}" if function else f"/{action}"
    req = urllib.request.Request(base + path, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=900) as r:
        return json.loads(r.read() or b"null")


def source_status():
    with urllib.request.urlopen(need("EVENT_SOURCES_URL") + "/status", timeout=30) as r:
        return {s["name"]: s for s in json.loads(r.read())["sources"]}


def item_size(item):
    """DynamoDB's item size: attribute names plus values (UTF-8 strings, numbers ~ digits/2 + 1)."""
    def value(v):
        (kind, x), = v.items()
        if kind in ("S",):
            return len(x.encode())
        if kind == "N":
            return len(x.lstrip("-").replace(".", "")) // 2 + 1
        if kind == "B":
            return len(x)
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "M":
            return 3 + sum(len(k.encode()) + value(i) for k, i in x.items())
        if kind == "L":
            return 3 + sum(1 + value(i) for i in x)
        if kind in ("SS",):
            return sum(len(s.encode()) for s in x)
        return len(json.dumps(x))
    return sum(len(k.encode()) + value(v) for k, v in item.items())


def webhook_deliveries():
    with urllib.request.urlopen(need("TIKTOK_SANDBOX_URL") + "/_sandbox/webhooks", timeout=30) as r:
        return [w for w in json.loads(r.read()).get("deliveries", []) if w.get("delivered")]


def invocation_ms(log_path, start, function):
    """The durations (ms) of `function`'s invocations the event sources logged after byte `start`."""
    with open(log_path, "rb") as f:
        f.seek(start)
        lines = f.read().decode(errors="replace").splitlines()
    out = []
    for line in lines:
        words = line.split()
        if any(w.startswith(f"{function}:") for w in words) and len(words) >= 2 and words[-1] == "ms":
            try:
                out.append(int(float(words[-2])))
            except ValueError:
                pass
    return out


def requests_per_post(api, account, log):
    """The AWS requests of one post, from media intake to PUBLISHED, each phase
    counted alone: the event sources are paused and the dispatcher ticked by
    hand, so nothing else runs in the window."""
    ddb = boto3.client("dynamodb", config=Config(user_agent_extra="bench-probe"))
    tenant, table = need("BENCH_TENANT"), need("TABLE_NAME")
    functions = sorted({s["function"] for s in source_status().values()})
    for fn in functions:
        sources("pause", fn)
    time.sleep(7)  # in-flight long polls (5 s) end

    m0 = log.mark()
    time.sleep(20)
    idle = tally(log.between(m0, log.mark()))

    m0 = log.mark()
    empty = sources("tick", "dispatcher")
    time.sleep(1)
    empty_tick = tally(log.between(m0, log.mark()))
    if any(t["outcome"] != "ok" for t in empty["ticks"]):
        fail(f"the empty dispatcher tick failed: {empty}")

    m0 = log.mark()
    media_id, media_bytes = ready_video(api)
    intake = tally(log.between(m0, log.mark()))

    m0 = log.mark()
    lead = int(E.get("SCHEDULE_MIN_LEAD_SECS", "60"))
    at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=lead + 3)
    status, created, _ = api.call("POST", "/posts", post_body(account, media_id, at))
    if status != 201:
        fail(f"POST /posts answered {status}: {created}")
    post_id = created["id"]
    create = tally(log.between(m0, log.mark()))

    time.sleep(max(0.0, (at - datetime.now(timezone.utc)).total_seconds()) + 1)
    m0 = log.mark()
    tick = sources("tick", "dispatcher")
    time.sleep(1)
    dispatch = tally(log.between(m0, log.mark()))
    if any(t["outcome"] != "ok" for t in tick["ticks"]):
        fail(f"the dispatcher tick failed: {tick}")

    before = source_status()
    hooks_before = len(webhook_deliveries())
    events_log = os.path.join(need("STACK_DIR"), "logs", "event-sources.log")
    e0 = os.path.getsize(events_log)
    m0 = log.mark()
    sources("resume", "publisher")
    key = {"pk": {"S": f"TENANT#{tenant}#POST#{post_id}"}, "sk": {"S": "POST"}}
    started = time.time()
    while True:
        item = ddb.get_item(TableName=table, Key=key).get("Item") or {}
        state = item.get("status", {}).get("S")
        if state == "PUBLISHED" and item.get("post_ids"):
            break
        if state in ("FAILED", "HELD", "CANCELLED", "NEEDS_ATTENTION"):
            fail(f"the counted post ended {state}")
        if time.time() - started > 300:
            fail(f"the counted post was not PUBLISHED within 300 s (status {state})")
        time.sleep(1)
    published_after = time.time() - started
    time.sleep(5)  # the sandbox's remaining webhooks for it are answered
    sources("pause", "publisher")
    time.sleep(7)
    publish = tally(log.between(m0, log.mark()))
    after = source_status()
    hooks = len(webhook_deliveries()) - hooks_before
    publisher_ms = invocation_ms(events_log, e0, "publisher")
    for fn in functions:
        sources("resume", fn)

    invocations = {name: after[name]["invocations"] - before[name]["invocations"]
                   for name in after if after[name]["function"] == "publisher"}
    result = {"post_item_bytes": item_size(item), "media_bytes": media_bytes, "idle_20s": idle,
              "empty_tick": empty_tick, "intake": intake, "create": create, "dispatch_tick_with_post": dispatch,
              "publish": publish, "publisher_invocations": sum(invocations.values()),
              "publisher_invocation_ms": publisher_ms, "webhook_deliveries": hooks,
              "published_after_s": published_after}
    print(f"  requests: counted one post from intake to PUBLISHED ({result['post_item_bytes']} B item, "
          f"{result['publisher_invocations']} publisher invocations, {hooks} webhooks)", flush=True)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    api = Api(need("API_URL"), need("BENCH_API_KEY"))
    log = RequestLog(need("MOTO_REQUEST_LOG"))
    n = int(E.get("BENCH_LATENCY_N", "200"))
    publishes = int(E.get("BENCH_PUBLISH_N", "6"))

    accounts = [connect(f"pool_{i}") for i in range(21, 25)]
    print(f"  {len(accounts)} sandbox creators connected through the oauth function", flush=True)
    media_id, _ = ready_video(api)
    # CONSOLE_URL is .../lambda-url/console/console/: the function's prefix, then its route.
    floor = Api(need("CONSOLE_URL").rstrip("/").rsplit("/", 1)[0], "")
    result = {"warm": warm_latency(api, floor, accounts[0], media_id, n)}
    result["publish"] = publish_latency(api, accounts, media_id, publishes)
    result["requests"] = requests_per_post(api, accounts[1], log)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
