"""Grouping pairwise matches into customers.

Matches are applied strongest first with union-find. The CRM side holds one record per
customer, so a group may contain at most one existing record: an edge that would join two
existing customers is refused (the weaker claim loses) instead of chaining them together.
"""

from collections.abc import Iterable

from .compare import Match


class Clusters:
    def __init__(self, existing_ids: Iterable[str] = ()) -> None:
        self._parent: dict[str, str] = {}
        self._existing: dict[str, str] = {}  # root -> the existing record in its group
        self._existing_ids = set(existing_ids)

    def _find(self, item: str) -> str:
        parent = self._parent.setdefault(item, item)
        if parent != item:
            root = self._find(parent)
            self._parent[item] = root
            return root
        if item in self._existing_ids:
            self._existing.setdefault(item, item)
        return item

    def union(self, a: str, b: str) -> bool:
        root_a, root_b = self._find(a), self._find(b)
        if root_a == root_b:
            return True
        held_a, held_b = self._existing.get(root_a), self._existing.get(root_b)
        if held_a and held_b:
            return False
        self._parent[root_b] = root_a
        if held_b:
            self._existing[root_a] = held_b
        self._existing.pop(root_b, None)
        return True

    def add_matches(self, matches: Iterable[Match]) -> None:
        for match in sorted(matches, key=lambda m: (-m.points, m.left_id, m.right_id)):
            self.union(match.left_id, match.right_id)

    def groups(self) -> list[list[str]]:
        by_root: dict[str, list[str]] = {}
        for item in list(self._parent):
            by_root.setdefault(self._find(item), []).append(item)
        return [sorted(members) for members in by_root.values() if len(members) > 1]
