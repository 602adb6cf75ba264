"""TransactWriteItems as DynamoDB runs it: every condition judged first, then every
write applied, and a repeat of the same ClientRequestToken answered from the first.

Why, in moto 5.2.5:
- a transaction deep-copied every table it touched before starting and swapped the
  copy back in when it failed. Each transaction cost time and memory in proportion to
  the whole table; a failed one threw away writes made meanwhile, and it replaced the
  table object the stream reader was reading (search silently stopped indexing);
- conditions were judged one by one as the writes went in;
- `ClientRequestToken` was ignored, so an SDK retry after a client-side timeout ran
  the transaction again and met its own first attempt's writes (a fresh email
  answered 409 "already exists"). DynamoDB keeps a token for 10 minutes after the
  first request with it completes: the same request is answered success without
  running again, a different request with it is refused
  (IdempotentParameterMismatchException).

Now a transaction reads only the items it names; if a write cannot be applied (an
update of the wrong type, say), what it had applied is put back item by item and the
answer is a TransactionCanceledException with a ValidationError reason, as AWS gives.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import time
from collections import OrderedDict
from typing import Any

from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    DynamodbException,
    InvalidAttributeTypeError,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.responses import DynamoHandler

from keyindex import refile

TOKEN_SECONDS = float(os.environ.get("EMULATOR_TOKEN_SECONDS", "600"))

_CONDITION_FAILED = "The conditional request failed"


class IdempotentParameterMismatch(DynamodbException):
    def __init__(self) -> None:
        super().__init__(
            "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
            "Request parameters do not match the original request's parameters "
            "for this client request token",
        )


def _key_of(table, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    """The item's key, checked as DynamoDB checks a request before running any of it:
    every key attribute present and of the table's type, a Put's item well-formed."""
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    names = [(table.hash_key_attr, table.hash_key_type)]
    if table.range_key_attr:
        names.append((table.range_key_attr, table.range_key_type))
    for name, kind in names:
        if name not in attrs:
            raise MockValidationException(
                "One or more parameter values were invalid: Missing the key "
                f"{name} in the item"
            )
        actual = DynamoType(attrs[name]).type
        if actual != kind:
            raise InvalidAttributeTypeError(name, expected_type=kind, actual_type=actual)
    if op_type == "Put":
        table._validate_item_types(attrs)
        table._validate_key_sizes(attrs)
    return {name: attrs[name] for name, _ in names}


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    plan = []
    seen: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) != 1:
            raise TransactWriteSingleOpException()
        op_type, op = next(iter(entry.items()))
        if op_type not in ("ConditionCheck", "Put", "Delete", "Update"):
            raise MockValidationException(f"Unsupported transaction operation {op_type}")
        table = self.get_table(op["TableName"])
        key = _key_of(table, op_type, op)
        ident = (table.name, json.dumps(key, sort_keys=True))
        if ident in seen:
            raise MultipleTransactionsException()
        seen.add(ident)
        plan.append((op_type, op, table, key))

    # Every condition against the state before the transaction.
    reasons: list[tuple[str | None, str | None, Any]] = []
    for op_type, op, table, key in plan:
        current = self.get_item(table.name, key)
        condition = op.get("ConditionExpression")
        if condition is not None and not get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current):
            old = None
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                old = current.to_json()["Attributes"]
            reasons.append(("ConditionalCheckFailed", _CONDITION_FAILED, old))
        else:
            reasons.append((None, None, None))
    if any(code for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)

    # Then every write; one that cannot be applied undoes the others.
    undo = []
    for position, (op_type, op, table, key) in enumerate(plan):
        if op_type == "ConditionCheck":
            continue
        hash_key, range_key = self.get_keys_value(table, key)
        before = table.get_item(hash_key, range_key)
        shard = table.stream_shard
        undo.append((table, hash_key, range_key, copy.deepcopy(before),
                     shard.mark() if shard is not None else None))
        try:
            _apply(self, op_type, op, table, key)
        except Exception as e:
            # Whatever failed, nothing of the transaction stays.
            _undo(undo)
            if isinstance(e, (MockValidationException, ConditionalCheckFailed)):
                failed = [(None, None, None)] * len(plan)
                failed[position] = ("ValidationError", getattr(e, "message", str(e)), None)
                raise TransactionCanceledException(failed) from e
            raise


def _apply(backend: DynamoDBBackend, op_type: str, op: dict[str, Any], table, key) -> None:
    names = op.get("ExpressionAttributeNames")
    values = op.get("ExpressionAttributeValues")
    if op_type == "Put":
        backend.put_item(table.name, op["Item"])
    elif op_type == "Delete":
        backend.delete_item(table.name, key)
    else:
        backend.update_item(
            table.name,
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=names,
            expression_attribute_values=values,
        )


def _undo(undo: list) -> None:
    for table, hash_key, range_key, before, mark in reversed(undo):
        if table.range_key_attr:
            part = table.items[hash_key]
            if before is None:
                part.pop(range_key, None)
            else:
                part[range_key] = before
        elif before is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = before
        if mark is not None:
            table.stream_shard.rewind(mark)
        refile(table, hash_key, range_key)


# --- ClientRequestToken -------------------------------------------------------------

_handle = DynamoHandler.transact_write_items


def _handle_with_token(self: DynamoHandler):
    token = self.body.get("ClientRequestToken")
    if not token:
        return _handle(self)
    backend = self.dynamodb_backend
    tokens: OrderedDict = backend.__dict__.setdefault("_campus_tokens", OrderedDict())
    now = time.monotonic()
    while tokens:
        oldest = next(iter(tokens.values()))
        if oldest[0] > now:
            break
        tokens.popitem(last=False)
    request = {k: v for k, v in self.body.items() if k != "ClientRequestToken"}
    fingerprint = hashlib.sha256(
        json.dumps(request, sort_keys=True, default=_bytes).encode()
    ).digest()
    seen = tokens.get(token)
    if seen is not None:
        if seen[1] != fingerprint:
            raise IdempotentParameterMismatch()
        return _handle_replayed()
    answer = _handle(self)
    # Kept from completion, and only for a transaction that happened: a cancelled
    # one changed nothing, so running it again is what the caller gets from AWS too.
    tokens[token] = (time.monotonic() + TOKEN_SECONDS, fingerprint)
    return answer


def _bytes(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} in a request")


def _handle_replayed():
    from moto.core.responses import ActionResult

    return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})


def install() -> None:
    DynamoDBBackend.transact_write_items = transact_write_items
    DynamoHandler.transact_write_items = _handle_with_token
