"""A second process for the database-free half of an import (validation, normalisation,
enrichment, grading, the engine's preparation and blocking keys).

The child is forked after the pipeline has loaded its reference data, rules and providers,
so it inherits them and never opens or touches a database connection. It reads the rows
itself and sends them back in order, chunk by chunk, each row with what
``Pipeline.prepare_row`` made of it; the parent, meanwhile, checks re-imports, de-duplicates
against the database and the earlier rows, writes and tells, exactly as without the child.
Everything that decides an outcome still happens in the parent, one chunk after the other,
so duplicates within the file (across chunks too) are found as before.

Values travel without their model instances (channel, regions, industry, demand type are
sent as ids and taken back from the parent's copy of the same reference data), and the
engine's records with a compact pickling (one constructor call per object).
"""

import dataclasses
import os
from collections.abc import Callable, Iterator
from typing import NamedTuple

from django.db import models

from kehu.core import forked
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


def _prepared_chunks(items: Callable[[], Iterator[tuple]], prepare_row, table, chunk: int):
    """In the forked process: read and prepare the rows, ``chunk`` at a time."""
    batch: list = []
    for item in items():  # (number, data, key, raw)
        done = prepare_row(item[1])
        if done is not None and done[0] == "ok":
            _to_refs(done[1][0], table)
            item = (item[0], None, item[2], None)  # data and raw are not needed any more
        batch.append((item, done))
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch


def prepared_rows(
    items: Callable[[], Iterator[tuple]], pipeline, chunk: int
) -> Iterator[list[tuple[tuple, tuple | None]]]:
    """Chunks of ``((number, data, key, raw), prepare_row result)`` computed by a forked child.

    ``items`` is called in the child (it reads the file there). ``data`` and ``raw`` are
    None for rows the child validated (the parent does not need them then).
    """
    table = reference_table(pipeline)
    produce = lambda: _prepared_chunks(items, pipeline.prepare_row, table, chunk)  # noqa: E731
    for payload in forked.from_child(produce, _DISPATCH):
        for _item, done in payload:
            if done is not None and done[0] == "ok":
                _from_refs(done[1][0], table)
        yield payload
