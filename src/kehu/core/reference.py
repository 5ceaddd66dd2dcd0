"""Reference data every installation needs (regions, industries), loaded after migrate.

Upserts by code, so a newer data file adds and renames without touching what users
attached to existing rows.
"""

import csv
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
