#!/usr/bin/env python3
"""The Python side of the cold-start benchmark: what a boto3 Lambda handler of
one of our functions does at init, then the Lambda Runtime API loop.

`py_function.py FUNCTION` imports boto3, reads the configuration the function
reads (the stack variables), builds the same AWS clients the Rust function
builds (shared::aws::Aws per function), reads the app secret where the Rust
function reads it at init (api, hashtags, webhooks), builds an HTTP client
pool for TikTok, then polls GET /2018-06-01/runtime/invocation/next. The
benchmark's stub records when that first poll arrives. No handler logic: the
benchmark ends at the first poll.
"""

import json
import os
import ssl
import sys
import urllib.request

import boto3
import urllib3

# The clients each Rust function builds at init (functions/*/src/{main,lib}.rs).
CLIENTS = {
    "api": ["dynamodb", "secretsmanager", "s3"],
    "oauth": ["dynamodb", "secretsmanager"],
    "hashtags": ["dynamodb", "secretsmanager"],
    "webhooks": ["dynamodb", "secretsmanager"],
    "token-refresher": ["dynamodb", "secretsmanager"],
    "publisher": ["dynamodb", "secretsmanager", "s3", "sqs"],
    "dispatcher": ["dynamodb", "sqs"],
    # The console builds no client: its files and settings are in the binary.
    "console": [],
}
# Read the app secret at init, as the Rust function does (a bad secret stops it there).
READS_SECRET = {"api", "hashtags", "webhooks"}
# Every function but the dispatcher builds a TikTok client (a pooled HTTPS client).
TIKTOK = {"api", "oauth", "hashtags", "webhooks", "token-refresher", "publisher"}


def init(function):
    env = os.environ
    missing = [v for v in ("TABLE_NAME", "MEDIA_BUCKET", "PUBLISH_QUEUE_URL", "APP_SECRET_ID") if not env.get(v)]
    if missing:
        sys.exit(f"configuration: missing {', '.join(missing)}")
    session = boto3.session.Session()
    endpoint = env.get("AWS_ENDPOINT_URL")
    clients = {}
    for name in CLIENTS[function]:
        config = None
        if name == "s3" and endpoint:
            config = boto3.session.Config(s3={"addressing_style": "path"})
        clients[name] = session.client(name, endpoint_url=endpoint, config=config)
    if function in READS_SECRET:
        secret = clients["secretsmanager"].get_secret_value(SecretId=env["APP_SECRET_ID"])
        json.loads(secret["SecretString"])
    if function in TIKTOK:
        # The Rust client builds its TLS configuration (root certificates) at init too.
        clients["tiktok"] = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=15), ssl_context=ssl.create_default_context())
    return clients


def main():
    function = sys.argv[1]
    deps = init(function)
    api = os.environ["AWS_LAMBDA_RUNTIME_API"]
    while True:
        with urllib.request.urlopen(f"http://{api}/2018-06-01/runtime/invocation/next") as r:
            request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
            r.read()
        body = json.dumps({"ok": bool(deps)}).encode()
        urllib.request.urlopen(urllib.request.Request(
            f"http://{api}/2018-06-01/runtime/invocation/{request_id}/response", data=body, method="POST"))


if __name__ == "__main__":
    main()
