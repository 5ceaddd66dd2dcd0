"""Routing new leads through the active rule set, for real (through the pool services).

Called inside the intake transaction by the ``leads_arriving`` receiver (before the leads are
stored) and the ``leads_received`` one (after: whatever is still new), by the retry sweep
for leads left NEW, and by the pool's reassignment hook when a deadline passes.
"""

from __future__ import annotations

import json
import logging

from django.db import connection, transaction
from django.utils import timezone

from kehu.accounts.models import User
from kehu.core import clock
from kehu.core.errors import ServiceError
from kehu.leads.models import Lead

from .. import loading, reasons
from ..engine import Capacity, CompiledRule, Cursor, CursorStore, Decision, LeadFacts
from ..models import RoutingFailure, Rule, StrategyCursor

log = logging.getLogger(__name__)
MAX_RETRIES = 5


def _lock_cursors(rules: list[CompiledRule]) -> CursorStore:
    """Cursor rows of the people rules, locked in id order (no deadlocks between workers).

    Rows are created first (ignoring those another worker created meanwhile) so that there
    is always a row to lock; the base row of a rule ("" group) guards its group rows too.
    """
    rule_ids = sorted(r.id for r in rules if r.target == Rule.Target.PEOPLE)
    if not rule_ids:
        return CursorStore()
    now = clock.now()
    StrategyCursor.objects.bulk_create(
        [StrategyCursor(rule_id=pk, group="", updated_at=now) for pk in rule_ids], ignore_conflicts=True
    )
    rows = (
        StrategyCursor.objects.select_for_update().filter(rule_id__in=rule_ids).order_by("rule_id", "group")
    )
    return CursorStore(
        {
            (row.rule_id, row.group): Cursor(row.last_user_id, row.served, row.state or {})
            for row in rows.only("rule_id", "group", "last_user_id", "served", "state")
        }
    )


def _save_cursors(store: CursorStore) -> None:
    """Write the changed cursors back: one UPDATE statement run for all rows (executemany);
    Django's bulk_update builds a CASE per field and row, slow for hundreds of groups."""
    changed = store.changed()
    if not changed:
        return
    now = clock.now()
    existing = {
        (rule_id, group): pk
        for pk, rule_id, group in StrategyCursor.objects.filter(
            rule_id__in={rule_id for rule_id, _ in changed}
        ).values_list("pk", "rule_id", "group")
    }
    meta = StrategyCursor._meta
    stamp = meta.get_field("updated_at").get_db_prep_value(now, connection)
    state = meta.get_field("state")
    rows, creates = [], []
    for (rule_id, group), cursor in changed.items():
        pk = existing.get((rule_id, group))
        if pk is None:
            creates.append(
                StrategyCursor(
                    rule_id=rule_id,
                    group=group,
                    last_user_id=cursor.last_user_id,
                    served=cursor.served,
                    state=cursor.state,
                    updated_at=now,
                )
            )
        else:
            rows.append(
                (
                    cursor.last_user_id,
                    cursor.served,
                    state.get_db_prep_value(cursor.state, connection),
                    stamp,
                    pk,
                )
            )
    if rows:
        table = connection.ops.quote_name(meta.db_table)
        sql = f"UPDATE {table} SET last_user_id = %s, served = %s, state = %s, updated_at = %s WHERE id = %s"  # noqa: S608
        with connection.cursor() as db:
            db.executemany(sql, rows)
    if creates:
        StrategyCursor.objects.bulk_create(creates, batch_size=500)


