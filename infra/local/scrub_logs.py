#!/usr/bin/env python3
"""The log-scrubbing check: no secret appears in any log line of any function.

Runs after `make test` (and `make demo`) while the local stack is still up, over
the logs of every function served by `cargo lambda watch` and of the event
sources. It gathers every secret the run handled:

- from the TikTok sandbox (`GET /_sandbox/credentials`): every authorization
  code, access, refresh and client token it issued and every PKCE verifier it
  was shown;
- from Secrets Manager (moto): each app secret's `client_secret`, every
  token-encryption key of its key ring (as stored, base64) and the optional
  summary API key — the stack's and those tests create for themselves;
- from every table: each post's caption, title and description (short texts,
  under MIN_TEXT characters, would match ordinary words and are left out);
- by their shape: whole tenant API keys (`tk_{prefix}_{secret}`; the prefix
  alone may be logged, it is the key's public id).

and fails naming the kind of secret, the file and the line, never the secret
itself. A run that handled no token and no caption has proven nothing: that
fails too, unless --allow-empty says the run was not meant to publish.

    scrub_logs.py --env-file .local/stack.env LOG...
"""

import argparse
import json
import os
import re
import sys
import urllib.request

# Texts shorter than this are words any log may contain ("test", "hello").
MIN_TEXT = 12

# A whole API key: `tk_`, a 12-character prefix, `_`, a secret of 40 or more.
API_KEY = re.compile(r"tk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{40,}")

# The post fields that hold the tenant's text.
TEXT_FIELDS = ("caption", "description", "title")


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            env[key] = value.strip('"')
    return env


def app_secret_values(secret):
    """(kind, value) of every secret in the app secret's JSON."""
    out = []
    if secret.get("client_secret"):
        out.append(("client secret", secret["client_secret"]))
    for key_id, key in (secret.get("keys") or {}).items():
        out.append((f"token key {key_id}", key))
    if secret.get("narrative_api_key"):
        out.append(("summary API key", secret["narrative_api_key"]))
    return out


def texts_of(item):
    """Every caption, title and description in a table item (any depth)."""
    found = []
    if isinstance(item, dict):
        for key, value in item.items():
            if key in TEXT_FIELDS and isinstance(value, str):
                found.append(value)
            else:
                found.extend(texts_of(value))
    elif isinstance(item, list):
        for value in item:
            found.extend(texts_of(value))
    return found


def secrets_from(credentials, app_secrets, items):
    """Every (kind, value) to look for: sandbox credentials, the app secrets,
    the posts' texts."""
    out = []
    for kind, values in credentials.items():
        out.extend((kind.replace("_", " "), v) for v in values if v)
    for secret in app_secrets:
        out.extend(app_secret_values(secret))
    texts = {t.strip() for item in items for t in texts_of(item)}
    out.extend(("caption", t) for t in sorted(texts) if len(t) >= MIN_TEXT)
    return out


def scan(logs, secrets):
    """Findings as (file, line number, kind): one per secret kind per line."""
    findings = []
    for name, text in logs:
        lines = text.splitlines()
        for kind, value in secrets:
            start = 0
            while (at := text.find(value, start)) >= 0:
                findings.append((name, text.count("\n", 0, at) + 1, kind))
                start = at + len(value)
        for number, line in enumerate(lines, 1):
            if API_KEY.search(line):
                findings.append((name, number, "API key"))
    return sorted(set(findings))


def summary(secrets):
    counts = {}
    for kind, _ in secrets:
        kind = "token key" if kind.startswith("token key") else kind
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def client(env, service):
    import boto3  # noqa: PLC0415  (the venv's; only the live check needs it)

    return boto3.client(service, endpoint_url=env["MOTO_URL"], region_name=env["AWS_REGION"],
                        aws_access_key_id="test", aws_secret_access_key="test")


def table_items(env):
    """Every item of every table on the stack: the stack's own and the ones
    the tests create for themselves."""
    from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415

    dynamodb, plain = client(env, "dynamodb"), TypeDeserializer()
    for table in dynamodb.list_tables()["TableNames"]:
        try:
            for page in dynamodb.get_paginator("scan").paginate(TableName=table):
                for item in page["Items"]:
                    yield {k: plain.deserialize(v) for k, v in item.items()}
        except dynamodb.exceptions.ResourceNotFoundException:
            continue  # a test's table, deleted while we read


def app_secrets(env):
    """Every JSON secret on the stack: the app secret and the tests' own."""
    secrets = client(env, "secretsmanager")
    for page in secrets.get_paginator("list_secrets").paginate():
        for entry in page["SecretList"]:
            try:
                text = secrets.get_secret_value(SecretId=entry["ARN"])["SecretString"]
                value = json.loads(text)
            except (secrets.exceptions.ResourceNotFoundException, KeyError, ValueError):
                continue
            if isinstance(value, dict):
                yield value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", required=True)
    parser.add_argument("--allow-empty", action="store_true",
                        help="pass a run that handled no TikTok token or caption")
    parser.add_argument("logs", nargs="+")
    args = parser.parse_args(argv)

    env = read_env(args.env_file)
    credentials = fetch_json(env["TIKTOK_SANDBOX_URL"] + "/_sandbox/credentials")["credentials"]
    secrets = secrets_from(credentials, list(app_secrets(env)), list(table_items(env)))
    logs = []
    for path in args.logs:
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                logs.append((path, f.read()))
    lines = sum(text.count("\n") for _, text in logs)
    print(f"[scrub] {lines} log lines in {len(logs)} files against {len(secrets)} secrets: {summary(secrets)}")

    kinds = {kind for kind, _ in secrets}
    if not args.allow_empty and not ({"access token", "caption"} <= kinds):
        print("[scrub] the run handled no access token or no caption: nothing was proven", file=sys.stderr)
        return 2
    findings = scan(logs, secrets)
    for name, number, kind in findings:
        print(f"[scrub] {name}:{number}: {kind} in a log line", file=sys.stderr)
    if findings:
        print(f"[scrub] FAILED: {len(findings)} log lines carry a secret", file=sys.stderr)
        return 1
    print("[scrub] no secret in any log line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
