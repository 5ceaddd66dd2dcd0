"""Fast bulk loading for generators and importers that write hundreds of thousands of rows.

Django's bulk_create compiles SQL per object; for demo data and benchmarks that cost
dominates. ``insert_rows`` sends one prepared INSERT through ``executemany`` with ids
assigned here, so related rows can be written in the same pass. Only for bulk loads run
by one process at a time (ids come from MAX(id)); normal writes go through the ORM.
"""

import datetime as dt
import gc
import json
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init


def reserve_ids(model: type[models.Model], count: int) -> int:
    """First id of a block of ``count`` new ids for ``model``."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - table name from model meta
        return cursor.fetchone()[0] + 1


def _sqlite_datetime(value):
    # What Django's SQLite backend stores: naive UTC in ISO format (without its many checks).
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return str(value)


def _converter(field: models.Field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite":
            return _sqlite_datetime
        return lambda v: None if v is None else ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    if isinstance(field, models.JSONField):
        return _to_json
    return None


def _to_json(value) -> str:
    if not value and type(value) in (dict, list):  # most rows: an empty default
        return "{}" if type(value) is dict else "[]"
    return json.dumps(value, ensure_ascii=False)


def _repeating(convert):
    """``convert`` that answers at once when given the very object it was given last: rows
    of one insert often share a value (the same timestamp, the same ``data`` dict for every
    recipient of a notice). Rows must not change such a shared object between rows."""
    last: list = [object(), None]

    def repeat(value):
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return repeat


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
    placeholders = ", ".join(["%s"] * len(fields))
    converters = [(i, _repeating(c)) for i, c in enumerate(_converter(f) for f in model_fields) if c]
    table = connection.ops.quote_name(meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from model meta

    def prepared():
        for row in rows:
            if converters:
                row = list(row)
                for i, convert in converters:
                    row[i] = convert(row[i])
            yield row

    if connection.vendor == "postgresql":
        # COPY: one stream instead of a round trip per row (executemany's pipeline).
        count = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in prepared():
                copy.write_row(row)
                count += 1
        return count
    data = list(prepared())
    with connection.cursor() as cursor:
        cursor.executemany(sql, data)
    return len(data)


def sync_sequence(model: type[models.Model]) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past them."""
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    quoted = connection.ops.quote_name(table)
    sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {quoted}), 1))"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [table])


_SEQUENCES: dict[tuple[str, str], str] = {}


def _sequence(table: str) -> str:
    """The id sequence of ``table`` (PostgreSQL), looked up once per database and table."""
    key = (connection.settings_dict["NAME"], table)
    if key not in _SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            _SEQUENCES[key] = cursor.fetchone()[0]
    return _SEQUENCES[key]


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new ids for ``model``, safe with concurrent writers, for ``insert_rows`` in a
    normal transaction: PostgreSQL takes them from the id sequence; on SQLite the caller is
    inside a transaction (IMMEDIATE mode: it holds the write lock), so nobody else inserts
    before it commits."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence named once: inside nextval(), pg_get_serial_sequence() would run
            # its catalog look-up for every id (≈ 8× the cost of the nextval itself).
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_sequence(table), count]
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("allocate_ids needs a transaction")
        quoted = connection.ops.quote_name(table)
        # Past deleted rows too (AUTOINCREMENT never reuses ids).
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {quoted}), 0),"  # noqa: S608 - table name from model meta
            " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


def ids_given(objs: list[models.Model]) -> bool:
    """Whether instances to insert carry ids taken beforehand (``allocate_ids``): all of
    them or none, never a mix."""
    given = objs[0].pk is not None
    if any((obj.pk is not None) != given for obj in objs):
        raise ValueError("either every object to insert has its id or none has")
    return given


def insert_objects(objs: list[models.Model]) -> list[models.Model]:
    """Insert unsaved instances of one model with ``allocate_ids`` + ``insert_rows`` (no
    per-object SQL compilation as in ``bulk_create``); sets their pk, or keeps the pks
    they were given by ``allocate_ids`` before (all or none). No signals, no save()."""
    if not objs:
        return objs
    model = type(objs[0])
    fields = list(model._meta.concrete_fields)
    pk = model._meta.pk.attname
    alias = connection.alias  # the proxy's attribute lookup is not free per object
    given = [getattr(obj, pk) for obj in objs] if ids_given(objs) else allocate_ids(model, len(objs))
    for obj, new_id in zip(objs, given, strict=True):
        setattr(obj, pk, new_id)
        obj._state.adding = False
        obj._state.db = alias
    attnames = [f.attname for f in fields]
    values = operator.attrgetter(*attnames) if len(attnames) > 1 else (lambda o: (getattr(o, attnames[0]),))
    if len(attnames) > 1 and all(f.descriptor_class in _PLAIN for f in fields):
        # Fields whose attribute is the stored value: read from the instance's dict (a
        # foreign key's id attribute is a data descriptor, ≈ 1 µs per read otherwise).
        stored, read = operator.itemgetter(*attnames), values

        def values(o):
            try:
                return stored(o.__dict__)
            except KeyError:  # a field never set on this instance (deferred): the usual way
                return read(o)

    insert_rows(model, attnames, [values(o) for o in objs])
    return objs


