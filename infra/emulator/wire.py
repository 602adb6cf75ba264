"""DynamoDB's item operations answered with plain JSON.

Why: moto 5.2.5 serializes every answer by walking botocore's model of the operation
attribute by attribute; for the item operations, whose answers are already DynamoDB
JSON, that walk was the largest single cost of a request under load (a sixth of the
emulator's time, more for long Query pages). For them, the answer is now the result's
members of the operation's output shape, dumped as JSON: the same document, as a
test here compares. Every other operation keeps moto's serializer.
"""

from __future__ import annotations

import base64
import json

from moto.dynamodb.responses import DynamoResult

FAST = {"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "BatchGetItem"}

_execute = DynamoResult.execute_result


def _bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} in a DynamoDB answer")


def _execute_fast(self, context):
    operation = context.operation_model
    if operation.name not in FAST or not isinstance(self.result, dict):
        return _execute(self, context)
    members = operation.output_shape.members if operation.output_shape else {}
    body = {k: v for k, v in self.result.items() if k in members and v is not None}
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(body, default=_bytes)


def install() -> None:
    DynamoResult.execute_result = _execute_fast
