"""Time to live, emulated: items past their TTL attribute are deleted by a sweeper.

Why: moto accepts a table's TTL setting and never deletes anything, so rate-limit
windows, idempotency records, sessions and connections piled up for as long as the
emulator ran. DynamoDB deletes an expired item some time after its expiry (within
days, typically minutes) and writes a REMOVE stream record whose `userIdentity` is
the DynamoDB service; Campus's readers already treat an item past its `ttl` as
absent, so the delay is harmless and deletion only bounds what is kept.

The sweeper pops the heap of expiry times that `keyindex` keeps, so a sweep costs
what it deletes, not the table's size. It runs every `EMULATOR_TTL_SWEEP_SECONDS`
(1), under the server's lock, and also trims stream records past their retention.
"""

from __future__ import annotations

import heapq
import os
import threading
import time

from moto.dynamodb.models import dynamodb_backends

import streams
from keyindex import _current, _part, index_of

SWEEP_SECONDS = float(os.environ.get("EMULATOR_TTL_SWEEP_SECONDS", "1"))
# Deletions per hold of the server's lock, so a backlog does not stall requests.
BATCH = 500
# DynamoDB's TTL leaves alone an item whose expiry is more than five years past (an
# attribute that holds something else than an expiry, say).
HORIZON = 5 * 365 * 24 * 3600


def _tables():
    for account in list(dynamodb_backends.values()):
        for backend in list(account.values()):
            yield from list(backend.tables.values())


def sweep(now: float | None = None, limit: int | None = None) -> int:
    """Deletes the items whose TTL has passed (at most `limit`); how many."""
    now = time.time() if now is None else now
    deleted = 0
    for table in _tables():
        if limit is not None and deleted >= limit:
            break
        if table.stream_shard is not None:
            table.stream_shard.trim(now)
        if not table.ttl or table.ttl.get("TimeToLiveStatus") != "ENABLED":
            continue
        ix = index_of(table)
        while ix.expiry_heap and ix.expiry_heap[0][0] <= now:
            if limit is not None and deleted >= limit:
                break
            at, _, key, hash_key, range_key = heapq.heappop(ix.expiry_heap)
            # A stale entry: the item was deleted, or given another expiry since.
            if ix.expiry.get(key) != at or at < now - HORIZON:
                continue
            item = _current(table, hash_key, range_key)
            if item is None or (_part(item.hash_key), _part(item.range_key)) != key:
                continue
            with streams.by_service(table.stream_shard):
                table.delete_item(hash_key, range_key)
            deleted += 1
    return deleted


def start(lock: threading.Lock) -> None:
    def run() -> None:
        while True:
            time.sleep(SWEEP_SECONDS)
            more = True
            while more:
                with lock:
                    try:
                        more = sweep(limit=BATCH) >= BATCH
                    except Exception as e:  # a sweep must never stop the emulator
                        print(f"emulator: TTL sweep failed: {e!r}", flush=True)
                        more = False

    threading.Thread(target=run, name="ttl-sweeper", daemon=True).start()
