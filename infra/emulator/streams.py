"""DynamoDB Streams with AWS's lifetimes: records kept 24 hours, shard iterators
valid 15 minutes, and nothing kept beyond either.

Why, in moto 5.2.5:
- a shard kept every record ever written, and every GetRecords call stored a new
  shard iterator (472 random bytes, holding the shard) in a dict that was never
  emptied: both grew without end;
- sequence numbers were positions in the record list, so nothing could be dropped.

Now a record carries its own sequence number (they only grow), records older than
`EMULATOR_STREAM_RETENTION_SECONDS` (86400) are trimmed, an iterator older than
`EMULATOR_ITERATOR_SECONDS` (900) answers ExpiredIteratorException, and one pointing
before the oldest record answers TrimmedDataAccessException, as in AWS. A reader that
meets either gets a fresh iterator by the sequence number it had reached.

TTL deletions (`ttl.py`) are written as AWS writes them: a REMOVE whose
`userIdentity` is the DynamoDB service.
"""

from __future__ import annotations

import base64
import bisect
import json
import os
import time
import zlib
from collections import OrderedDict
from typing import Any

from moto.dynamodb.exceptions import DynamodbException
from moto.core.utils import utcfromtimestamp
from moto.dynamodb.models.table import StreamRecord, StreamShard
from moto.dynamodbstreams.models import DynamoDBStreamsBackend

RETENTION_SECONDS = float(os.environ.get("EMULATOR_STREAM_RETENTION_SECONDS", "86400"))
ITERATOR_SECONDS = float(os.environ.get("EMULATOR_ITERATOR_SECONDS", "900"))

_PREFIX = "com.amazonaws.dynamodb.v20120810#"
# As the Streams API spells it (Lambda events spell it principalId / type).
TTL_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}


class ExpiredIterator(DynamodbException):
    def __init__(self) -> None:
        super().__init__(_PREFIX + "ExpiredIteratorException", "Iterator expired")


class TrimmedDataAccess(DynamodbException):
    def __init__(self) -> None:
        super().__init__(
            _PREFIX + "TrimmedDataAccessException",
            "The operation attempted to read past the oldest stream record in a shard",
        )


class InvalidIterator(DynamodbException):
    def __init__(self) -> None:
        super().__init__(_PREFIX + "ValidationException", "Invalid ShardIterator")


# --- The shard ------------------------------------------------------------------------

def _state(shard: StreamShard) -> dict[str, Any]:
    st = shard.__dict__.get("_campus")
    if st is None:
        # seqs[i] and times[i] belong to shard.items[i]
        st = {"next": shard.starting_sequence_number + len(shard.items),
              "seqs": [shard.starting_sequence_number + i for i in range(len(shard.items))],
              "times": [time.time()] * len(shard.items),
              "by_service": False}
        shard.__dict__["_campus"] = st
    return st


def _add(self: StreamShard, old, new) -> None:
    st = _state(self)
    kind = self.table.stream_specification["StreamViewType"]
    name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    record = StreamRecord(self.table, kind, name, old, new, st["next"]).record
    if st["by_service"] and name == "REMOVE":
        record["userIdentity"] = dict(TTL_IDENTITY)
    # Kept as compressed JSON: a day of records as dictionaries of dictionaries
    # would be gigabytes. The creation time is kept beside it.
    del record["dynamodb"]["ApproximateCreationDateTime"]
    self.items.append(zlib.compress(json.dumps(record, default=_bytes).encode(), 1))
    st["seqs"].append(st["next"])
    st["times"].append(time.time())
    st["next"] += 1


def _bytes(value: Any) -> dict[str, str]:
    # Binary attribute values: kept as base64, the way they travel, and marked so
    # they are turned back into bytes when read.
    if isinstance(value, (bytes, bytearray)):
        return {_BINARY: base64.b64encode(value).decode()}
    raise TypeError(f"{type(value).__name__} in a stream record")


_BINARY = "__campus_binary__"


