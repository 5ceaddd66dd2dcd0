"""Periodic sweeps: deadline reminders (owner, then manager) and reclaiming expired records.

Each sweep works in bounded batches, each batch its own transaction; rows are chosen by the
indexed ``Tenure.due`` so a sweep never scans the leads. Re-running changes nothing: a
reclaimed record has no owner and no deadline, a reminder is stored once per deadline
(``dedupe_key``). A batch that fails is retried row by row so one bad row cannot block the
rest; failures are logged and kept on the ``SweepRun``.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

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

    return _run("reclaim", body)


def _expired(now, skip):
    qs = Tenure.objects.filter(owner__isnull=False, due__lte=now)
    if skip:
        qs = qs.exclude(pk__in=skip)
    return qs.order_by("due", "pk")


def _cause(row, now) -> str:
    if row["follow_up_due"] and row["follow_up_due"] <= now and row["followed_up_at"] is None:
        return "follow_up"
    return "conversion" if row["lead_id"] else "not_closed"


FIELDS = ("pk", "lead_id", "customer_id", "pool_id", "owner_id", "follow_up_due", "followed_up_at", "due")


@transaction.atomic
def _reclaim_batch(batch_size, skip, report) -> int:
    from kehu.customers.models import Customer
    from kehu.leads.models import Lead

    from .ownership import reassigners

    now = clock.now()
    rows = list(_lock_batch(_expired(now, skip)).values(*FIELDS)[:batch_size])
    if not rows:
        return 0
    pools = {p.pk: p for p in Pool.objects.filter(pk__in={r["pool_id"] for r in rows if r["pool_id"]})}
    reassign = [
        r
        for r in rows
        if reassigners and pools.get(r["pool_id"]) and pools[r["pool_id"]].on_expiry == "reassign"
    ]
    plain = [r for r in rows if r not in reassign]

    # Only rows whose owner is still the one the tenure names (a concurrent transfer wins).
    lead_rows = [r for r in plain if r["lead_id"]]
    cust_rows = [r for r in plain if r["customer_id"]]
    current = dict(
        Lead.objects.select_for_update()
        .filter(pk__in=[r["lead_id"] for r in lead_rows])
        .order_by("pk")
        .values_list("pk", "owner_id")
    )
    current_c = dict(
        Customer.all_objects.select_for_update()
        .filter(pk__in=[r["customer_id"] for r in cust_rows])
        .order_by("pk")
        .values_list("pk", "owner_id")
    )
    lead_rows = [r for r in lead_rows if current.get(r["lead_id"]) == r["owner_id"]]
    cust_rows = [r for r in cust_rows if current_c.get(r["customer_id"]) == r["owner_id"]]
    stale = [r for r in plain if r not in lead_rows and r not in cust_rows]

    Lead.objects.filter(pk__in=[r["lead_id"] for r in lead_rows]).update(
        owner=None, status=Lead.Status.IN_POOL, updated_at=now
    )
    Customer.all_objects.filter(pk__in=[r["customer_id"] for r in cust_rows]).update(
        owner=None, updated_at=now
    )
    done = lead_rows + cust_rows
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
    # Stale tenures (owner changed without the tenure knowing): clear their deadline.
    Tenure.objects.filter(pk__in=[r["pk"] for r in stale]).update(due=None)
    OwnershipEvent.objects.bulk_create(
        [
            OwnershipEvent(
                kind=OwnershipEvent.Kind.RECLAIM,
                lead_id=r["lead_id"],
                customer_id=r["customer_id"],
                pool_id=r["pool_id"],
                from_user_id=r["owner_id"],
                reason="deadline",
                at=now,
                data={"cause": _cause(r, now), "due": r["due"].isoformat()},
            )
            for r in done
        ],
        batch_size=2000,
    )
    _tell_owners(done, pools, now)
    _digest(by_pool, pools, now)
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
    reclaim(obj, reason="deadline", cause=_cause(row, now))


def _reassign_one(row, now):
    from .ownership import assign, reassigners, reclaim

    obj = _subject_obj(row)
    previous = obj.owner
    reclaim(obj, reason="deadline", cause=_cause(row, now))
    for hook in reassigners:
        user = hook(obj, previous, None)
        if user is not None:
            assign(obj, user, reason="deadline passed: reassigned")
            return


def _tell_owners(rows, pools, now) -> None:
    """One in-app notice per reclaimed record to the person who lost it (stored in bulk)."""
    from kehu.customers.models import Customer
    from kehu.leads.models import Lead

    stamp = now.strftime("%Y%m%d%H%M")
    names = {
        ("l", pk): name or company or f"#{pk}"
        for pk, name, company in Lead.objects.filter(
            pk__in=[r["lead_id"] for r in rows if r["lead_id"]]
        ).values_list("pk", "name", "company")
    }
    names.update(
        {
            ("c", pk): name
            for pk, name in Customer.all_objects.filter(
                pk__in=[r["customer_id"] for r in rows if r["customer_id"]]
            ).values_list("pk", "name")
        }
    )
    notices = [
        Notification(
            recipient_id=r["owner_id"],
            kind=notify.RECLAIMED,
            level=Notification.Level.NORMAL,
            data={
                "record": names.get(("l", r["lead_id"]) if r["lead_id"] else ("c", r["customer_id"]), ""),
                "pool": str(pools.get(r["pool_id"]) or ""),
                "cause": _cause(r, now),
                "target": Target.LEAD if r["lead_id"] else Target.CUSTOMER,
                "id": r["lead_id"] or r["customer_id"],
            },
            dedupe_key=f"reclaimed:{'l' if r['lead_id'] else 'c'}{r['lead_id'] or r['customer_id']}:{stamp}",
            created_at=now,
        )
        for r in rows
    ]
    Notification.objects.bulk_create(notices, batch_size=2000, ignore_conflicts=True)


def _digest(by_pool, pools, now) -> None:
    for pool_id, ids in by_pool.items():
        pool = pools.get(pool_id)
        if pool is None:
            continue
        audience = notify.pool_audience(pool)
        if audience:
            messaging.notify(audience, notify.DIGEST, data={"count": len(ids), "pool": str(pool)}, url="")


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
    for t in rows:
        obj = t.lead or t.customer
        deadline = "follow_up" if t.follow_up_due == t.due and not t.followed_up_at else "conversion"
        data = {
            "record": str(obj),
            "due": timezone.localtime(t.due).strftime("%Y-%m-%d %H:%M"),
            "owner": str(t.owner),
            "target": Target.LEAD if t.lead_id else Target.CUSTOMER,
            "id": obj.pk,
        }
        key = f"deadline:{t.pk}:{t.due:%Y%m%d%H%M}:{stage}"
        if stage == 1:
            messaging.notify(
                [t.owner], notify.REMIND[deadline], data=data, url=notify.record_url(obj), dedupe_key=key
            )
        else:
            manager = manager_of(t.owner)
            messaging.notify(
                [manager] if manager else [t.owner],
                notify.ESCALATE[deadline] if manager else notify.REMIND[deadline],
                data=data,
                url=notify.record_url(obj),
                level=Notification.Level.STRONG,
                dedupe_key=key,
            )
        report.done += 1
    Tenure.objects.filter(pk__in=[t.pk for t in rows]).update(reminder_stage=stage)
    return len(rows)
