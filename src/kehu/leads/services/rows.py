"""Plain multi-row INSERTs for intake batches (Django's bulk_create prepares every field of
every object through the ORM, which dominated the cost of an import).

``insert`` writes model instances with one ``INSERT … VALUES (…), (…) RETURNING id`` per
few hundred rows (SQLite ≥ 3.35) and sets their primary keys (or writes the ids they were
given by ``allocate_ids``); on PostgreSQL the ids are
taken from the table's sequence first and the rows sent with COPY (a long multi-row INSERT
costs psycopg more to assemble on the client than the server takes to run it). Safe under
concurrent writers: ids come from the database, not from MAX(id).
"""

import json

from django.db import connection, models

from kehu.core.bulk import ids_given

_MAX_PARAMS = 30_000  # below SQLite's default limit (32766) and PostgreSQL's (65535)


def _converter(field: models.Field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return lambda v: None if v is None else ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    if isinstance(field, models.JSONField):
        return lambda v: json.dumps(v, ensure_ascii=False)
    if isinstance(field, models.DecimalField):
        return lambda v: None if v is None else ops.adapt_decimalfield_value(v)
    return None


def insert(model: type[models.Model], objects: list[models.Model]) -> None:
    if not objects:
        return
    meta = model._meta
    if connection.vendor == "postgresql":
        from kehu.core.bulk import insert_objects

        insert_objects(objects)
        return
    # Ids given beforehand (``core.bulk.allocate_ids``) are written; otherwise they come back.
    given = ids_given(objects)
    fields = [f for f in meta.concrete_fields if given or not f.primary_key]
    converters = [_converter(f) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per = max(1, min(500, _MAX_PARAMS // len(fields)))
    table = quote(meta.db_table)
    returning = "" if given else f" RETURNING {quote(meta.pk.column)}"
    attnames = [f.attname for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(objects), per):
            part = objects[start : start + per]
            params = []
            for obj in part:
                for attname, convert in zip(attnames, converters, strict=True):
                    value = getattr(obj, attname)
                    params.append(convert(value) if convert is not None else value)
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))}{returning}"  # noqa: S608
            cursor.execute(sql, params)
            new_ids = [obj.pk for obj in part] if given else [row[0] for row in cursor.fetchall()]
            for obj, new_id in zip(part, new_ids, strict=True):
                obj.pk = new_id
                obj._state.adding = False
                obj._state.db = connection.alias


__all__ = ["insert"]


def insert_values(model: type[models.Model], names: list[str], values: list[tuple]) -> None:
    """Rows given as tuples of ``names`` (no model instances, no ids back)."""
    if not values:
        return
    if connection.vendor == "postgresql":
        from kehu.core.bulk import insert_rows

        insert_rows(model, names, values)  # COPY
        return
    meta = model._meta
    fields = [meta.get_field(n) for n in names]
    converters = [(i, c) for i, c in enumerate(_converter(f) for f in fields) if c is not None]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    prepared = []
    for row in values:
        row = list(row)
        for i, convert in converters:
            row[i] = convert(row[i])
        prepared.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
