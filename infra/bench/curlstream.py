#!/usr/bin/env python3
"""The baseline beside the publisher's `stream` bench: the same bytes between
the same two servers with curl. An object of STREAM_BENCH_MIB (1024) MiB is
written to the stack's bucket (moto) with the stream bench's byte pattern;
a sandbox creator's token (the sandbox's OAuth flow) inits an inbox video
with the production chunk plan (tiktok::plan_chunks: 10 MiB chunks, the last
one absorbing the remainder); then, per chunk, `curl -r FIRST-LAST <presigned
GET>` is piped into `curl -T - <upload_url>` with the chunk's Content-Range
and Content-Length — two processes streaming through a pipe, nothing
buffered whole. Prints MB/s and each curl's peak RSS (VmHWM sampled while
it runs), and checks the sandbox's ledger holds every byte (SHA-256).

No token is printed or written anywhere.

Usage: curlstream.py --out FILE   (the stack's env file exported)
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import boto3
from botocore.config import Config

MIB = 1024 * 1024
PART = 64 * MIB
CHUNK = 10 * MIB  # tiktok::chunks::DEFAULT_CHUNK_SIZE
MAX_CHUNK = 64 * MIB
PATTERN = bytes(range(251)) * (PART // 251 + 2)


def fail(message):
    raise SystemExit(f"curlstream: {message}")


def part_bytes(index, length):
    """The stream bench's bytes: offset % 251, so a shifted range changes the hash."""
    start = (index * PART) % 251
    return PATTERN[start:start + length]


def plan(size):
    """tiktok::plan_chunks for sizes over 64 MiB: (chunk_size, count); the last chunk takes the rest."""
    count = size // CHUNK
    if count <= 1:
        if size <= MAX_CHUNK:
            return size, 1
        return size // 2, 2
    return CHUNK, count


def sandbox_token(sandbox, creator):
    """The sandbox's OAuth code flow for one creator (no PKCE: the sandbox makes it optional)."""
    redirect = "https://app.example/callback"
    query = urllib.parse.urlencode({
        "client_key": os.environ["TIKTOK_CLIENT_KEY"], "redirect_uri": redirect, "response_type": "code",
        "scope": "user.info.basic,video.publish,video.upload", "state": "bench", "sandbox_user": creator})

    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(Keep).open(f"{sandbox}/v2/auth/authorize/?{query}", timeout=30)
        fail("the sandbox's authorize did not redirect")
    except urllib.error.HTTPError as e:
        location = e.headers["location"]
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query)).get("code")
    if not code:
        fail("the sandbox's authorize gave no code")
    form = urllib.parse.urlencode({
        "client_key": os.environ["TIKTOK_CLIENT_KEY"], "client_secret": os.environ["TIKTOK_CLIENT_SECRET"],
        "code": code, "grant_type": "authorization_code", "redirect_uri": redirect}).encode()
    with urllib.request.urlopen(f"{sandbox}/v2/oauth/token/", data=form, timeout=30) as r:
        return json.loads(r.read())["access_token"]


def inbox_init(sandbox, token, size, chunk, count):
    body = json.dumps({"source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk,
                                       "total_chunk_count": count}}).encode()
    req = urllib.request.Request(f"{sandbox}/v2/post/publish/inbox/video/init/", data=body, method="POST",
                                 headers={"authorization": f"Bearer {token}",
                                          "content-type": "application/json; charset=UTF-8"})
    with urllib.request.urlopen(req, timeout=30) as r:
        data = json.loads(r.read())["data"]
    return data["publish_id"], data["upload_url"]


