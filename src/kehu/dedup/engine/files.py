"""The list check: match an incoming lead file against an existing customer file.

``match_files`` reads both CSVs (columns of the dedup benchmark: id, kind, name, company,
phone, email, id_number, credit_code, address, city, source), runs the same engine the
intake pipeline uses, and writes every pair judged the same customer: incoming→existing
and incoming↔incoming, with the transitive pairs of each group.

With ``workers=2`` (the default where ``fork`` exists and there are two cores) the leads
are prepared once, then the existing records are split in two: a forked child matches the
leads against one half and among themselves, the parent against the other half. Only the
matches cross the process boundary.
"""

import csv
import gc
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from kehu.core import forked

from .clusters import Clusters
from .compare import Match, explain
from .index import MemoryIndex, find_matches
from .keys import blocking_keys
from .records import Prepared, Record, prepare

_FIELDS = [f.name for f in fields(Record)]
_MIN_PARALLEL = 20_000  # below this many existing records a second process is not worth it


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
    existing_count: int
    incoming_count: int
    matches: list[Match]  # every "match" verdict, the incoming record on the left
    groups: list[list[str]]
    pairs: list[tuple[str, str]]


def _match_part(
    existing: list[Record], leads: list[Prepared], among_incoming: bool, keep: dict | None = None
) -> list[Match]:
    """Matches of the leads against ``existing`` (and, if asked, against earlier leads).

    ``keep`` collects the prepared existing records, for the grouping step to reuse.
    """
    index = MemoryIndex()
    for record in existing:
        prepared = prepare(record)
        index.add(prepared)
        if keep is not None:
            keep[prepared.id] = prepared
    matches: list[Match] = []
    for lead in leads:
        matches += [m for m in find_matches(index, lead) if m.is_match]
        if among_incoming:
            index.add(lead)  # later leads are checked against earlier ones too
    return matches


# Inputs of the forked child, inherited through fork() instead of pickled.
_FORK_INPUT: tuple[list[Record], list[Prepared]] = ([], [])


def _child_part() -> list[Match]:
    existing, leads = _FORK_INPUT
    return _match_part(existing, leads, among_incoming=True)


def _default_workers() -> int:
    return 2 if forked.two_processes() else 1


def _find_all_matches(
    existing: list[Record], incoming: list[Record], workers: int, keep: dict[str, Prepared]
) -> list[Match]:
    leads = [prepare(r) for r in incoming]
    keep.update((lead.id, lead) for lead in leads)
    if workers < 2 or len(existing) < _MIN_PARALLEL:
        return _match_part(existing, leads, among_incoming=True, keep=keep)
    for lead in leads:  # computed once, before the fork, for both processes
        lead.keys = blocking_keys(lead)
    global _FORK_INPUT
    half = len(existing) // 2
    _FORK_INPUT = (existing[:half], leads)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            child = pool.apply_async(_child_part)
            mine = _match_part(existing[half:], leads, among_incoming=False, keep=keep)
            return child.get() + mine
    finally:
        _FORK_INPUT = ([], [])


def _group(
    matches: list[Match], existing: list[Record], incoming: list[Record], prepared: dict[str, Prepared]
) -> tuple[list, list]:
    existing_ids = {r.id for r in existing}
    records = {r.id: r for r in (*existing, *incoming)}

    def get(record_id: str) -> Prepared:
        if record_id not in prepared:
            prepared[record_id] = prepare(records[record_id])
        return prepared[record_id]

    def conflict(x: str, y: str) -> bool:
        verdict = explain(get(x), get(y))
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
    return groups, pairs


def check_lists(existing: list[Record], incoming: list[Record], workers: int | None = None) -> ListCheck:
    # Hundreds of thousands of small objects and no reference cycles: the cyclic garbage
    # collector would only rescan them over and over (half the run time).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        workers = _default_workers() if workers is None else workers
        prepared: dict[str, Prepared] = {}
        matches = _find_all_matches(existing, incoming, workers, prepared)
        groups, pairs = _group(matches, existing, incoming, prepared)
        return ListCheck(len(existing), len(incoming), matches, groups, pairs)
    finally:
        if gc_was_enabled:
            gc.enable()


def match_files(
    existing_csv: str | Path, incoming_csv: str | Path, out_csv: str | Path, workers: int | None = None
) -> ListCheck:
    result = check_lists(list(read_records(existing_csv)), list(read_records(incoming_csv)), workers)
    with open(out_csv, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["left_id", "right_id"])
        writer.writerows(result.pairs)
    return result
