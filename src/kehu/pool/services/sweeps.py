"""Periodic sweeps: deadline reminders (owner, then manager) and reclaiming expired records.

Each sweep works in bounded batches, each batch its own transaction; rows are chosen by the
indexed ``Tenure.due`` so a sweep never scans the leads. Re-running changes nothing: a
reclaimed record has no owner and no deadline, a reminder is stored once per deadline
(``dedupe_key``). A batch that fails is retried row by row so one bad row cannot block the
rest; failures are logged and kept on the ``SweepRun``.
"""

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kehu.core import clock
from kehu.messaging import services as messaging
from kehu.messaging.models import Notification

from ..models import OwnershipEvent, Pool, SweepRun, Target, Tenure
from . import notify

log = logging.getLogger(__name__)
BATCH = 5000
MAX_FAILURES_KEPT = 100


@dataclass
class Report:
    name: str
    done: int = 0
    failures: list = field(default_factory=list)
    returned: Counter = field(default_factory=Counter)  # pool id -> records back in it
    lost: Counter = field(default_factory=Counter)  # previous owner id -> records lost

    def fail(self, row_id, exc: BaseException) -> None:
        log.error("pool sweep %s: row %s failed: %s", self.name, row_id, exc, exc_info=exc)
        self.failures.append({"id": row_id, "error": f"{type(exc).__name__}: {exc}"[:300]})


def _run(name: str, body) -> Report:
    report = Report(name)
    run = SweepRun.objects.create(name=name, started_at=clock.now())
    try:
        body(report)
    finally:
        run.finished_at = clock.now()
        run.done = report.done
        run.failed = len(report.failures)
        run.failures = report.failures[:MAX_FAILURES_KEPT]
        run.save()
    return report


def _lock_batch(qs):
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs  # SQLite: the IMMEDIATE transaction already holds the write lock


# --- reclaim ----------------------------------------------------------------------------


def reclaim_expired(batch_size: int = BATCH, max_batches: int | None = None) -> Report:
    """Return every owned record whose earliest deadline has passed to its pool (or reassign
    it when the pool says so and an assignment hook is registered)."""

    def body(report: Report):
        _protect_closed_customers()
        skip: set[int] = set()
        batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            try:
                n = _reclaim_batch(batch_size, skip, report)
            except Exception as exc:
                log.warning("pool sweep: batch failed (%s); retrying row by row", exc)
                n = _reclaim_rows_one_by_one(batch_size, skip, report)
            if n == 0:
                break
        try:
            _digest(report.returned)
            _tell_owners(report.lost)
        except Exception as exc:
            report.fail("digest", exc)

    return _run("reclaim", body)


def _protect_closed_customers() -> int:
    """Customers who closed a deal are no longer on the customer pool's clock."""
    from kehu.customers.models import Customer

    return Tenure.objects.filter(
        customer__type=Customer.Type.CLOSED, owner__isnull=False, due__isnull=False
    ).update(follow_up_due=None, convert_due=None, due=None)


def _expired(now, skip):
    qs = Tenure.objects.filter(owner__isnull=False, due__lte=now)
    if skip:
        qs = qs.exclude(pk__in=skip)
    return qs.order_by("due", "pk")


# Why a deadline reclaim happened (the event's data["cause"]; its reason is "deadline").
DEADLINE_REASON = "deadline"
CAUSE_LABELS = {
    "follow_up": gettext_lazy("No first follow-up in time"),
    "conversion": gettext_lazy("Not converted in time"),
    "not_closed": gettext_lazy("Not closed in time"),
}


def _cause(row, now) -> str:
    # A lead's follow-up clears its follow-up deadline; a customer's sets the next one.
    if row["follow_up_due"] and row["follow_up_due"] <= now:
        return "follow_up"
    return "conversion" if row["lead_id"] else "not_closed"


FIELDS = ("pk", "lead_id", "customer_id", "pool_id", "owner_id", "follow_up_due", "followed_up_at", "due")