def vm_hwm_kib(pid):
    """A live process's peak RSS (VmHWM of its own image, not of the forking Python)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmHWM:")), 0)
    except (OSError, ValueError):
        return 0


def put_chunk(get_url, upload_url, first, last, total):
    """curl GET (range) | curl PUT; the status and each curl's peak RSS in KiB.

    The peak is sampled from /proc while the two run (VmHWM only grows, and a
    curl reaches its buffers' size at once): wait4's ru_maxrss would count the
    forking Python's memory, inherited until exec."""
    getter = subprocess.Popen(["curl", "-sS", "--fail", "-r", f"{first}-{last}", get_url],
                              stdout=subprocess.PIPE)
    putter = subprocess.Popen(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", "-", "-X", "PUT",
         "-H", "Content-Type: video/mp4", "-H", f"Content-Range: bytes {first}-{last}/{total}",
         "-H", f"Content-Length: {last - first + 1}", "-H", "Transfer-Encoding:", upload_url],
        stdin=getter.stdout, stdout=subprocess.PIPE)
    getter.stdout.close()
    peaks = {"get": 0, "put": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            peaks["get"] = max(peaks["get"], vm_hwm_kib(getter.pid))
            peaks["put"] = max(peaks["put"], vm_hwm_kib(putter.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    status = putter.stdout.read().decode().strip()
    put_status, get_status = putter.wait(), getter.wait()
    done.set()
    sampler.join()
    if get_status != 0 or put_status != 0 or status not in ("201", "206"):
        fail(f"chunk {first}-{last}: curl GET exit {get_status}, curl PUT exit {put_status}, HTTP {status}")
    return peaks["get"], peaks["put"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    size = int(os.environ.get("STREAM_BENCH_MIB", "1024")) * MIB
    sandbox, bucket = os.environ["TIKTOK_SANDBOX_URL"], os.environ["MEDIA_BUCKET"]
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}, user_agent_extra="bench-probe"))
    key = f"bench/curlstream-{int(time.time())}.mp4"

    started = time.time()
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    digest, parts = hashlib.sha256(), []
    for n, first in enumerate(range(0, size, PART)):
        data = part_bytes(n, min(PART, size - first))
        digest.update(data)
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n + 1, Body=data)["ETag"]
        parts.append({"PartNumber": n + 1, "ETag": etag})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    expected = digest.hexdigest()
    print(f"  curl: seeded {size // MIB} MiB in moto in {time.time() - started:.1f} s", flush=True)

    token = sandbox_token(sandbox, "pool_38")
    chunk, count = plan(size)
    publish_id, upload_url = inbox_init(sandbox, token, size, chunk, count)
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600)

    peak_get = peak_put = 0
    started = time.time()
    for i in range(count):
        first = i * chunk
        last = size - 1 if i == count - 1 else first + chunk - 1
        g, p = put_chunk(get_url, upload_url, first, last, size)
        peak_get, peak_put = max(peak_get, g), max(peak_put, p)
    elapsed = time.time() - started

    entry = None
    for _ in range(120):
        with urllib.request.urlopen(f"{sandbox}/_sandbox/ledger", timeout=30) as r:
            ledger = json.loads(r.read())
        entry = next((p for p in ledger.get("posts", []) if p.get("publish_id") == publish_id), None)
        if entry:
            break
        time.sleep(0.5)
    if not entry:
        fail("the sandbox's ledger has no entry for the curl upload after 60 s")
    ok = entry.get("bytes_received") == size and entry.get("content_sha256") == expected
    s3.delete_object(Bucket=bucket, Key=key)
    result = {"mib": size // MIB, "chunks": count, "chunk_mib": chunk / MIB, "seconds": elapsed,
              "mb_per_s": size / 1e6 / elapsed, "peak_rss_get_mib": peak_get / 1024,
              "peak_rss_put_mib": peak_put / 1024, "ledger_matches": ok}
    print(f"  curl: streamed {size // MIB} MiB in {count} chunks in {elapsed:.1f} s: {result['mb_per_s']:.1f} MB/s; "
          f"peak RSS curl GET {peak_get / 1024:.1f} MiB, curl PUT {peak_put / 1024:.1f} MiB; "
          f"ledger {'matches' if ok else 'DIFFERS'}", flush=True)
    if not ok:
        fail("the sandbox's ledger does not hold exactly the object's bytes")
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
