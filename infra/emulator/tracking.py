"""Only what a backend still holds is kept.

Why, in moto 5.2.5:
- every object of a moto model (`BaseModel.__new__`) was appended to a class-wide
  list for the `/moto-api/data.json` dashboard and never removed: every DynamoDB item
  ever written, every copy moto makes of one to answer a Query or an update, every
  stream record and shard iterator. That list, not the data, was most of the
  emulator's memory (gigabytes after a day's use), and data.json got slower with it;
- SES kept every message ever sent.

Now DynamoDB's models are not listed at all (nothing reads them from data.json), the
others are listed by weak reference (data.json shows what the backend still holds:
SES messages, S3 objects), and SES keeps its newest `EMULATOR_SES_KEEP` (2000)
messages, which is what the tests and `make run`'s users read back.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

from moto.core.common_models import BaseModel

SES_KEEP = int(os.environ.get("EMULATOR_SES_KEEP", "2000"))

_UNLISTED = {"dynamodb", "dynamodbstreams", "dynamodb_v20111205"}


class _WeakList:
    """The list moto appends to, holding its objects weakly."""

    def __init__(self, items: Any = ()):
        self._refs: list[Any] = []
        for item in items:
            self.append(item)

    def append(self, item: Any) -> None:
        try:
            self._refs.append(weakref.ref(item))
        except TypeError:  # no weak references to it: keep it
            self._refs.append(lambda item=item: item)
        if len(self._refs) % 1024 == 0:
            self._refs = [r for r in self._refs if r() is not None]

    def __iter__(self):
        return iter([o for o in (r() for r in self._refs) if o is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _new(cls: type, *args: Any, **kwargs: Any) -> Any:
    instance = object.__new__(cls)
    parts = cls.__module__.split(".")
    if len(parts) < 2 or parts[1] not in _UNLISTED:
        listed = cls.__dict__.get("instances_tracked")
        if not isinstance(listed, _WeakList):
            listed = _WeakList(listed or ())
            cls.instances_tracked = listed
        listed.append(instance)
    return instance


def _keeping_newest(send):
    def wrapped(self, *args: Any, **kwargs: Any):
        answer = send(self, *args, **kwargs)
        if len(self.sent_messages) > SES_KEEP:
            del self.sent_messages[: len(self.sent_messages) - SES_KEEP]
        return answer

    return wrapped


def install() -> None:
    BaseModel.__new__ = _new
    from moto.ses.models import SESBackend

    for name in ("send_email", "send_raw_email", "send_templated_email", "send_bulk_templated_email"):
        setattr(SESBackend, name, _keeping_newest(getattr(SESBackend, name)))