@transaction.atomic
def _reclaim_batch(batch_size, skip, report) -> int:
    """Reclaim up to ``batch_size`` expired records in one transaction, set-based.

    Lock order matches the ownership verbs (the record first, then its tenure): the
    conditional UPDATE locks each lead or customer and takes it only if its owner is still
    the tenure's owner and the deadline still passed, so a concurrent transfer or release
    wins and is left alone.
    """
    from .ownership import reassigners

    now = clock.now()
    rows = list(_expired(now, skip).values(*FIELDS)[:batch_size])
    if not rows:
        return 0
    pools = {p.pk: p for p in Pool.objects.filter(pk__in={r["pool_id"] for r in rows if r["pool_id"]})}
    reassign_pools = (
        {pk for pk, p in pools.items() if p.on_expiry == Pool.OnExpiry.REASSIGN} if reassigners else set()
    )
    reassign = [r for r in rows if r["pool_id"] in reassign_pools]
    plain = [r for r in rows if r["pool_id"] not in reassign_pools]

    taken_leads = _drop_owners("leads_lead", "lead_id", [r["lead_id"] for r in plain if r["lead_id"]], now)
    taken_customers = _drop_owners(
        "customers_customer", "customer_id", [r["customer_id"] for r in plain if r["customer_id"]], now
    )
    done = [r for r in plain if r["lead_id"] in taken_leads or r["customer_id"] in taken_customers]
    done_ids = {r["pk"] for r in done}
    skip.update(r["pk"] for r in plain if r["pk"] not in done_ids)  # changed meanwhile: not ours

    _insert_events(sorted(done_ids), now)
    by_pool = defaultdict(list)
    for r in done:
        by_pool[r["pool_id"]].append(r["pk"])
    for pool_id, ids in by_pool.items():
        pool = pools.get(pool_id)
        hold = now + dt.timedelta(hours=pool.hold_hours) if pool and pool.hold_hours else None
        Tenure.objects.filter(pk__in=ids).update(
            owner=None,
            since=None,
            follow_up_due=None,
            convert_due=None,
            followed_up_at=None,
            due=None,
            reminder_stage=0,
            entered_pool_at=now,
            hold_until=hold,
        )
    for r in done:
        report.returned[r["pool_id"]] += 1
        report.lost[r["owner_id"]] += 1
    report.done += len(done)
    for r in reassign:  # few: one at a time, each in a savepoint
        try:
            with transaction.atomic():
                _reassign_one(r, now)
            report.done += 1
        except Exception as exc:
            skip.add(r["pk"])
            report.fail(r["pk"], exc)
    return len(rows)


def _insert_events(tenure_ids: list[int], now) -> None:
    """The ledger rows, written set-based from the tenures (before they are cleared)."""
    if not tenure_ids:
        return
    build = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    placeholders = ", ".join(["%s"] * len(tenure_ids))
    sql = (
        "INSERT INTO pool_ownershipevent (kind, lead_id, customer_id, pool_id, from_user_id, rule_name, "  # noqa: S608
        "reason, at, data) "
        "SELECT %s, t.lead_id, t.customer_id, t.pool_id, t.owner_id, '', 'deadline', %s, "
        f"{build}('cause', CASE WHEN t.follow_up_due <= %s THEN 'follow_up' "
        "WHEN t.lead_id IS NOT NULL THEN 'conversion' ELSE 'not_closed' END) "
        f"FROM pool_tenure t WHERE t.id IN ({placeholders})"
    )
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [OwnershipEvent.Kind.RECLAIM, at, at, *tenure_ids])