def _unbytes(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _BINARY in obj:
        return base64.b64decode(obj[_BINARY])
    return obj


def oldest(shard: StreamShard) -> int:
    st = _state(shard)
    return st["seqs"][0] if st["seqs"] else st["next"]


def _get(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
    st = _state(self)
    if start < oldest(self):
        raise TrimmedDataAccess()
    i = bisect.bisect_left(st["seqs"], start)
    out = []
    for packed, at in zip(self.items[i:i + quantity], st["times"][i:i + quantity]):
        record = json.loads(zlib.decompress(packed), object_hook=_unbytes)
        record["dynamodb"]["ApproximateCreationDateTime"] = utcfromtimestamp(at)
        out.append(record)
    return out


def mark(self: StreamShard) -> tuple[int, int]:
    st = _state(self)
    return len(self.items), st["next"]


def rewind(self: StreamShard, at: tuple[int, int]) -> None:
    """Drops what was written since `mark()` (a cancelled transaction's records)."""
    st = _state(self)
    length, nxt = at
    del self.items[length:]
    del st["seqs"][length:]
    del st["times"][length:]
    st["next"] = nxt


def trim(self: StreamShard, now: float) -> None:
    st = _state(self)
    cut = bisect.bisect_left(st["times"], now - RETENTION_SECONDS)
    if cut:
        del self.items[:cut]
        del st["seqs"][:cut]
        del st["times"][:cut]


class by_service:
    """Within it, a shard writes its deletions as the TTL service's."""

    def __init__(self, shard: StreamShard | None):
        self.shard = shard

    def __enter__(self):
        if self.shard is not None:
            _state(self.shard)["by_service"] = True

    def __exit__(self, *exc):
        if self.shard is not None:
            _state(self.shard)["by_service"] = False


# --- Shard iterators ------------------------------------------------------------------

class _Iterator:
    __slots__ = ("shard", "position", "created")

    def __init__(self, shard: StreamShard, position: int):
        self.shard = shard
        self.position = position
        self.created = time.time()


def _iterators(backend: DynamoDBStreamsBackend) -> OrderedDict:
    its = backend.__dict__.setdefault("_campus_iterators", OrderedDict())
    cutoff = time.time() - ITERATOR_SECONDS
    while its:
        first = next(iter(its.values()))
        if first.created > cutoff:
            break
        its.popitem(last=False)
    return its


def _issue(backend: DynamoDBStreamsBackend, shard: StreamShard, position: int) -> str:
    it = _Iterator(shard, position)
    table = shard.table
    # The creation time rides in the iterator, so an expired one (already forgotten)
    # is told from one that never existed.
    token = f"{int(it.created * 1000)}.{base64.urlsafe_b64encode(os.urandom(18)).decode()}"
    arn = f"{table.table_arn}/stream/{table.latest_stream_label}|1|{token}"
    _iterators(backend)[arn] = it
    return arn


def get_shard_iterator(self: DynamoDBStreamsBackend, arn: str, shard_id: str,
                       shard_iterator_type: str, sequence_number: int | None = None):
    table = self._get_table_from_arn(arn)
    shard = table.stream_shard
    if shard is None or shard.id != shard_id:
        raise DynamodbException(_PREFIX + "ResourceNotFoundException",
                                f"Requested resource not found: Shard: {shard_id} in Stream: {arn}")
    kind = shard_iterator_type
    if kind == "TRIM_HORIZON":
        position = oldest(shard)
    elif kind == "LATEST":
        position = _state(shard)["next"]
    elif kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        if sequence_number is None:
            raise DynamodbException(_PREFIX + "ValidationException",
                                    "SequenceNumber is required for " + kind)
        position = int(sequence_number) + (1 if kind == "AFTER_SEQUENCE_NUMBER" else 0)
        if position < oldest(shard):
            raise TrimmedDataAccess()
        if position > _state(shard)["next"]:
            # Not a record of this shard (a reader from before the emulator started).
            raise DynamodbException(_PREFIX + "ValidationException",
                                    f"Invalid SequenceNumber {sequence_number} for shard {shard_id}")
    else:
        raise DynamodbException(_PREFIX + "ValidationException",
                                f"Invalid ShardIteratorType: {kind}")
    return _Arn(_issue(self, shard, position))


class _Arn:
    """What moto's response handler reads from an iterator."""

    def __init__(self, arn: str):
        self.arn = arn


def get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
    its = _iterators(self)
    it = its.get(iterator_arn)
    if it is None:
        try:
            created = int(iterator_arn.rsplit("|", 1)[1].split(".", 1)[0]) / 1000
        except (IndexError, ValueError):
            raise InvalidIterator()
        if created <= time.time() - ITERATOR_SECONDS:
            raise ExpiredIterator()
        raise InvalidIterator()
    records = _get(it.shard, it.position, min(int(limit or 1000), 1000))
    position = int(records[-1]["dynamodb"]["SequenceNumber"]) + 1 if records else it.position
    return {"NextShardIterator": _issue(self, it.shard, position), "Records": records}


def install() -> None:
    StreamShard.add = _add
    StreamShard.get = _get
    StreamShard.mark = mark
    StreamShard.rewind = rewind
    StreamShard.trim = trim
    DynamoDBStreamsBackend.get_shard_iterator = get_shard_iterator
    DynamoDBStreamsBackend.get_records = get_records