_PLAIN = (DeferredAttribute, ForeignKeyDeferredAttribute)


class Factory:
    """``model(**values)`` for thousands of new instances (imports, routing batches).

    ``Model.__init__`` walks every field and descriptor per object; here the defaults are
    worked out once and each instance gets its field values set directly, as ``__init__``
    leaves them (related objects given by a field's name are cached on the instance the same
    way). Models with init signal receivers are built through ``__init__`` after all.
    """

    def __init__(self, model: type[models.Model]):
        fields = model._meta.concrete_fields
        self.model = model
        self.attnames = [f.attname for f in fields]
        self.known = {f.attname: f.attname for f in fields} | {f.name: f.attname for f in fields}
        self.relations = {f.name: f for f in fields if f.is_relation}
        self.constant: dict = {}
        self.made: dict = {}  # callable defaults (extra=dict): a new value per instance
        for f in fields:
            if f.primary_key:
                self.constant[f.attname] = None
            elif f.has_default() and callable(f.default):
                self.made[f.attname] = f.default
            else:
                self.constant[f.attname] = f.get_default()
        self.direct = not (pre_init.has_listeners(model) or post_init.has_listeners(model))

    def __call__(self, **values) -> models.Model:
        row = dict(self.constant)
        for attname, make in self.made.items():
            row[attname] = make()
        related = []
        for name, value in values.items():
            field = self.relations.get(name)
            if field is not None:  # an instance (or None) given by the field's name
                row[field.attname] = None if value is None else value.pk
                related.append((field, value))
            elif name in self.known:
                row[self.known[name]] = value
            else:
                raise TypeError(f"{self.model.__name__}() got an unexpected keyword argument {name!r}")
        if self.direct:
            obj = self.model.__new__(self.model)
            obj._state = ModelState()
            obj.__dict__.update(row)
        else:
            obj = self.model(*[row[a] for a in self.attnames])
        for field, value in related:
            field.set_cached_value(obj, value)
        return obj


_JOB = {"active": False, "chunks": 0}
FULL_COLLECTION_EVERY = 200  # chunks: cycles that outlive a chunk are rare


@contextmanager
def bulk_job() -> Iterator[None]:
    """For a command that runs one long bulk job in its own process (an import of a file).

    Such a job creates millions of objects that live as long as their chunk and keeps a
    growing cache besides; the cyclic garbage collector, run by allocation counts, would walk
    each chunk's live objects again and again (≈ 10 % of an import's CPU). Inside the job it
    runs instead when a chunk is done (``chunk_done``), when that chunk's objects are gone
    and only its garbage cycles and what the cache kept are left to walk; what the process
    loaded at start-up is set aside (``gc.freeze``). Both are restored afterwards. Not for
    web or task worker processes, where other threads share the collector's settings.
    """
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    _JOB.update(active=True, chunks=0)
    try:
        yield
    finally:
        _JOB.update(active=False, chunks=0)
        if enabled:
            gc.enable()
        gc.unfreeze()


def chunk_done() -> None:
    """A chunk of a bulk job is finished (imports call this after each): collect the young
    generations (its garbage cycles), and now and then everything. Nothing outside a job."""
    if not _JOB["active"]:
        return
    _JOB["chunks"] += 1
    gc.collect(2 if _JOB["chunks"] % FULL_COLLECTION_EVERY == 0 else 1)


@contextmanager
def indexes_deferred() -> Iterator[Callable[[type[models.Model]], None]]:
    """A transaction in which the tables named to ``defer(model)`` get their secondary
    indexes built once, at the end (SQLite; elsewhere ``defer`` does nothing).

    Rows inserted in bulk go into a table in id order but into most of its indexes at random
    (phones, names, keys): with a million rows every chunk touches nearly every page of
    those indexes, and every commit writes them all again. Dropped and re-created inside
    one transaction, each index is built once from sorted data instead. DDL is transactional
    in SQLite: a load that fails or is killed leaves tables and indexes as they were.
    """
    from django.db import transaction

    dropped: list[str] = []
    seen: set[str] = set()

    def defer(model: type[models.Model]) -> None:
        table = model._meta.db_table
        if connection.vendor != "sqlite" or table in seen:
            return
        seen.add(table)
        with connection.cursor() as cursor:
            # Not SQLite's own indexes (of UNIQUE constraints): their sql is NULL.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                " AND sql IS NOT NULL",
                [table],
            )
            for name, sql in cursor.fetchall():
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                dropped.append(sql)

    with transaction.atomic():
        yield defer
        if not dropped:
            return
        with connection.cursor() as cursor:
            # Let SQLite sort with a helper thread per core (its default is none).
            cursor.execute("PRAGMA threads")
            threads = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA threads = {int(os.cpu_count() or 1)}")
            try:
                for sql in dropped:
                    cursor.execute(sql)
            finally:
                cursor.execute(f"PRAGMA threads = {int(threads)}")
