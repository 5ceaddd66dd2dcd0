"""A second process for the half of an import that writes nothing (validation,
normalisation, enrichment, grading, the engine's preparation and blocking keys, and where
it may the look-up of those keys).

The child is forked after the pipeline has loaded its reference data, rules and providers,
so it inherits them and never touches the parent's database connection. It reads the rows
itself and sends them back in order, chunk by chunk, each row with what
``Pipeline.prepare_row`` made of it and, where it may (``_can_look_up_ahead``), what the key
index holds for the chunk's keys, read on a connection of its own; the parent, meanwhile,
checks re-imports, de-duplicates against those records and the earlier rows, writes and
tells, exactly as without the child. Everything that decides an outcome still happens in
the parent, one chunk after the other, so duplicates within the file (across chunks too)
are found as before: the leads the parent stored after the child's look-up come from the
parent's memory.

Values travel without their model instances (channel, regions, industry, demand type are
sent as ids and taken back from the parent's copy of the same reference data), and the
engine's records with a compact pickling (one constructor call per object).
"""

import dataclasses
import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import NamedTuple

from django.db import models

from kehu.core import bulk, forked
from kehu.core.normalize.addresses import Address
from kehu.core.normalize.companies import CompanyName
from kehu.core.normalize.names import PersonName
from kehu.core.normalize.regions import Region
from kehu.dedup.engine.records import Prepared, Record

MIN_BYTES = 200_000  # ≈ 2,000 rows: below this a second process costs more than it saves


def default_workers(path=None) -> int:
    """Two processes where they can run (``core.forked``) and the file is not small."""
    if path is not None and os.path.getsize(path) < MIN_BYTES:
        return 1
    return 2 if forked.two_processes() else 1


class Ref(NamedTuple):
    model: type
    pk: int


def _fields_reducer(cls):
    names = tuple(f.name for f in dataclasses.fields(cls))

    def reduce(obj):
        return cls, tuple([getattr(obj, n) for n in names])

    return reduce


_PACKED = (Record, Prepared, CompanyName, Address, PersonName, Region)
_DISPATCH = {cls: _fields_reducer(cls) for cls in _PACKED}


def reference_table(pipeline) -> dict[tuple[type, int], models.Model]:
    """Every reference row a validated lead can point at, by (model, pk)."""
    lookups = pipeline.lookups
    table: dict[tuple[type, int], models.Model] = {}
    for objects in (
        lookups.channels.values(),
        lookups.demand_types.values(),
        lookups.industries.values(),
        lookups.regions_by_id.values(),
    ):
        for obj in objects:
            table[(type(obj), obj.pk)] = obj
    if pipeline.channel is not None:
        table.setdefault((type(pipeline.channel), pipeline.channel.pk), pipeline.channel)
    return table


def _to_refs(values: dict, table) -> None:
    for name, value in values.items():
        if isinstance(value, models.Model) and table.get((type(value), value.pk)) is value:
            values[name] = Ref(type(value), value.pk)


def _from_refs(values: dict, table) -> None:
    for name, value in values.items():
        if type(value) is Ref:
            values[name] = table[(value.model, value.pk)]


def _prepared_chunks(items: Callable[[], Iterator[tuple]], pipeline, table, chunk: int, stored):
    """In the forked process: read and prepare the rows, ``chunk`` at a time, and look their
    keys up when ``stored`` (the parent's count of stored chunks) is shared."""
    batch: list = []

    def finished(batch):
        found = None
        if stored is not None:
            seen = stored.value  # read before the look-up: those chunks are committed
            hashed = [done[1][3] for _item, done in batch if done is not None and done[0] == "ok"]
            found = pipeline.lookup(hashed, seen)
        return batch, found

    for item in items():  # (number, data, key, raw)
        done = pipeline.prepare_row(item[1])
        if done is not None and done[0] == "ok":
            _to_refs(done[1][0], table)
            item = (item[0], None, item[2], None)  # data and raw are not needed any more
        batch.append((item, done))
        if len(batch) >= chunk:
            yield finished(batch)
            batch = []
            bulk.chunk_done()  # the collector of a bulk job runs between chunks (core.bulk)
    if batch:
        yield finished(batch)


def _can_look_up_ahead() -> bool:
    """The child may read the key index itself when each chunk the parent stores is
    committed at once (no enclosing transaction) and a second connection sees the same
    database (not an in-memory SQLite one)."""
    from django.db import connection

    in_memory = getattr(connection, "is_in_memory_db", lambda: False)()
    return not connection.in_atomic_block and not in_memory


def prepared_rows(
    items: Callable[[], Iterator[tuple]], pipeline, chunk: int
) -> Iterator[tuple[list[tuple[tuple, tuple | None]], object]]:
    """Chunks of ``((number, data, key, raw), prepare_row result)`` computed by a forked
    child, each with what the key index held for its rows (``intake.Found``) or None.

    ``items`` is called in the child (it reads the file there). ``data`` and ``raw`` are
    None for rows the child validated (the parent does not need them then). The child runs
    ahead of the parent; the leads the parent stored after a look-up are added from the
    parent's memory (``Pipeline.lookups_elsewhere``), told apart by the count of stored
    chunks the parent shares with the child.
    """
    table = reference_table(pipeline)
    ahead = _can_look_up_ahead()
    stored = multiprocessing.get_context("fork").Value("q", 0, lock=False) if ahead else None
    pipeline.lookups_elsewhere = ahead
    produce = lambda: _prepared_chunks(items, pipeline, table, chunk, stored)  # noqa: E731
    for payload, found in forked.from_child(produce, _DISPATCH):
        for _item, done in payload:
            if done is not None and done[0] == "ok":
                _from_refs(done[1][0], table)
        yield payload, found
        if stored is not None:
            stored.value = pipeline.stored_chunks  # the caller has stored the chunk: committed