class Router:
    """One batch: rules compiled and cursors locked once, then each lead routed and applied."""

    def __init__(self, *, actor=None, exclude: set[int] | None = None):
        self.actor = actor
        self.rule_set = loading.active_rule_set()
        self.rules = loading.compiled_rules(self.rule_set)
        self.rule_rows = {r.pk: r for r in Rule.objects.filter(pk__in=[r.id for r in self.rules])}
        self.store = _lock_cursors(self.rules)
        counts = loading.OpenCounts()
        candidates = {pk for r in self.rules for pk in r.candidates}
        self.capacity = Capacity(loading.capacity_loader(candidates, counts))
        self.engine = loading.build_engine(
            self.rules, cursors=self.store, capacity=self.capacity, exclude=exclude, counts=counts
        )
        self.users: dict[int, User] = {}
        self.names = {pk: person.name for pk, person in self.engine.ctx.people.items()}
        self._stored: dict[str, tuple[str, dict]] = {}

    def _ledger(self, reason: dict) -> tuple[str, dict]:
        """The ledger's text and data for a reason, made once per distinct reason of the
        batch: most leads of an import share a handful ("no rule matched", "rule X sends
        such leads to a pool"), and one shared data dict is also encoded once when written."""
        key = json.dumps(reason, sort_keys=True, default=str)
        stored = self._stored.get(key)
        if stored is None:
            # A copy: the decision may change its own reason later, the stored data must not.
            stored = self._stored[key] = (reasons.stored_text(reason), {"assignment": json.loads(key)})
        return stored

    def _user(self, pk: int) -> User:
        if pk not in self.users:
            if not self.users:  # the first time: everyone the rules may pick, in one query
                ids = {pid for rule in self.rules for pid in rule.candidates} | {pk}
                self.users.update((u.pk, u) for u in User.objects.filter(pk__in=ids))
            if pk not in self.users:
                self.users[pk] = User.objects.get(pk=pk)
        return self.users[pk]

    def decide(self, lead) -> Decision:
        """Route one lead; a person the pool refuses (a race with a claim) is marked
        unavailable for the batch and the lead is routed again."""

        facts = LeadFacts.of(lead)
        refused: list = []
        for _attempt in range(MAX_RETRIES):
            decision = self.engine.route(facts)
            if not decision.assigned:
                break
            try:
                with transaction.atomic():
                    self._assign(lead, decision)
            except ServiceError as exc:
                # The engine's count said yes, the pool's checks said no: trust the pool.
                self.capacity.remaining[decision.user_id] = 0
                refused.append([decision.user_id, "refused", getattr(exc, "code", "")])
                continue
            return decision
        else:
            decision = Decision(
                facts.id, decision.rule, pool_id=decision.rule.pool_id if decision.rule else None
            )
            decision.reason = {
                "why": "nobody_available",
                "rule": decision.rule.id,
                "rule_name": decision.rule.name,
            }
        if refused:
            decision.reason.setdefault("skipped", [])
            decision.reason["skipped"] = [*refused, *decision.reason["skipped"]]
        self._to_pool(lead, decision)
        return decision

    def _reason(self, decision: Decision) -> dict:
        reason = dict(decision.reason)
        if decision.user_id:
            reason["person"] = decision.user_id
            reason["person_name"] = self.names.get(decision.user_id, "")
        return reasons.with_names(reason, self.names)

    def _assign(self, lead, decision: Decision) -> None:
        from kehu.pool import services as pool

        decision.reason = self._reason(decision)
        pool.assign(
            lead,
            self._user(decision.user_id),
            actor=self.actor,
            rule=self.rule_rows.get(decision.rule.id),
            reason=reasons.stored_text(decision.reason),
            data={"assignment": decision.reason},
        )

    def _to_pool(self, lead, decision: Decision) -> None:
        from kehu.pool import services as pool
        from kehu.pool.models import Pool

        decision.reason = self._reason(decision)
        target = Pool.objects.filter(pk=decision.pool_id, active=True).first() if decision.pool_id else None
        pool.send_to_pool(
            lead,
            target,
            reason=reasons.stored_text(decision.reason),
            actor=self.actor,
            data={"assignment": decision.reason},
        )

    def route(self, leads) -> list[Decision]:
        if len(leads) > 1:
            try:
                with transaction.atomic():
                    decisions = self.route_in_bulk(leads)
            except Exception:
                # Fall back to one lead at a time, so one bad lead is isolated and recorded.
                log.exception("bulk routing of %s leads failed; routing one by one", len(leads))
            else:
                _save_cursors(self.store)
                return decisions
        decisions = []
        for lead in leads:
            try:
                with transaction.atomic():
                    decisions.append(self.decide(lead))
            except Exception as exc:
                log.exception("routing lead %s failed", lead.pk)
                _record_failure(lead, exc)
        _save_cursors(self.store)
        if decisions:
            RoutingFailure.objects.filter(lead_id__in=[d.lead_id for d in decisions]).delete()
        return decisions

    def route_in_bulk(self, leads, *, fresh=False) -> list[Decision]:
        """Decide for the whole batch, apply with the pool's batch verbs; people the pool
        refuses (quota reached through a concurrent claim) are skipped and their leads
        routed again. ``fresh``: leads not stored yet (``route_arriving``)."""
        from kehu.pool import services as pool
        from kehu.pool.models import Pool

        by_id = {lead.pk: lead for lead in leads}
        facts = {lead.pk: LeadFacts.of(lead) for lead in leads}
        pending = list(by_id)
        done: dict[int, Decision] = {}
        to_pool: list[Decision] = []
        refused_by_lead: dict[int, list] = {}
        for _attempt in range(MAX_RETRIES):
            current, pending = pending, []
            decisions = [self.engine.route(facts[pk]) for pk in current]
            to_pool += [d for d in decisions if not d.assigned]
            wanted = [d for d in decisions if d.assigned]
            if not wanted:
                break
            items = []
            for d in wanted:
                d.reason = self._reason(d)
                if refused_by_lead.get(d.lead_id):
                    d.reason["skipped"] = [*refused_by_lead[d.lead_id], *d.reason.get("skipped", [])]
                text, data = self._ledger(d.reason)
                items.append(
                    (by_id[d.lead_id], self._user(d.user_id), self.rule_rows.get(d.rule.id), text, data)
                )
            _events, refused = pool.assign_many(items, actor=self.actor, fresh=fresh)
            refused_ids = set()
            for item, _refusal in refused:
                lead, user = item[0], item[1]
                refused_ids.add(lead.pk)
                self.capacity.remaining[user.pk] = 0
                refused_by_lead.setdefault(lead.pk, []).append([user.pk, "refused", str(user)])
            for d in wanted:
                if d.lead_id not in refused_ids:
                    done[d.lead_id] = d
            pending = [pk for pk in current if pk in refused_ids]
            if not pending:
                break
        for pk in pending:  # still refused after the retries
            decision = Decision(pk, None, reason={"why": "nobody_available"})
            to_pool.append(decision)
        pools = {
            p.pk: p
            for p in Pool.objects.filter(pk__in={d.pool_id for d in to_pool if d.pool_id}, active=True)
        }
        items = []
        for d in to_pool:
            d.reason = self._reason(d)
            if refused_by_lead.get(d.lead_id):
                d.reason["skipped"] = [*refused_by_lead[d.lead_id], *d.reason.get("skipped", [])]
            text, data = self._ledger(d.reason)
            items.append((by_id[d.lead_id], pools.get(d.pool_id), text, data))
            done[d.lead_id] = d
        if items:
            pool.send_many_to_pool(items, actor=self.actor, fresh=fresh)
        return [done[lead.pk] for lead in leads if lead.pk in done]


