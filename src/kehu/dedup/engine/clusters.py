"""Grouping pairwise matches into customers.

Matches are applied strongest first with union-find, under two constraints that stop a
chain of plausible links from gluing different customers together:

* the CRM side holds one record per customer, so a group may contain at most one existing
  record: an edge that would join two existing customers is refused (the weaker claim loses);
* no two members of a group may contradict each other (``conflict``): e.g. a short name
  (宇迅) that matched both 广州宇迅智能科技 and 杭州宇迅环保科技 joins only the first.
"""

from collections.abc import Callable, Iterable

from .compare import Match

Conflict = Callable[[str, str], bool]


class Clusters:
    def __init__(self, existing_ids: Iterable[str] = (), conflict: Conflict | None = None) -> None:
        self._parent: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        self._existing_ids = set(existing_ids)
        self._conflict = conflict

    def _find(self, item: str) -> str:
        parent = self._parent.setdefault(item, item)
        if parent == item:
            self._members.setdefault(item, [item])
            return item
        root = self._find(parent)
        self._parent[item] = root
        return root

    def union(self, a: str, b: str) -> bool:
        root_a, root_b = self._find(a), self._find(b)
        if root_a == root_b:
            return True
        group_a, group_b = self._members[root_a], self._members[root_b]
        if any(x in self._existing_ids for x in group_a) and any(y in self._existing_ids for y in group_b):
            return False
        if self._conflict is not None and any(self._conflict(x, y) for x in group_a for y in group_b):
            return False
        self._parent[root_b] = root_a
        group_a.extend(self._members.pop(root_b))
        return True

    def add_matches(self, matches: Iterable[Match]) -> None:
        for match in sorted(matches, key=lambda m: (-m.points, m.left_id, m.right_id)):
            self.union(match.left_id, match.right_id)

    def groups(self) -> list[list[str]]:
        return [sorted(members) for members in self._members.values() if len(members) > 1]
