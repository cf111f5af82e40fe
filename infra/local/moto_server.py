#!/usr/bin/env python3
"""moto's server, with DynamoDB requests handled one at a time.

moto's DynamoDB backend is not thread-safe: TransactWriteItems deep-copies a
table for rollback while other request threads write to it, and fails with
"dictionary changed size during iteration" (HTTP 500) under parallel tests.
DynamoDB requests are therefore serialised; every other service (SQS long
polls included) stays concurrent.

moto's SQS also reads every attribute of a queue, the message counts
included (each a pass over every message), on every SendMessage just to learn
whether content-based deduplication is on: sending n messages costs O(n^2),
and a queue of 10,000 messages (the dispatch benchmark) never fills. That one
attribute is answered without the counts; every other read is unchanged.

With MOTO_REQUEST_LOG set to a file path (the benchmarks set it; off by
default), one JSON line per request is appended to it: time, service,
operation and the calling SDK (never a body, key or header value beyond
those): infra/bench counts the AWS requests of a published post from it.

Usage: moto_server.py HOST PORT
"""

import json
import os
import re
import sys
import threading
import time
from collections.abc import Mapping
from urllib.parse import unquote

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.sqs.models import Queue

_all_queue_attributes = Queue.attributes.fget


class QueueAttributes(Mapping):
    """A queue's attributes, as moto's own property gives them, computed
    only when a caller reads more than the deduplication switch."""

    def __init__(self, queue):
        self.queue = queue
        self.full = None

    def _all(self):
        if self.full is None:
            self.full = _all_queue_attributes(self.queue)
        return self.full

    def __getitem__(self, name):
        if name == "ContentBasedDeduplication":
            # Only FIFO queues carry it; booleans read as "true"/"false".
            if not self.queue.fifo_queue:
                raise KeyError(name)
            value = self.queue.content_based_deduplication
            return str(value).lower() if isinstance(value, bool) else value
        return self._all()[name]

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())


Queue.attributes = property(QueueAttributes)


class SerializeDynamoDB:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with self.lock:
                # Drain the response inside the lock: WSGI bodies may be lazy.
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


class RequestLog:
    """Appends (time, service, operation, sdk) per request to a file."""

    SCOPE = re.compile(r"/[0-9]{8}/[a-z0-9-]+/([a-z0-9-]+)/aws4_request")

    def __init__(self, app, path):
        self.app = app
        self.file = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        # The SigV4 credential scope names the service (header, or a presigned URL's query).
        signed = environ.get("HTTP_AUTHORIZATION", "") + " " + unquote(environ.get("QUERY_STRING", ""))
        scope = self.SCOPE.search(signed)
        service = scope.group(1) if scope else "unsigned"
        if "." in target:
            operation = target.rsplit(".", 1)[1]
        else:
            # REST (S3): the method, object or bucket, and the sub-resource.
            path = environ.get("PATH_INFO", "/").strip("/")
            query = environ.get("QUERY_STRING", "")
            what = "object" if "/" in path else ("bucket" if path else "service")
            sub = next((q for q in ("uploads", "partNumber", "uploadId", "list-type") if q in query), "")
            ranged = " range" if environ.get("HTTP_RANGE") else ""
            operation = f"{environ.get('REQUEST_METHOD', '?')} {what}{ranged}{' ' + sub if sub else ''}"
        agent = environ.get("HTTP_USER_AGENT", "") + " " + environ.get("HTTP_X_AMZ_USER_AGENT", "")
        sdk = ("probe" if "bench-probe" in agent else "rust" if "aws-sdk-rust" in agent
               else "python" if "Botocore" in agent else "other")
        line = json.dumps({"t": round(time.time(), 3), "service": service, "op": operation, "sdk": sdk})
        with self.lock:
            self.file.write(line + "\n")
        return self.app(environ, start_response)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    wsgi = SerializeDynamoDB(app)
    if os.environ.get("MOTO_REQUEST_LOG"):
        wsgi = RequestLog(wsgi, os.environ["MOTO_REQUEST_LOG"])
    run_simple(host, port, wsgi, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