def _drop_owners(table: str, fk: str, ids: list[int], now) -> set[int]:
    """UPDATE … SET owner = NULL WHERE the owner is still the expired tenure's; the ids taken."""
    if not ids:
        return set()
    status = ", status = %s" if table == "leads_lead" else ""
    alive = " AND deleted_at IS NULL" if table == "customers_customer" else ""
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {table} SET owner_id = NULL{status}, updated_at = %s "  # noqa: S608 - fixed names
        f"WHERE id IN ({placeholders}){alive} AND owner_id = "
        f"(SELECT t.owner_id FROM pool_tenure t WHERE t.{fk} = {table}.id AND t.due <= %s) RETURNING id"
    )
    params = [*(["in_pool"] if status else []), connection.ops.adapt_datetimefield_value(now)]
    params += [*ids, connection.ops.adapt_datetimefield_value(now)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _reclaim_rows_one_by_one(batch_size, skip, report) -> int:
    now = clock.now()
    ids = list(_expired(now, skip).values_list("pk", flat=True)[:batch_size])
    for pk in ids:
        try:
            with transaction.atomic():
                row = (
                    _lock_batch(Tenure.objects.filter(pk=pk, owner__isnull=False, due__lte=now))
                    .values(*FIELDS)
                    .first()
                )
                if row is None:
                    continue
                _reclaim_one(row, now)
            report.done += 1
        except Exception as exc:
            skip.add(pk)
            report.fail(pk, exc)
    return len(ids)


def _subject_obj(row):
    if row["lead_id"]:
        from kehu.leads.models import Lead

        return Lead.objects.get(pk=row["lead_id"])
    from kehu.customers.models import Customer

    return Customer.all_objects.get(pk=row["customer_id"])


def _reclaim_one(row, now):
    from .ownership import reclaim

    obj = _subject_obj(row)
    if obj.owner_id != row["owner_id"]:
        Tenure.objects.filter(pk=row["pk"]).update(due=None)
        return
    reclaim(obj, reason=DEADLINE_REASON, cause=_cause(row, now))


def _reassign_one(row, now):
    from .ownership import Reassignment, assign, reassigners, reclaim

    obj = _subject_obj(row)
    previous = obj.owner
    reclaim(obj, reason=DEADLINE_REASON, cause=_cause(row, now))
    for hook in reassigners:
        decided = hook(obj, previous, None)
        if decided is None:
            continue
        if not isinstance(decided, Reassignment):
            decided = Reassignment(decided)
        assign(
            obj,
            decided.user,
            rule=decided.rule,
            reason=decided.reason or "deadline passed: reassigned",
            data={"reassigned_from": getattr(previous, "pk", None), **(decided.data or {})},
        )
        return


def _tell_owners(lost: Counter) -> None:
    """One notice per person and sweep: how many of their records went back to a pool."""
    with transaction.atomic():
        for owner_id, count in lost.items():
            messaging.notify([owner_id], notify.RECLAIMED, data={"count": count})


def _digest(returned: Counter) -> None:
    """One notice per pool and sweep to the people who may claim there (not one per record)."""
    for pool in Pool.objects.filter(pk__in=[pk for pk in returned if pk]):
        audience = notify.pool_audience(pool)
        if audience:
            with transaction.atomic():
                messaging.notify(
                    audience, notify.DIGEST, data={"count": returned[pool.pk], "pool": str(pool)}
                )


# --- reminders ---------------------------------------------------------------------------


def send_reminders(batch_size: int = BATCH) -> Report:
    """Escalating reminders before each deadline: the owner first (``remind_owner_hours``
    before), then the owner's manager (``remind_manager_hours`` before). Expiry itself is
    the reclaim sweep's job."""

    def body(report: Report):
        for pool in Pool.objects.filter(active=True):
            for stage, hours in ((1, pool.remind_owner_hours), (2, pool.remind_manager_hours)):
                if not hours:
                    continue
                while True:
                    try:
                        n = _remind_batch(pool, stage, hours, batch_size, report)
                    except Exception as exc:
                        report.fail(f"pool {pool.pk} stage {stage}", exc)
                        break
                    if n < batch_size:
                        break

    return _run("reminders", body)


@transaction.atomic
def _remind_batch(pool, stage, hours, batch_size, report) -> int:
    from kehu.accounts.services import manager_of

    now = clock.now()
    qs = _lock_batch(
        Tenure.objects.filter(
            pool=pool,
            owner__isnull=False,
            due__gt=now,
            due__lte=now + dt.timedelta(hours=hours),
            reminder_stage__lt=stage,
        ).order_by("due", "pk")
    ).select_related("owner", "lead", "customer")
    rows = list(qs[:batch_size])
    managers: dict[int, object] = {}
    notices = []
    for t in rows:
        obj = t.lead or t.customer
        deadline = "follow_up" if t.follow_up_due is not None and t.follow_up_due == t.due else "conversion"
        data = {
            "record": str(obj),
            "due": timezone.localtime(t.due).strftime("%Y-%m-%d %H:%M"),
            "owner": str(t.owner),
            "target": Target.LEAD if t.lead_id else Target.CUSTOMER,
            "id": obj.pk,
        }
        kind, level, recipient = notify.REMIND[deadline], Notification.Level.NORMAL, t.owner_id
        if stage == 2:
            if t.owner_id not in managers:
                managers[t.owner_id] = manager_of(t.owner)
            manager = managers[t.owner_id]
            level = Notification.Level.STRONG
            if manager is not None:
                kind, recipient = notify.ESCALATE[deadline], manager.pk
        notices.append(
            Notification(
                recipient_id=recipient,
                kind=kind,
                level=level,
                data=data,
                url=notify.record_url(obj),
                dedupe_key=f"deadline:{t.pk}:{t.due:%Y%m%d%H%M}:{stage}",
                created_at=now,
            )
        )
        report.done += 1
    # Once per deadline and stage: the unique (recipient, dedupe_key) drops repeats.
    Notification.objects.bulk_create(notices, batch_size=1000, ignore_conflicts=True)
    if notices and messaging.CHANNELS:
        created = list(
            Notification.objects.filter(dedupe_key__in=[n.dedupe_key for n in notices], created_at=now)
        )
        if created:
            transaction.on_commit(lambda: messaging._deliver(created))
    Tenure.objects.filter(pk__in=[t.pk for t in rows]).update(reminder_stage=stage)
    return len(rows)
