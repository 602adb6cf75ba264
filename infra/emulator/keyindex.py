"""Key-ordered indexes beside moto's item store, so a Query costs what it returns.

Why: moto 5.2.5 answers every Query by collecting and sorting every item of the
table (`Table.all_items()`), then filtering by the partition key. A Query therefore
costs time in proportion to the whole table, and the local stack got slower with
every write. DynamoDB reads one partition's key range.

How: each table keeps, beside moto's own `items`, a sorted map per partition (and per
index partition) from sort key to moto's `Item` objects. Every write path of moto
ends in one of three places (`Table.put_item`, `Table.delete_item`,
`DynamoDBBackend.update_item`); each is wrapped to re-file the one item it touched.
A Query then hands moto only the items of its key range, in order, at most
`Limit + 1` of them (moto applies `Limit` before the filter, as DynamoDB does), and
moto's own code does the rest (conditions, paging keys, projections, filters), so its
answers stay exactly what they were.

The same re-filing keeps a heap of expiry times for the TTL sweeper (`ttl.py`).
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

from sortedcontainers import SortedDict

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

# Greater than any key part below: part = (DynamoDB type, value), types are "S", "N", "B".
_TOP = ("\U0010ffff",)
_KEY_TYPES = ("S", "N", "B")


def _part(value: DynamoType | None) -> tuple[str, Any] | None:
    """A key attribute as something Python orders the way DynamoDB does (strings by
    code point, which is UTF-8 byte order; numbers by value)."""
    if value is None:
        return None
    return (value.type, value.cast_value)


class _Index:
    """One secondary index: its key attributes and its partitions."""

    def __init__(self, name: str, hash_attr: str, range_attr: str | None, narrows: bool):
        self.name = name
        self.hash_attr = hash_attr
        self.range_attr = range_attr
        # Only an index of one partition key and one sort key is read by key range
        # here; others (no sort key: moto orders those by the table's sort key first;
        # several key attributes) are left to moto's own Query.
        self.narrows = narrows
        self.partitions: dict[Any, SortedDict] = {}


class TableIndex:
    """The sorted views of one table, and its items' expiry times."""

    def __init__(self, table: Table):
        self.signature = _signature(table)
        self.partitions: dict[Any, SortedDict] = {}
        self.indexes: dict[str, _Index] = {}
        for idx in table.all_indexes():
            hashes = [k["AttributeName"] for k in idx.schema if k["KeyType"] == "HASH"]
            ranges = [k["AttributeName"] for k in idx.schema if k["KeyType"] == "RANGE"]
            narrows = len(hashes) == 1 and len(ranges) == 1 and bool(table.range_key_attr)
            self.indexes[idx.name] = _Index(idx.name, hashes[0], ranges[0] if ranges else None,
                                            narrows)
        # Where each item is filed in the indexes, so a change can unfile it.
        self.filed: dict[tuple, list[tuple[_Index, Any, tuple]]] = {}
        # (expires at, tie-breaker, key): pushed when an item's expiry changes; stale
        # entries are skipped when popped.
        self.expiry_heap: list[tuple[float, int, tuple, Any, Any]] = []
        self.expiry: dict[tuple, float] = {}
        self._tie = itertools.count()


def _signature(table: Table) -> tuple:
    """What the index is built from: a change (an index added or re-made, TTL turned
    on or moved to another attribute) rebuilds it from the items."""
    indexes = sorted((i.name, repr(i.schema)) for i in table.all_indexes())
    return (tuple(indexes), _ttl_attr(table))


def index_of(table: Table) -> TableIndex:
    """The table's index, built from its items the first time (or again when its
    secondary indexes changed)."""
    ix = table.__dict__.get("_campus_index")
    if ix is None or ix.signature != _signature(table):
        ix = TableIndex(table)
        table.__dict__["_campus_index"] = ix
        for item in _every_item(table):
            _file(table, ix, item)
    return ix


def _every_item(table: Table) -> list[Item]:
    out: list[Item] = []
    for value in table.items.values():
        if table.range_key_attr:
            out.extend(value.values())
        else:
            out.append(value)
    return out


def _ttl_attr(table: Table) -> str | None:
    ttl = getattr(table, "ttl", None) or {}
    if ttl.get("TimeToLiveStatus") == "ENABLED":
        return ttl.get("AttributeName")
    return None


