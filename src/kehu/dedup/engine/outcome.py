"""What happens to an incoming lead: new, a duplicate of a lead, or an existing customer."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .compare import Match, compare
from .records import Prepared

NEW = "new"
DUPLICATE_LEAD = "duplicate_lead"
EXISTING_CUSTOMER = "existing_customer"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # NEW | DUPLICATE_LEAD | EXISTING_CUSTOMER
    match: Match | None  # the deciding match (right_id is the lead or customer)
    matches: tuple[Match, ...]  # every match, best first
    possible: tuple[Match, ...]  # below the threshold but worth a look, best first

    @property
    def target_id(self) -> str:
        return self.match.right_id if self.match else ""


def match_against(prepared: Prepared, candidates: Iterable[Prepared]) -> list[Match]:
    """Compare one record with candidates fetched by blocking key; matches and possibles, best first."""
    found = [m for m in (compare(prepared, c) for c in candidates if c.id != prepared.id) if m is not None]
    found.sort(key=lambda m: (-m.points, m.right_id))
    return found


def decide(matches: Iterable[Match], is_customer: Callable[[str], bool]) -> Outcome:
    """A customer match wins over a lead match: the customer is the record to link to."""
    ranked = sorted(matches, key=lambda m: (-m.points, m.right_id))
    sure = tuple(m for m in ranked if m.is_match)
    possible = tuple(m for m in ranked if m.decision == "possible")
    customers = [m for m in sure if is_customer(m.right_id)]
    if customers:
        return Outcome(EXISTING_CUSTOMER, customers[0], sure, possible)
    if sure:
        return Outcome(DUPLICATE_LEAD, sure[0], sure, possible)
    return Outcome(NEW, None, sure, possible)
