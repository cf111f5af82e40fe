#!/usr/bin/env python3
"""moto's server, with DynamoDB requests handled one at a time.

moto's DynamoDB backend is not thread-safe: TransactWriteItems deep-copies a
table for rollback while other request threads write to it, and fails with
"dictionary changed size during iteration" (HTTP 500) under parallel tests.
DynamoDB requests are therefore serialised; every other service (SQS long
polls included) stays concurrent.

Usage: moto_server.py HOST PORT
"""

import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


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


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    run_simple(host, port, SerializeDynamoDB(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