def _file(table: Table, ix: TableIndex, item: Item) -> None:
    key = (_part(item.hash_key), _part(item.range_key))
    if table.range_key_attr:
        ix.partitions.setdefault(key[0], SortedDict())[key[1]] = item
    places = []
    for index in ix.indexes.values():
        h = item.attrs.get(index.hash_attr)
        r = item.attrs.get(index.range_attr) if index.range_attr else None
        # DynamoDB leaves an item out of an index that lacks one of its key attributes
        # (and refuses key attributes of other types than these).
        if h is None or (index.range_attr and r is None):
            continue
        if h.type not in _KEY_TYPES or (r is not None and r.type not in _KEY_TYPES):
            continue
        hp = _part(h)
        sort_key = (_part(r), key[0], key[1]) if index.range_attr else key
        index.partitions.setdefault(hp, SortedDict())[sort_key] = item
        places.append((index, hp, sort_key))
    if places:
        ix.filed[key] = places
    attr = _ttl_attr(table)
    expires = item.attrs.get(attr) if attr else None
    if expires is not None and expires.type == "N":
        at = float(expires.value)
        if ix.expiry.get(key) != at:
            ix.expiry[key] = at
            heapq.heappush(
                ix.expiry_heap, (at, next(ix._tie), key, item.hash_key, item.range_key)
            )
            # An item whose expiry keeps moving (a session renewed on use) leaves an
            # entry behind each time: keep the heap near the number of live expiries.
            if len(ix.expiry_heap) > 2 * len(ix.expiry) + 1024:
                live = {k: (at_, h, r) for at_, _, k, h, r in ix.expiry_heap if ix.expiry.get(k) == at_}
                ix.expiry_heap = [(at_, next(ix._tie), k, h, r) for k, (at_, h, r) in live.items()]
                heapq.heapify(ix.expiry_heap)
    else:
        ix.expiry.pop(key, None)


