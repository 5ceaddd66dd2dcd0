"""Where candidates come from: an ``Index`` of prepared records by blocking key.

The in-memory index serves the list check and tests; the Django layer implements the same
protocol over a ``(key, record_id)`` table (see docs/dedup.md).
"""

from collections.abc import Iterable, Iterator
from typing import Protocol

from .compare import Match, compare
from .keys import blocking_keys
from .records import Prepared

# A key shared by more records than this tells nothing (a switchboard used by a whole
# building, 王伟 in 北京): it is skipped rather than compared against every holder.
MAX_POSTINGS = 200


class Index(Protocol):
    def add(self, prepared: Prepared) -> None: ...

    def candidates(self, prepared: Prepared) -> Iterable[Prepared]: ...


class MemoryIndex:
    def __init__(self, max_postings: int = MAX_POSTINGS) -> None:
        self.max_postings = max_postings
        self._postings: dict[str, list[Prepared]] = {}

    def __len__(self) -> int:
        return len({id(p) for postings in self._postings.values() for p in postings})

    def add(self, prepared: Prepared) -> None:
        if not prepared.keys:
            prepared.keys = blocking_keys(prepared)
        for key in prepared.keys:
            self._postings.setdefault(key, []).append(prepared)

    def candidates(self, prepared: Prepared) -> Iterator[Prepared]:
        if not prepared.keys:
            prepared.keys = blocking_keys(prepared)
        seen = {id(prepared)}
        for key in prepared.keys:
            postings = self._postings.get(key)
            if not postings or len(postings) > self.max_postings:
                continue
            for other in postings:
                if id(other) not in seen:
                    seen.add(id(other))
                    yield other


def find_matches(index: Index, prepared: Prepared) -> list[Match]:
    """Matches and possible matches of ``prepared`` in ``index``, best first."""
    found = [m for m in (compare(prepared, other) for other in index.candidates(prepared)) if m is not None]
    found.sort(key=lambda m: -m.points)
    return found
