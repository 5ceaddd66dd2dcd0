from kehu.dedup.engine import Record, prepare

_counter = iter(range(1, 1_000_000))


def person(**fields):
    return prepare(Record(id=fields.pop("id", f"P{next(_counter)}"), kind="person", **fields))


def company(**fields):
    return prepare(Record(id=fields.pop("id", f"C{next(_counter)}"), kind="company", **fields))
