"""The list check: match an incoming lead file against an existing customer file.

``match_files`` reads both CSVs (columns of the dedup benchmark: id, kind, name, company,
phone, email, id_number, credit_code, address, city, source), runs the same engine the
intake pipeline uses, and writes every pair judged the same customer: incoming→existing
and incoming↔incoming, with the transitive pairs of each group.
"""

import csv
import gc
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from .clusters import Clusters
from .compare import Match, explain
from .index import MemoryIndex, find_matches
from .records import Prepared, Record, prepare

_FIELDS = [f.name for f in fields(Record)]


def read_records(path: str | Path) -> Iterator[Record]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader, [])]
        positions = [(name, header.index(name)) for name in _FIELDS if name in header]
        width = len(header)
        for row in reader:
            if len(row) < width:
                row = row + [""] * (width - len(row))
            yield Record(**{name: row[i] for name, i in positions})


@dataclass
class ListCheck:
    existing: list[Prepared]
    incoming: list[Prepared]
    matches: list[Match]  # every "match" verdict, incoming first in each pair
    groups: list[list[str]]
    pairs: list[tuple[str, str]]


def check_lists(existing: list[Record], incoming: list[Record]) -> ListCheck:
    # Hundreds of thousands of small objects and no reference cycles: the cyclic garbage
    # collector would only rescan them over and over (half the run time).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _check_lists(existing, incoming)
    finally:
        if gc_was_enabled:
            gc.enable()


def _check_lists(existing: list[Record], incoming: list[Record]) -> ListCheck:
    index = MemoryIndex()
    prepared_existing = [prepare(r) for r in existing]
    for p in prepared_existing:
        index.add(p)
    prepared_incoming = []
    matches: list[Match] = []
    for record in incoming:
        p = prepare(record)
        matches += [m for m in find_matches(index, p) if m.is_match]
        index.add(p)  # later leads are checked against earlier ones too
        prepared_incoming.append(p)

    existing_ids = {p.id for p in prepared_existing}
    by_id = {p.id: p for p in (*prepared_existing, *prepared_incoming)}

    def conflict(x: str, y: str) -> bool:
        verdict = explain(by_id[x], by_id[y])
        return verdict.points < 0 or any(r.veto for r in verdict.reasons)

    clusters = Clusters(existing_ids, conflict)
    clusters.add_matches(matches)
    groups = clusters.groups()
    pairs = []
    for members in groups:
        held = [m for m in members if m in existing_ids]
        leads = [m for m in members if m not in existing_ids]
        pairs += [(lead, customer) for lead in leads for customer in held]
        pairs += [(x, y) for i, x in enumerate(leads) for y in leads[i + 1 :]]
    return ListCheck(prepared_existing, prepared_incoming, matches, groups, pairs)


def match_files(existing_csv: str | Path, incoming_csv: str | Path, out_csv: str | Path) -> ListCheck:
    result = check_lists(list(read_records(existing_csv)), list(read_records(incoming_csv)))
    with open(out_csv, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["left_id", "right_id"])
        writer.writerows(result.pairs)
    return result
