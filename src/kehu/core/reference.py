"""Reference data every installation needs (regions, industries), loaded after migrate.

Upserts by code, so a newer data file adds and renames without touching what users
attached to existing rows.
"""

import csv
import time
from pathlib import Path

from .models import Industry, Region

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict]:
    with open(DATA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_industries() -> int:
    rows = _rows("industries.csv")
    existing = {i.code: i for i in Industry.objects.all()}
    changed = [
        Industry(code=r["code"], name=r["name"], name_en=r["name_en"])
        for r in rows
        if r["code"] not in existing
    ]
    Industry.objects.bulk_create(changed)
    for r in rows:
        item = existing.get(r["code"])
        if item and (item.name, item.name_en) != (r["name"], r["name_en"]):
            item.name, item.name_en = r["name"], r["name_en"]
            item.save(update_fields=["name", "name_en"])
    return len(rows)


def load_regions() -> int:
    rows = sorted(_rows("regions.csv"), key=lambda r: int(r["level"]))
    by_code = {r.code: r for r in Region.objects.all()}
    for level in (1, 2, 3):
        new = []
        for r in rows:
            if int(r["level"]) != level:
                continue
            parent = by_code.get(r["parent"]) if r["parent"] else None
            region = by_code.get(r["code"])
            if region is None:
                new.append(
                    Region(code=r["code"], name=r["name"], name_en=r["name_en"], level=level, parent=parent)
                )
            elif (region.name, region.name_en, region.parent_id) != (
                r["name"],
                r["name_en"],
                parent and parent.pk,
            ):
                region.name, region.name_en, region.parent = r["name"], r["name_en"], parent
                region.save()
        for region in Region.objects.bulk_create(new):
            by_code[region.code] = region
        if new and not new[0].pk:  # backends that do not return ids from bulk inserts
            by_code.update({r.code: r for r in Region.objects.filter(level=level)})
    return len(rows)


def ensure(**kwargs) -> None:
    if Region.objects.count() < len(_rows("regions.csv")):
        load_regions()
    if Industry.objects.count() < len(_rows("industries.csv")):
        load_industries()


# Names of regions and industries by id, read once per process and kept for NAMES_SECONDS:
# lists show them on every row, and joining four reference tables into every page query
# cost more than the page itself. Saving or deleting a row clears the copy at once in this
# process (signals in apps.py); an id not in the copy (added by another process) reloads it.
NAMES_SECONDS = 60.0
_names: dict = {}


def names(model: type[Region] | type[Industry], ids=()) -> dict[int, tuple[str, str]]:
    """``{id: (name, English name)}`` of every row of ``model`` (regions or industries)."""
    now = time.monotonic()
    entry = _names.get(model)
    if entry is None or now - entry[0] > NAMES_SECONDS or any(pk not in entry[1] for pk in ids):
        rows = model.objects.values_list("pk", "name", "name_en")
        entry = _names[model] = (now, {pk: (name, name_en) for pk, name, name_en in rows})
    return entry[1]


def forget_names(**kwargs) -> None:
    _names.clear()