def _record_failure(lead, exc: Exception) -> None:
    message = (str(getattr(exc, "message", "")) or repr(exc))[:500]
    updated = RoutingFailure.objects.filter(lead_id=lead.pk).update(error=message, at=clock.now())
    if not updated:
        RoutingFailure.objects.create(lead_id=lead.pk, error=message, at=clock.now())
    else:
        from django.db.models import F

        RoutingFailure.objects.filter(lead_id=lead.pk).update(attempts=F("attempts") + 1)


def routable(leads) -> list:
    return [
        lead
        for lead in leads
        if lead.owner_id is None and lead.status == Lead.Status.NEW and lead.archived_at is None
    ]


@transaction.atomic
def route_leads(leads, *, actor=None) -> list[Decision]:
    """Route new, unowned leads: first matching rule wins; no match → the default pool.

    One transaction (a savepoint inside the intake's): cursors are locked for the batch so
    concurrent workers take turns in order; a lead that fails is left NEW and recorded in
    ``RoutingFailure`` for the retry sweep.
    """
    leads = routable(leads)
    if not leads:
        return []
    return Router(actor=actor).route(leads)


@transaction.atomic
def route_arriving(leads, *, actor=None) -> list[Decision]:
    """Route leads intake is about to store (``leads_arriving``): the same decisions as
    ``route_leads``, applied with the pool's batch verbs in their ``fresh`` form, so each
    lead is inserted once with its owner or pool instead of inserted and then updated.
    Raises on failure (the caller restores the instances; nothing here is kept)."""
    leads = routable(leads)
    if not leads:
        return []
    router = Router(actor=actor)
    decisions = router.route_in_bulk(leads, fresh=True)
    _save_cursors(router.store)
    return decisions


def retry_stuck(*, older_than_minutes: int = 5, batch: int = 500) -> dict:
    """Route leads still NEW a while after intake (a failed or missed routing). Bounded."""
    cutoff = clock.now() - timezone.timedelta(minutes=older_than_minutes)
    ids = list(
        Lead.objects.filter(
            status=Lead.Status.NEW, owner__isnull=True, archived_at__isnull=True, created_at__lt=cutoff
        )
        .order_by("id")
        .values_list("pk", flat=True)[:batch]
    )
    if not ids:
        return {"routed": 0, "failed": 0}
    decisions = route_leads(list(Lead.objects.filter(pk__in=ids).order_by("id")))
    return {"routed": len(decisions), "failed": len(ids) - len(decisions)}


def reassign(lead, previous_owner, actor=None):
    """The pool's hook when a deadline passes and its pool says "reassign": run the active
    rules for the lead without its previous owner; return the person or None (→ pool)."""
    from kehu.pool.services import Reassignment

    router = Router(actor=actor, exclude={getattr(previous_owner, "pk", previous_owner)})
    decision = router.engine.route(LeadFacts.of(lead))
    _save_cursors(router.store)
    if not decision.assigned:
        return None
    why = router._reason(decision)
    return Reassignment(
        router._user(decision.user_id),
        rule=router.rule_rows.get(decision.rule.id),
        reason=reasons.stored_text(why),
        data={"assignment": why},
    )
