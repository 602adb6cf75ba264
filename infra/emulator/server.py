"""The local AWS emulator: moto's server (DynamoDB, DynamoDB Streams, S3, SES, SQS) on
loopback, patched where Campus depends on DynamoDB behaving as it does in AWS.

Each patch is a module here, with the reason for it at its top:
- tracking.py      only what a backend still holds is kept (memory);
- keyindex.py      a Query reads its key range, not the whole table;
- transactions.py  TransactWriteItems judges every condition, then writes, with no
                   table snapshot; ClientRequestToken honoured for 10 minutes;
- streams.py       stream records kept 24 hours, iterators valid 15 minutes;
- ttl.py           expired items deleted, with the REMOVE record AWS writes;
- wire.py          item operations answered with plain JSON (speed).

Requests are handled one at a time (under one lock, shared with the TTL sweeper), as
moto's models are not safe to change from several threads at once; connections are
served by threads, so a client's idle keep-alive connection holds up nobody.

Usage: python server.py PORT
"""

from __future__ import annotations

import logging
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tracking  # noqa: E402  (before any moto model is made)

tracking.install()

from werkzeug.serving import run_simple  # noqa: E402

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402

import keyindex  # noqa: E402
import streams  # noqa: E402
import transactions  # noqa: E402
import ttl  # noqa: E402
import wire  # noqa: E402


class OneAtATime:
    """Runs the app for one request at a time, its whole answer read under the lock."""

    def __init__(self, app, lock: threading.Lock):
        self.app = app
        self.lock = lock

    def __call__(self, environ, start_response):
        with self.lock:
            body = self.app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()


def main() -> None:
    port = int(sys.argv[1])
    keyindex.install()
    transactions.install()
    streams.install()
    wire.install()
    # A log line per request cost a sixth of the emulator's time and filled the disk.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    lock = threading.Lock()
    ttl.start(lock)
    app = OneAtATime(DomainDispatcherApplication(create_backend_app), lock)
    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