def refile(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
    """Re-files the item at this key after a write: unfiles what was there, files
    what is there now."""
    ix = table.__dict__.get("_campus_index")
    if ix is None or ix.signature != _signature(table):
        index_of(table)  # builds from the items, this one included
        return
    key = (_part(hash_key), _part(range_key))
    for index, hp, sort_key in ix.filed.pop(key, ()):
        part = index.partitions.get(hp)
        if part is not None:
            part.pop(sort_key, None)
            if not part:
                del index.partitions[hp]
    if table.range_key_attr:
        part = ix.partitions.get(key[0])
        if part is not None:
            part.pop(key[1], None)
            if not part:
                del ix.partitions[key[0]]
        # moto leaves an empty dict behind for every partition it ever saw.
        if not table.items.get(hash_key, True):
            del table.items[hash_key]
    item = _current(table, hash_key, range_key)
    if item is None:
        ix.expiry.pop(key, None)
    else:
        _file(table, ix, item)


def _current(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    if table.range_key_attr:
        part = table.items.get(hash_key)
        return part.get(range_key) if part else None
    item = table.items.get(hash_key)
    return item if isinstance(item, Item) else None


# --- Writes: re-file what each one touched ------------------------------------------

_put_item = Table.put_item
_delete_item = Table.delete_item
_update_item = DynamoDBBackend.update_item


def _put_item_refiled(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
    try:
        return _put_item(self, item_attrs, *args, **kwargs)
    finally:
        # Also when moto failed after storing the item (a stream record it could
        # not make): what is stored is what gets filed.
        key = _key_of_attrs(self, item_attrs)
        if key is not None:
            refile(self, *key)


def _delete_item_refiled(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    try:
        return _delete_item(self, hash_key, range_key)
    finally:
        refile(self, hash_key, range_key)


def _update_item_refiled(self: DynamoDBBackend, table_name: str, key: dict[str, Any],
                         *args: Any, **kwargs: Any) -> Item:
    try:
        return _update_item(self, table_name, key, *args, **kwargs)
    finally:
        table = self.tables.get(table_name)
        found = _key_of_attrs(table, key) if table is not None else None
        if found is not None:
            refile(table, *found)


def _key_of_attrs(table: Table, attrs: Any) -> tuple[DynamoType, DynamoType | None] | None:
    """The key of an item or key given as attribute values, if it has one."""
    try:
        hash_key = DynamoType(attrs[table.hash_key_attr])
        range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
        return hash_key, range_key
    except (KeyError, TypeError, IndexError, AttributeError):
        return None


_get_item = Table.get_item


def _get_item_quietly(self: Table, hash_key: DynamoType, range_key: DynamoType | None = None,
                      projection_expression=None) -> Item | None:
    # moto's lookup of a missing partition adds an empty one to its defaultdict:
    # every read of an absent item (a condition check, say) would be kept forever.
    if range_key is not None and self.range_key_attr and hash_key not in self.items:
        return None
    return _get_item(self, hash_key, range_key, projection_expression)


# --- Query: only the key range ------------------------------------------------------

_query = Table.query

_OPS = {"=": "EQ", "EQ": "EQ", "<": "LT", "LT": "LT", "<=": "LE", "LE": "LE",
        ">": "GT", "GT": "GT", ">=": "GE", "GE": "GE", "BETWEEN": "BETWEEN",
        "BEGINS_WITH": "BEGINS_WITH"}


def _bounds(op: str | None, values: list[DynamoType], wrap):
    """(low, low inclusive, high, high inclusive) of a sort key condition, each bound
    made a whole sort key by `wrap(part, above)`."""
    if op is None:
        return None, True, None, True
    parts = [_part(v) for v in values]
    if op == "EQ":
        return wrap(parts[0], False), True, wrap(parts[0], True), True
    if op == "LT":
        return None, True, wrap(parts[0], False), False
    if op == "LE":
        return None, True, wrap(parts[0], True), True
    if op == "GT":
        return wrap(parts[0], True), False, None, True
    if op == "GE":
        return wrap(parts[0], False), True, None, True
    if op == "BETWEEN":
        return wrap(parts[0], False), True, wrap(parts[1], True), True
    # BEGINS_WITH: strings and binaries only; a longer value sorts after its prefix.
    kind, prefix = parts[0]
    top = prefix + ("\U0010ffff" if isinstance(prefix, str) else b"\xff" * 8)
    return wrap(parts[0], False), True, wrap((kind, top), True), True


def _candidates(self: Table, hash_key, range_comparison, range_objs, limit,
                exclusive_start_key, scan_index_forward, index_name, kwargs) -> list[Item] | None:
    """The items a Query of this key range can return, ascending; None when this
    Query is of a kind left to moto whole."""
    if kwargs.get("filter_kwargs_present") or len(kwargs.get("range_key_conditions") or []) > 1:
        return None
    ix = index_of(self)
    if index_name:
        index = ix.indexes.get(index_name)
        if index is None or not index.narrows:
            return None  # moto answers the proper error, or reads it whole
        wanted = dict(kwargs.get("hash_key_conditions") or [])
        h = wanted.get(index.hash_attr)
        if h is None:
            return None
        part = index.partitions.get(_part(h))

        def wrap(p, above):
            return (p, _TOP) if above else (p,)

        def esk_key(esk):
            return (_part(DynamoType(esk[index.range_attr])),
                    _part(DynamoType(esk[self.hash_key_attr])),
                    _part(DynamoType(esk[self.range_key_attr])))
    else:
        if not self.range_key_attr or hash_key is None:
            return None
        part = ix.partitions.get(_part(hash_key))

        def wrap(p, above):
            return p

        def esk_key(esk):
            return _part(DynamoType(esk[self.range_key_attr]))

    if part is None:
        return []
    op = _OPS.get((range_comparison or "").upper()) if range_comparison else None
    if range_comparison and op is None:
        return None
    lo, lo_inc, hi, hi_inc = _bounds(op, range_objs, wrap)
    if exclusive_start_key:
        try:
            start = esk_key(exclusive_start_key)
        except (KeyError, TypeError):
            return None
        if scan_index_forward:
            if lo is None or start >= lo:
                lo, lo_inc = start, False
        elif hi is None or start <= hi:
            hi, hi_inc = start, False
    found = part.irange(lo, hi, (lo_inc, hi_inc), reverse=not scan_index_forward)
    keys = list(itertools.islice(found, limit + 1)) if limit else list(found)
    if not scan_index_forward:
        keys.reverse()
    return [part[k] for k in keys]


def _query_in_range(self: Table, hash_key, range_comparison, range_objs, limit,
                    exclusive_start_key, scan_index_forward, projection_expressions,
                    index_name=None, consistent_read=False, filter_expression=None,
                    **kwargs: Any):
    args = (hash_key, range_comparison, range_objs, limit, exclusive_start_key,
            scan_index_forward, projection_expressions, index_name, consistent_read,
            filter_expression)
    hints = dict(kwargs)
    hints["filter_kwargs_present"] = any(
        k not in ("hash_key_conditions", "range_key_conditions") for k in kwargs
    )
    found = _candidates(self, hash_key, range_comparison, range_objs, limit,
                        exclusive_start_key, scan_index_forward, index_name, hints)
    if found is None:
        return _query(self, *args, **kwargs)
    # moto's Query reads its candidates from all_items(); for this call, they are ours.
    self.all_items = lambda: found
    try:
        return _query(self, *args, **kwargs)
    finally:
        del self.all_items


def install() -> None:
    Table.put_item = _put_item_refiled
    Table.delete_item = _delete_item_refiled
    Table.get_item = _get_item_quietly
    DynamoDBBackend.update_item = _update_item_refiled
    Table.query = _query_in_range
