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
import io
import multiprocessing
import os
import pickle
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import NamedTuple

from django.db import models

from kehu.core.normalize.addresses import Address
from kehu.core.normalize.companies import CompanyName
from kehu.core.normalize.names import PersonName
from kehu.core.normalize.regions import Region
from kehu.dedup.engine.records import Prepared, Record

MIN_BYTES = 200_000  # ≈ 2,000 rows: below this a second process costs more than it saves


def default_workers(path=None) -> int:
    """Two processes where fork() exists, there are two cores, the caller has no threads
    and the file is not small."""
    if path is not None and os.path.getsize(path) < MIN_BYTES:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1  # forking a threaded process (a web or task worker) can deadlock the child
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 2 if cores >= 2 else 1


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


def dumps(obj) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(obj)
    return buffer.getvalue()


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


class ChildFailed(Exception):
    pass


_INHERITED: list = []


def _leave_parent_connections() -> None:
    """The parent's database connections are not ours: keep them untouched (not closed, so
    no goodbye goes down the parent's socket) and let any query here open its own."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        _INHERITED.append(conn.connection)
        conn.connection = None


def _child(send, items: Callable[[], Iterator[tuple]], prepare_row, table, chunk: int) -> None:
    """In the forked process: read, prepare and send the rows, ``chunk`` at a time."""
    _leave_parent_connections()
    try:
        batch: list = []
        for item in items():  # (number, data, key, raw)
            done = prepare_row(item[1])
            if done is not None and done[0] == "ok":
                _to_refs(done[1][0], table)
                item = (item[0], None, item[2], None)  # data and raw are not needed any more
            batch.append((item, done))
            if len(batch) >= chunk:
                send.send_bytes(dumps(("rows", batch)))
                batch = []
        if batch:
            send.send_bytes(dumps(("rows", batch)))
        send.send_bytes(dumps(("end", None)))
    except BaseException as exc:  # everything goes back to the parent
        payload = exc if _picklable(exc) else None
        send.send_bytes(dumps(("error", (payload, traceback.format_exc()))))
    finally:
        send.close()


def _picklable(obj) -> bool:
    try:
        pickle.loads(pickle.dumps(obj))  # noqa: S301 - our own bytes
    except Exception:
        return False
    return True


def prepared_rows(
    items: Callable[[], Iterator[tuple]], pipeline, chunk: int
) -> Iterator[list[tuple[tuple, tuple | None]]]:
    """Chunks of ``((number, data, key, raw), prepare_row result)`` computed by a forked child.

    ``items`` is called in the child (it reads the file there). ``data`` and ``raw`` are
    None for rows the child validated (the parent does not need them then).
    """
    table = reference_table(pipeline)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(send, items, pipeline.prepare_row, table, chunk), daemon=True
    )
    process.start()
    send.close()
    try:
        while True:
            try:
                kind, payload = pickle.loads(receive.recv_bytes())  # noqa: S301 - from our own child
            except EOFError as exc:
                raise ChildFailed("the import's worker process stopped without a word") from exc
            if kind == "end":
                break
            if kind == "error":
                exc, text = payload
                if isinstance(exc, Exception):
                    raise exc
                raise ChildFailed(text)
            for _item, done in payload:
                if done is not None and done[0] == "ok":
                    _from_refs(done[1][0], table)
            yield payload
    finally:
        receive.close()
        if process.is_alive():
            process.terminate()
        process.join()
