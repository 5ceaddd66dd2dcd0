"""The one intake pipeline behind every path (form, API, capture endpoint, import).

normalise → validate → enrich → grade → de-duplicate → ``leads_arriving`` (routing) → store →
``leads_received`` → notify.

Rows are processed in chunks, one transaction per chunk: validation and enrichment per row,
then one key lookup for the whole chunk, the engine's decision per row (against the
database and against earlier rows of the same chunk), one bulk insert of the leads, their
keys and their matches. Every row ends as a new lead, a linked duplicate (of a lead, or of
an existing customer, whose owner is told on the customer's timeline), an "already
imported" pointer to the lead made from the same row before, or a rejection with
field-level reasons. Nothing is dropped silently.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.accounts import scope
from kehu.accounts.models import Scope
from kehu.core import audit, bulk, clock
from kehu.core.bulk import Factory
from kehu.dedup import store
from kehu.dedup.engine import (
    DUPLICATE_LEAD,
    EXISTING_CUSTOMER,
    MAX_POSTINGS,
    NEW,
    MemoryIndex,
    Prepared,
    decide,
    match_against,
)
from kehu.dedup.models import CUSTOMER, LEAD, DedupMatch

from ..models import Channel, Lead
from ..signals import leads_arriving, leads_received
from .enrichment import Enricher
from .grading import Grader
from .rows import insert as insert_rows
from .rows import insert_values
from .validation import Lookups, clean_lead

ALREADY_IMPORTED = "already_imported"
REJECTED = "rejected"
PATHS = ("form", "api", "capture", "import")
CHUNK = 1000
MAX_STORED_MATCHES = 3
MATCH_COLUMNS = ["lead", "other_lead", "customer", "decision", "deciding", "score", "points", "reasons"]
MATCH_COLUMNS += ["review", "created_at"]


@dataclass
class Found:
    """What the key index held for a batch's keys: postings per key (over-full keys left out
    and listed in ``full``), the records holding them, and how many chunks of the pipeline
    were stored when it was looked up."""

    by_key: dict[int, list[tuple[int, int]]]
    full: set[int]
    records: dict[tuple[int, int], Prepared | None]
    stored: int = 0


@dataclass
class RowResult:
    index: int
    outcome: str  # new | duplicate_lead | existing_customer | already_imported | rejected
    lead: Lead | None = None
    errors: dict = field(default_factory=dict)
    score: float | None = None  # of the deciding match
    reasons: list = field(default_factory=list)  # Reason.as_dict() of the deciding match
    target: str = ""  # "L12" / "C34" for duplicates
    enriched: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome != REJECTED


# Reference data, grading rules and enrichment sources, read once per process and kept
# for CONFIG_SECONDS: a single API lead should not reload every region and channel. Saving
# any of these models clears the copy at once in this process (signals in apps.py); other
# processes see a change within CONFIG_SECONDS.
CONFIG_SECONDS = 60.0
_config: dict = {}


def _configuration():
    import time

    from .enrichment import providers_from_settings

    now = time.monotonic()
    if not _config or now - _config["at"] > CONFIG_SECONDS:
        _config.update(at=now, value=(Lookups(), Grader(), providers_from_settings()))
    return _config["value"]


def forget_configuration(**kwargs) -> None:
    _config.clear()


def row_key(*parts) -> str:
    """A stable 64-character key for idempotent re-intake (import rows, API retries)."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Pipeline:
    """Reference data, rules, providers and the key index, loaded once for many rows."""

    def __init__(self, actor=None, *, path: str = "api", channel: Channel | None = None, enricher=None):
        assert path in PATHS
        self.actor, self.path, self.channel = actor, path, channel
        self.lookups, self.grader, providers = _configuration()
        self.enricher = enricher if enricher is not None else Enricher(providers, lookups=self.lookups)
        if getattr(self.enricher, "lookups", None) is None:
            self.enricher.lookups = self.lookups
        self.index = store.DatabaseIndex()
        self._new_lead = Factory(Lead)
        # Key look-ups done ahead by another process (``parallel``): the keys of the leads
        # stored since, per chunk number, until a look-up is known to have seen them.
        self.lookups_elsewhere = False
        self.stored_chunks = 0
        self.own_postings: dict[int, dict[int, list[tuple[int, int]]]] = {}

    # -- public ---------------------------------------------------------------------------

    def run(
        self,
        rows: Sequence[dict],
        keys: Sequence[str] | None = None,
        progress: Callable[[int], None] | None = None,
        ready: Sequence | None = None,
        found: "Found | None" = None,
    ) -> list[RowResult]:
        """``ready``: per row, what ``prepare_row`` returned for it (computed by another
        process), or None to do that work here; ``found``: the rows' keys looked up by
        ``lookup`` in that process."""
        results: list[RowResult] = []
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            part_keys = keys[start : start + CHUNK] if keys is not None else None
            part_ready = ready[start : start + CHUNK] if ready is not None else None
            results += self._chunk(part, part_keys, start, part_ready, found)
            self.stored_chunks += 1
            if progress:
                progress(len(part))
            bulk.chunk_done()
        return results

    def prepare_row(self, data) -> tuple | None:
        """The part of a row's intake that reads no database: validation, enrichment,
        grading, the engine's preparation and blocking keys. ``("rejected", errors)``,
        ``("ok", (values, enriched, prepared, hashed keys))``, or None when the row needs
        the database for it (an owner to check) and is left to ``_chunk``."""
        if not isinstance(data, dict) or data.get("owner") not in (None, ""):
            return None
        values, errors = clean_lead(data, self.lookups, channel=self.channel)
        owner_id = self._owner(data, errors)  # no owner given: the actor's rule, no query
        if errors:
            return REJECTED, errors
        values["owner_id"] = owner_id
        enriched = self.enricher.enrich(values)
        values["score"] = self.grader.score(values)
        values["grade"] = self.grader.grade(values["score"])
        prepared, hashed = _prepare_record(values)
        return "ok", (values, enriched, prepared, hashed)

    # -- one chunk ------------------------------------------------------------------------

    @transaction.atomic
    def _chunk(
        self,
        rows: Sequence[dict],
        keys: Sequence[str] | None,
        offset: int,
        ready: Sequence | None = None,
        found: "Found | None" = None,
    ) -> list[RowResult]:
        now = clock.now()
        results: list[RowResult] = []
        accepted: list[tuple[RowResult, dict, str, tuple | None]] = []
        previous = self._already_imported([k for k in (keys or []) if k])
        seen_keys: dict[str, RowResult] = {}
        repeats: list[tuple[RowResult, RowResult]] = []
        for i, data in enumerate(rows):
            result = RowResult(offset + i, REJECTED)
            results.append(result)
            key = (keys[i] if keys is not None else "") or ""
            if key and key in previous:
                result.outcome, result.lead = ALREADY_IMPORTED, previous[key]
                continue
            if key and key in seen_keys:
                result.outcome = ALREADY_IMPORTED
                repeats.append((result, seen_keys[key]))
                continue
            done = ready[i] if ready is not None else None
            if done is not None:  # validated, enriched, graded and prepared by another process
                if done[0] == REJECTED:
                    result.errors = done[1]
                    continue
                values, result.enriched, prepared, hashed = done[1]
                accepted.append((result, values, key, (prepared, hashed)))
                if key:
                    seen_keys[key] = result
                continue
            if not isinstance(data, dict):
                result.errors = {"__all__": [_("Not a record.")]}
                continue
            values, errors = clean_lead(data, self.lookups, channel=self.channel)
            owner_id = self._owner(data, errors)
            if errors:
                result.errors = errors
                continue
            values["owner_id"] = owner_id
            result.enriched = self.enricher.enrich(values)
            values["score"] = self.grader.score(values)
            values["grade"] = self.grader.grade(values["score"])
            accepted.append((result, values, key, None))
            if key:
                seen_keys[key] = result
        if accepted:
            self._dedup_and_store(accepted, now, found)
        for result, original in repeats:  # a row repeated inside the batch: the lead made from it
            result.lead = original.lead
        return results

    def _already_imported(self, keys: list[str]) -> dict[str, Lead]:
        found: dict[str, Lead] = {}
        for start in range(0, len(keys), 500):
            for lead in Lead.objects.filter(intake_key__in=keys[start : start + 500]):
                found[lead.intake_key] = lead
        return found

    def _owner(self, data: dict, errors: dict) -> int | None:
        """Who owns the lead at intake: an owner asked for, else a salesperson entering their own."""
        raw = data.get("owner")
        actor = self.actor
        if raw not in (None, ""):
            owner_id = int(raw) if str(raw).isdigit() and len(str(raw)) < 18 else None
            from kehu.accounts.models import User

            if (
                owner_id is None
                or not User.objects.filter(pk=owner_id, is_active=True).exists()
                or (actor is not None and not scope.can_see_user(actor, owner_id))
            ):
                errors.setdefault("owner", []).append(_("You cannot give leads to this user."))
                return None
            return owner_id
        if actor is not None and self.path in ("form", "api") and actor.scope == Scope.OWN:
            return actor.pk
        return None

    def lookup(self, hashed: list[list[int]], stored: int = 0) -> Found:
        """What the key index holds for these rows' keys (``hashed``: per row), with the
        records that hold them. Reads only: another process may run it ahead of the chunk
        (``stored``: how many of this pipeline's chunks it could see then)."""
        full: set[int] = set()
        by_key = store.postings_by_key({k for keys in hashed for k in keys}, full=full)
        records = self.index.fetch({h for holders in by_key.values() for h in holders})
        return Found(by_key, full, records, stored)

    def _postings_and_records(self, found: Found, hashed: list[list[int]]):
        """Postings per key and the records holding them, for a chunk looked up by ``found``.

        Looked up here, it is current. Looked up ahead by another process, it lacks the
        leads this pipeline stored after the look-up (the chunks from ``found.stored`` on):
        those come from memory, with the same rule for over-full keys.
        """
        if not self.lookups_elsewhere:
            return found.by_key, found.records
        for number in [n for n in self.own_postings if n < found.stored]:
            del self.own_postings[number]  # visible to the look-up: in found already
        recent = list(self.own_postings.values())
        known = dict(found.records)
        by_key: dict[int, list[tuple[int, int]]] = {}
        for key in {k for keys in hashed for k in keys}:
            if key in found.full:
                continue
            holders = list(found.by_key.get(key, ()))
            for own in recent:
                holders += [h for h in own.get(key, ()) if h not in holders]
            if holders and len(holders) <= MAX_POSTINGS:
                by_key[key] = holders
        known.update(self.index.fetch({h for hs in by_key.values() for h in hs if h not in known}))
        return by_key, known

    def _dedup_and_store(
        self, accepted: list[tuple[RowResult, dict, str, tuple | None]], now, found: Found | None = None
    ) -> None:
        # 1. Prepare every row (unless done already) and look all their keys up at once.
        prepared, hashed = [], []
        for n, (_result, values, _key, done) in enumerate(accepted):
            p, keys = done if done is not None else _prepare_record(values)
            p.record.id = f"B{n}"  # rows of this chunk are "B<n>" until stored
            prepared.append(p)
            hashed.append(keys)
        if found is None:
            found = self.lookup(hashed)
        by_key, known = self._postings_and_records(found, hashed)

        # 2. Decide each row against the stored records and the earlier rows of this chunk.
        memory = MemoryIndex()
        outcomes = []
        for p, keys in zip(prepared, hashed, strict=True):
            mine = {h for k in keys for h in by_key.get(k, ())}
            candidates = [c for h in mine if (c := known.get(h)) is not None]
            candidates += list(memory.candidates(p))
            outcome = decide(match_against(p, candidates), is_customer=lambda rid: rid.startswith("C"))
            outcomes.append(outcome)
            memory.add(p)

        # 3. Store the leads.
        leads = []
        for (result, values, key, _done), outcome in zip(accepted, outcomes, strict=True):
            channel = values.pop("channel")
            owner_id = values.pop("owner_id")
            lead = self._new_lead(
                channel=channel,
                intake=self.path,
                intake_key=key,
                created_by=self.actor if getattr(self.actor, "pk", None) else None,
                created_at=now,
                updated_at=now,
                owner_id=owner_id,
                status=Lead.Status.ASSIGNED if owner_id else Lead.Status.NEW,
                **values,
            )
            result.outcome = outcome.status
            if outcome.match is not None:
                result.score = round(outcome.match.score, 4)
                result.reasons = [r.as_dict() for r in outcome.match.reasons]
                target = outcome.match.right_id
                if outcome.status == EXISTING_CUSTOMER:
                    customer_id = int(target[1:])
                    lead.matched_customer_id = customer_id
                    result.target = target
                    cust = known.get((CUSTOMER, customer_id))
                    if lead.owner_id is None and cust is not None and cust.record.owner:
                        lead.owner_id = int(cust.record.owner)
                        lead.status = Lead.Status.ASSIGNED
                elif outcome.status == DUPLICATE_LEAD:
                    lead.status = Lead.Status.INVALID  # a duplicate is not routed or worked on
                    if target.startswith("L"):
                        cand = known.get((LEAD, int(target[1:])))
                        root = (
                            int(cand.record.source)
                            if cand is not None and cand.record.source
                            else int(target[1:])
                        )
                        lead.duplicate_of_id = root
                        result.target = f"L{root}"
                    else:
                        result.target = target  # "B<n>", resolved after the insert
            leads.append(lead)
        # Ids first, so that duplicates of this chunk's rows point at their original, and
        # routing settles owners and pools, before the rows are written (once).
        for lead, pk in zip(leads, bulk.allocate_ids(Lead, len(leads)), strict=True):
            lead.pk = pk
        for (result, _values, _key, _done), lead in zip(accepted, leads, strict=True):
            result.lead = lead
            if result.target.startswith("B"):
                original = leads[int(result.target[1:])]
                root = original.duplicate_of_id or original.pk
                lead.duplicate_of_id = root
                result.target = f"L{root}"
        # The leads routing will take (unowned and new) are stored last: the others (given to
        # an owner, duplicates) are in the table when routing counts who holds how many.
        arriving = [
            lead
            for lead in self._going_on(leads, [a[0] for a in accepted])
            if lead.owner_id is None and lead.status == Lead.Status.NEW
        ]
        waiting = {lead.pk for lead in arriving}
        insert_rows(Lead, [lead for lead in leads if lead.pk not in waiting])
        if arriving:
            leads_arriving.send(sender=Lead, leads=arriving, actor=self.actor)
            insert_rows(Lead, arriving)

        # 4. Keys of the new leads, so the next lead finds them.
        store.write_keys(
            LEAD, [(lead.pk, keys) for lead, keys in zip(leads, hashed, strict=True)], replace=False
        )
        own: dict[int, list[tuple[int, int]]] = {}
        for lead, p, keys in zip(leads, prepared, hashed, strict=True):
            p.record.id = store.record_id(LEAD, lead.pk)
            p.record.source = str(lead.duplicate_of_id or "")
            self.index.cache[(LEAD, lead.pk)] = p
            for key in keys:
                own.setdefault(key, []).append((LEAD, lead.pk))
        if self.lookups_elsewhere:
            self.own_postings[self.stored_chunks] = own

        # 5. Matches with their reasons (the deciding one and the possible ones).
        matches = []
        for lead, outcome in zip(leads, outcomes, strict=True):
            for m in [*outcome.matches, *outcome.possible][:MAX_STORED_MATCHES]:
                target = m.right_id
                if target.startswith("B"):
                    other = leads[int(target[1:])]
                    target = store.record_id(LEAD, other.pk)
                kind, pk = store.parse_record_id(target)
                matches.append(
                    (
                        lead.pk,
                        pk if kind == LEAD else None,
                        pk if kind == CUSTOMER else None,
                        m.decision,
                        m is outcome.match,
                        round(m.score, 4),
                        m.points,
                        [r.as_dict() for r in m.reasons],
                        DedupMatch.Review.OPEN if m.decision == "possible" else "",
                        now,
                    )
                )
        insert_values(DedupMatch, MATCH_COLUMNS, matches)

        # 6. Tell the others.
        self._after_store(leads, [a[0] for a in accepted])

    @staticmethod
    def _going_on(leads: list[Lead], results: list[RowResult]) -> list[Lead]:
        """Every lead that is not a duplicate goes on: unowned ones to routing, and the ones
        given to an existing customer's owner to the pool's ledger (tenure and deadlines)."""
        return [lead for lead, r in zip(leads, results, strict=True) if r.outcome in (NEW, EXISTING_CUSTOMER)]

    def _after_store(self, leads: list[Lead], results: list[RowResult]) -> None:
        from . import notices

        new = self._going_on(leads, results)
        if self.path in ("form", "api", "capture") and len(leads) <= 20:
            for lead in leads:
                audit.record(self.actor, lead, "create", audit.diff({}, audit.snapshot(lead)))
        matched = [
            (lead, r) for lead, r in zip(leads, results, strict=True) if r.outcome == EXISTING_CUSTOMER
        ]
        if matched:
            notices.customers_matched(matched, self.actor)
        if new:
            leads_received.send(sender=Lead, leads=new, actor=self.actor)


def _prepare_record(values: dict):
    """The engine's prepared record and hashed blocking keys of a validated lead."""
    record = store.lead_record({**values, "tmp_id": ""}, values["city"].name if values.get("city") else "")
    return store.keys_of(record)


def intake_one(actor, data: dict, *, path: str, channel: Channel | None = None, key: str = "") -> RowResult:
    """One lead (form, API, capture): raises ``ValidationFailed`` with field errors when rejected."""
    from kehu.core.errors import ValidationFailed

    result = Pipeline(actor, path=path, channel=channel).run([data], [key] if key else None)[0]
    if result.outcome == REJECTED:
        raise ValidationFailed(fields=result.errors)
    return result


def intake_batch(
    actor, rows: Sequence[dict], *, path: str, channel=None, keys=None, progress=None
) -> list[RowResult]:
    return Pipeline(actor, path=path, channel=channel).run(rows, keys, progress)
