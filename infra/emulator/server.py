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

import io
import json
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


STATS_PATH = "/_campus/stats"


class OneAtATime:
    """Runs the app for one request at a time, its whole answer read under the lock
    (the request's body is read before it, so a slow upload holds up nobody)."""

    def __init__(self, app, lock: threading.Lock):
        self.app = app
        self.lock = lock

    def __call__(self, environ, start_response):
        stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH") or ""
        if environ.get("wsgi.input_terminated"):  # chunked: read to its end
            body = stream.read()
        elif length.isdigit():
            body = stream.read(int(length))
        else:  # no body; reading the socket on would wait for the client
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        with self.lock:
            if environ.get("PATH_INFO") == STATS_PATH:
                start_response("200 OK", [("Content-Type", "application/json")])
                return [json.dumps(stats()).encode()]
            answer = self.app(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()


def stats() -> dict:
    """What the emulator holds (`GET /_campus/stats`, read by `make load`): items and
    stream records per table, and the other state kept for a while."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends
    from moto.ses.models import ses_backends

    tables = {}
    for table in ttl._tables():
        count = sum(len(p) for p in table.items.values()) if table.range_key_attr else len(table.items)
        shard = table.stream_shard
        tables[table.name] = {"items": count, "stream_records": len(shard.items) if shard else 0}

    def each(backends):
        for account in list(backends.values()):
            yield from list(account.values())

    from moto.dynamodb.models import dynamodb_backends

    return {
        "tables": tables,
        "items": sum(t["items"] for t in tables.values()),
        "stream_records": sum(t["stream_records"] for t in tables.values()),
        "transaction_tokens": sum(len(b.__dict__.get("_campus_tokens", ())) for b in each(dynamodb_backends)),
        "shard_iterators": sum(len(b.__dict__.get("_campus_iterators", ())) for b in each(dynamodbstreams_backends)),
        "ses_messages": sum(len(b.sent_messages) for b in each(ses_backends)),
    }


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
