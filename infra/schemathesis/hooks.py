"""Schemathesis hooks for `make schemathesis` (infra/schemathesis/run.sh).

One extra check: every answer carries `x-request-id` and the security
headers with their fixed values (`shared::http_surface::SECURITY_HEADERS`;
`cache-control` is present, its value may be relaxed by a cacheable answer).
One filter: a body that is not UTF-8 is not sent through the local gateway,
which answers it with its own 500 before any function sees it (API Gateway
passes such a body base64-encoded; the function's answer to it, a 400, is
the api test `a_body_that_is_not_utf8_is_a_400_on_every_body_route`).
"""

import schemathesis

# Kept equal to shared/src/http_surface.rs SECURITY_HEADERS (checked by
# infra/schemathesis/test_hooks.py against the Rust source).
SECURITY_HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cache-control": None,
}


def missing_surface_headers(headers):
    """The names of the surface headers missing or wrong in `headers`
    (a mapping of lower-case names to lists of values)."""
    wrong = []
    if not headers.get("x-request-id"):
        wrong.append("x-request-id")
    for name, value in SECURITY_HEADERS.items():
        got = headers.get(name)
        if not got or (value is not None and got[0] != value):
            wrong.append(name)
    return wrong


@schemathesis.check
def security_headers(ctx, response, case):
    headers = {k.lower(): v for k, v in response.headers.items()}
    wrong = missing_surface_headers(headers)
    assert not wrong, "missing or not as the surface sets them: " + ", ".join(wrong)
    return None


@schemathesis.hook
def filter_case(context, case):
    body = case.body
    if isinstance(body, (bytes, bytearray)):
        try:
            bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True
