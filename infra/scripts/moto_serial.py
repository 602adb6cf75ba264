"""moto's server, answering one request at a time, on loopback.

moto's TransactWriteItems snapshots whole tables and restores the snapshot when a
transaction fails a condition, which silently undoes writes that other threads made
meanwhile. Real DynamoDB does no such thing; serving requests one at a time keeps the
emulator faithful when many tests (or a busy `make run`) write at once.

Usage: python moto_serial.py PORT
"""
import copy
import sys

from werkzeug.serving import run_simple

from moto.dynamodb.models.table import StreamShard
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def _snapshot_shard(self, memo):
    """The transaction snapshot deep-copies every table a transaction touches, its
    stream's records included, so each transaction got slower with every write ever
    made. A record never changes once written: copying the list is as good a
    snapshot, and the stream still loses what a failed transaction wrote."""
    clone = copy.copy(self)
    memo[id(self)] = clone
    clone.table = memo.get(id(self.table), self.table)
    clone.items = list(self.items)
    return clone


StreamShard.__deepcopy__ = _snapshot_shard


def main() -> None:
    port = int(sys.argv[1])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, app, threaded=False, use_reloader=False)


if __name__ == "__main__":
    main()
