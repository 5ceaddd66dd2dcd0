"""Batch verbs for new leads straight from intake (system assignment at thousands per second).

Same rules as ``assign``/``send_to_pool`` — limits checked under ``lock_for`` (once per
person, for all of that person's leads), each lead taken with a conditional UPDATE (still
unowned, not closed), a Tenure with the pool's grade policy, one ledger event per lead,
notifications by grade — in one transaction and a handful of queries per batch and per
person instead of ~15 per lead. Leads with ownership history (cooling-off may apply) go
through ``assign`` one by one.

    events, refused = assign_many([(lead, user, rule_or_None, reason, data_or_None), …], actor=None)
        refused: [(item, Refusal)] — a person at a quota or on leave (all that person's
        items), or a lead someone else took meanwhile ("already_claimed"); re-route them.
    events = send_many_to_pool([(lead, pool_or_None, reason, data_or_None), …], actor=None)
        unowned leads into a pool (None = the lead's default pool, by region).

``fresh=True`` (both verbs): the leads are being created in this transaction and have
no row yet (``leads_arriving``): nobody else can see or hold them, and they have no history,
so they are neither locked, nor re-read, nor updated — their owner and status are set on the
instances, which intake then inserts as they are; tenures, events and notices are written
now (foreign keys are checked at commit). Limits are checked and locked as always.
"""

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.bulk import Factory, insert_objects
from kehu.core.errors import ServiceError
from kehu.messaging import services as messaging

from ..models import OwnershipEvent, Pool, Target, Tenure
from . import limits as limits_mod
from .limits import Refusal
from .notify import ASSIGNED, ENTERED_POOL, ENTERED_POOL_MANY, LEVEL, Audiences, notify_setting, record_url
from .ownership import REASON_MAX, _earliest, _lead_model, policy_for

Kind = OwnershipEvent.Kind
TENURE_OWNED = ["pool", "owner", "since", "followed_up_at", "hold_until", "follow_up_due", "convert_due"]
TENURE_OWNED += ["reminder_stage", "due"]
TENURE_POOLED = ["pool", "owner", "since", "follow_up_due", "convert_due", "due", "followed_up_at"]
TENURE_POOLED += ["hold_until", "reminder_stage", "entered_pool_at"]


class _Pools:
    """default_pool(), policy_for() and notify_setting() cached for one batch."""

    def __init__(self):
        self.by_region: dict = {}
        self.pools: list[Pool] | None = None
        self.regions: dict = {}
        self.policies: dict = {}
        self.settings: dict = {}

    def default_for(self, lead) -> Pool | None:
        key = (lead.city_id, lead.province_id)
        if key not in self.by_region:
            self.by_region[key] = self._default_pool(key)
        return self.by_region[key]

    def _default_pool(self, region_ids) -> Pool | None:
        """``default_pool(Target.LEAD, lead)`` from the active lead pools read once per batch."""
        if self.pools is None:
            self.pools = list(Pool.objects.filter(kind=Target.LEAD, active=True).order_by("order", "pk"))
            self.regions = defaultdict(set)
            for pool_id, region_id in Pool.regions.through.objects.filter(
                pool_id__in=[p.pk for p in self.pools]
            ).values_list("pool_id", "region_id"):
                self.regions[pool_id].add(region_id)
        wanted = {rid for rid in region_ids if rid}
        for pool in self.pools:
            if wanted & self.regions[pool.pk]:
                return pool
        return next((p for p in self.pools if p.is_default), None) or next(iter(self.pools), None)

    def policy(self, pool, grade):
        key = (getattr(pool, "pk", None), grade or "")
        if key not in self.policies:
            self.policies[key] = policy_for(pool, grade or "")
        return self.policies[key]

    def notify(self, pool, grade) -> str:
        key = (getattr(pool, "pk", None), grade or "")
        if key not in self.settings:
            self.settings[key] = notify_setting(pool, grade or "")
        return self.settings[key]


class _Holdings:
    """``held_count`` for one batch: counted once, then kept up to date as people take leads,
    so each person's (and each group's) check sees what the earlier ones took."""

    def __init__(self, user_ids):
        Lead = _lead_model()
        self.by_user = dict.fromkeys(user_ids, 0)
        self.by_user.update(
            Lead.objects.filter(
                owner_id__in=list(user_ids), status__in=[Lead.Status.ASSIGNED, Lead.Status.FOLLOWING]
            )
            .values_list("owner_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        self.taken: dict[int, int] = defaultdict(int)
        self.groups: dict = {}
        self.bases: dict = {}

    def members(self, group) -> list[int]:
        key = (group.kind, group.pk)
        if key not in self.groups:
            self.groups[key] = limits_mod.group_member_ids(group)
        return self.groups[key]

    def held(self, user_ids) -> int:
        if len(user_ids) == 1 and user_ids[0] in self.by_user:
            return self.by_user[user_ids[0]]
        key = frozenset(user_ids)
        if key not in self.bases:
            # Counted before this batch's leads change hands (one UPDATE at the end).
            self.bases[key] = limits_mod.held_count(user_ids, Target.LEAD)
        return self.bases[key] + sum(self.taken[u] for u in key)

    def took(self, user_id, n) -> None:
        self.by_user[user_id] += n
        self.taken[user_id] += n


def _among(qs, field: str, ids):
    """``qs.filter(<field>__in=ids)``; on PostgreSQL as ``= ANY(%s)`` with one array parameter,
    which saves compiling and binding thousands of parameters per batch."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        return qs.filter(**{f"{field}__in": ids})
    meta = qs.model._meta
    column = meta.pk.column if field == "pk" else meta.get_field(field).column
    qn = connection.ops.quote_name
    return qs.extra(where=[f"{qn(meta.db_table)}.{qn(column)} = ANY(%s)"], params=[ids])  # noqa: S610 - names from model meta


def _set_owners(Lead, pairs, now) -> None:
    """Leads' owners from (lead id, owner id) pairs, status assigned: one set-based
    UPDATE … FROM (VALUES …) per 2,000 leads on SQLite (≥ 3.33), FROM unnest(arrays) on PostgreSQL."""
    meta = Lead._meta
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    owner, status, updated, pk = (qn(c) for c in ("owner_id", "status", "updated_at", meta.pk.column))
    updated_at = meta.get_field("updated_at").get_db_prep_value(now, connection)
    if connection.vendor == "postgresql" and pairs:
        # Two array parameters instead of two per lead.
        sql = (
            f"UPDATE {table} SET {owner} = v.column2, {status} = %s, {updated} = %s"  # noqa: S608 - model meta
            " FROM unnest(%s::bigint[], %s::bigint[]) AS v(column1, column2)"
            f" WHERE {table}.{pk} = v.column1 AND {table}.{owner} IS NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [Lead.Status.ASSIGNED, updated_at, [p[0] for p in pairs], [p[1] for p in pairs]]
            )
        return
    for i in range(0, len(pairs), 2000):
        chunk = pairs[i : i + 2000]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        sql = (
            f"UPDATE {table} SET {owner} = v.column2, {status} = %s, {updated} = %s"  # noqa: S608 - model meta
            f" FROM (VALUES {values}) AS v WHERE {table}.{pk} = v.column1 AND {table}.{owner} IS NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [Lead.Status.ASSIGNED, updated_at, *(x for pair in chunk for x in pair)])


_FACTORIES: dict = {}


def _new(model, **values):
    """``model(**values)`` through a cached ``Factory`` (thousands per batch)."""
    factory = _FACTORIES.get(model)
    if factory is None:
        factory = _FACTORIES[model] = Factory(model)
    return factory(**values)


def _tenures(lead_ids, fresh=False) -> dict[int, Tenure]:
    existing = {} if fresh else {t.lead_id: t for t in _among(Tenure.objects.all(), "lead_id", lead_ids)}
    return {pk: existing.get(pk) or _new(Tenure, lead_id=pk) for pk in lead_ids}


def _save_tenures(tenures, fields):
    tenures = list(tenures)
    new = [t for t in tenures if t.pk is None]
    old = [t for t in tenures if t.pk is not None]
    if new:
        insert_objects(new)
    if old:
        Tenure.objects.bulk_update(old, fields, batch_size=1000)


_URL = []


def _url(lead):
    if not _URL:
        _URL.append(record_url(type(lead)(pk=999999937)).replace("999999937", "{}"))
    return _URL[0].format(lead.pk)


@transaction.atomic
def assign_many(items, *, actor=None, fresh=False):
    """Assign many unowned leads at once; see the module docstring. Returns (events, refused)."""
    from . import ownership

    Lead = _lead_model()
    now = clock.now()
    items = [(*item, None)[:5] if len(item) == 4 else tuple(item) for item in items]
    refused: list = []
    events: list = []
    with_history = (
        set()
        if fresh
        else set(
            _among(
                OwnershipEvent.objects.filter(from_user__isnull=False), "lead_id", [i[0].pk for i in items]
            ).values_list("lead_id", flat=True)
        )
    )
    by_user: dict[int, list] = defaultdict(list)
    for item in items:
        if item[0].pk in with_history:
            lead, user, rule, reason, data = item
            try:
                with transaction.atomic():
                    events.append(
                        ownership.assign(lead, user, actor=actor, rule=rule, reason=reason, data=data)
                    )
            except ServiceError as exc:
                refused.append((item, Refusal(exc.code, str(exc.message))))
            continue
        by_user[item[1].pk].append(item)
    taken = []
    if by_user:
        users = {uid: mine[0][1] for uid, mine in by_user.items()}
        all_limits = limits_mod.limits_for_many(users.values(), Target.LEAD)
        limits_mod.lock_many(users.values(), all_limits)
        wanted = sorted(item[0].pk for mine in by_user.values() for item in mine)
        if fresh:  # not stored yet: open by definition, and nobody else can take them
            open_ids = set(wanted)
        else:  # all the batch's leads locked at once, in id order
            open_ids = set(
                _among(
                    Lead.objects.select_for_update().filter(owner__isnull=True, archived_at__isnull=True),
                    "pk",
                    wanted,
                )
                .exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.INVALID])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        holdings = _Holdings(list(users))
        owners: dict[int, list[int]] = {}
        for user_id in sorted(by_user):  # the order the checks ran in one by one
            mine, user = by_user[user_id], users[user_id]
            refusal = limits_mod.check_limits(
                user,
                "assign",
                len(mine),
                all_limits[user_id],
                held_of=holdings.held,
                members_of=holdings.members,
            )
            if refusal is not None:
                refused += [(item, refusal) for item in mine]
                continue
            ids = [item[0].pk for item in mine if item[0].pk in open_ids]
            open_ids.difference_update(ids)  # the same lead twice in a batch: the first one wins
            owners[user_id] = ids
            holdings.took(user_id, len(set(ids)))
            for item in mine:
                if item[0].pk in ids:
                    item[0].owner, item[0].status, item[0].updated_at = user, Lead.Status.ASSIGNED, now
                    taken.append(item)
                else:
                    refused.append(
                        (item, Refusal("already_claimed", _("Someone else has already taken this record.")))
                    )
        if not fresh:  # fresh leads are inserted with the owner set on them above
            _set_owners(Lead, [(pk, uid) for uid, ids in owners.items() for pk in dict.fromkeys(ids)], now)
    if not taken:
        return events, refused
    pools = _Pools()
    tenures = _tenures([item[0].pk for item in taken], fresh)
    new_events, notices = [], []
    for lead, user, rule, reason, data in taken:
        tenure = tenures[lead.pk]
        pool = tenure.pool or pools.default_for(lead)
        policy = pools.policy(pool, lead.grade)
        tenure.pool, tenure.owner, tenure.since = pool, user, now
        tenure.followed_up_at = tenure.hold_until = None
        tenure.follow_up_due = (
            now + dt.timedelta(hours=policy.follow_up_hours) if policy and policy.follow_up_hours else None
        )
        tenure.convert_due = (
            now + dt.timedelta(days=policy.convert_days) if policy and policy.convert_days else None
        )
        tenure.reminder_stage = 0
        tenure.due = _earliest(tenure.follow_up_due, tenure.convert_due)
        reason = str(reason or "")[:REASON_MAX]
        new_events.append(
            _new(
                OwnershipEvent,
                kind=Kind.ASSIGN,
                lead_id=lead.pk,
                pool=pool,
                actor=actor if getattr(actor, "pk", None) else None,
                to_user_id=user.pk,
                rule_id=getattr(rule, "pk", None),
                rule_name=str(rule)[:200] if rule is not None else "",
                reason=reason,
                at=now,
                data=data or {},
            )
        )
        setting = pools.notify(pool, lead.grade or "")
        if setting in LEVEL:
            notices.append(
                (
                    user.pk,
                    ASSIGNED,
                    LEVEL[setting],
                    {
                        "record": str(lead),
                        "grade": lead.grade or "—",
                        "reason": reason or (str(rule) if rule is not None else "—"),
                        "target": Target.LEAD,
                        "id": lead.pk,
                    },
                    _url(lead),
                    now,
                )
            )
    _save_tenures(tenures.values(), TENURE_OWNED)
    events += insert_objects(new_events)
    messaging.notify_many(notices)
    return events, refused


@transaction.atomic
def send_many_to_pool(items, *, actor=None, fresh=False) -> list[OwnershipEvent]:
    """Put many unowned leads into pools at once; see the module docstring."""
    Lead = _lead_model()
    now = clock.now()
    pools = _Pools()
    items = [(*item, None)[:4] if len(item) == 3 else tuple(item) for item in items]
    ids = [item[0].pk for item in items]
    if fresh:  # not stored yet: their status is set on them below, and inserted so
        eligible = set(ids)
    else:
        eligible = set(
            _among(Lead.objects.select_for_update().filter(owner__isnull=True), "pk", ids)
            .exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.INVALID])
            .values_list("pk", flat=True)
        )
        _among(Lead.objects.all(), "pk", eligible).update(status=Lead.Status.IN_POOL, updated_at=now)
    items = [item for item in items if item[0].pk in eligible]
    tenures = _tenures(list(eligible), fresh)
    audiences = Audiences()
    new_events = []
    # (pool id, audience's ids) -> [(level, lead)]: leads alike for the display rules share
    # an audience, so a chunk's leads are grouped by it, not appended per lead and person.
    groups: dict[tuple, list] = defaultdict(list)
    by_pk: dict[int, Pool] = {}
    for lead, pool, reason, data in items:
        pool = pool or pools.default_for(lead)
        tenure = tenures[lead.pk]
        tenure.pool, tenure.owner, tenure.since = pool, None, None
        tenure.follow_up_due = tenure.convert_due = tenure.due = tenure.followed_up_at = tenure.hold_until = (
            None
        )
        tenure.reminder_stage, tenure.entered_pool_at = 0, now
        lead.status, lead.updated_at = Lead.Status.IN_POOL, now
        new_events.append(
            _new(
                OwnershipEvent,
                kind=Kind.POOL,
                lead_id=lead.pk,
                pool=pool,
                actor=actor if getattr(actor, "pk", None) else None,
                reason=str(reason or "")[:REASON_MAX],
                at=now,
                data=data or {},
            )
        )
        setting = pools.notify(pool, lead.grade or "") if pool else "none"
        if setting in LEVEL:
            by_pk[pool.pk] = pool
            groups[(pool.pk, audiences.ids_of(pool, lead))].append((LEVEL[setting], lead))
    _save_tenures(tenures.values(), TENURE_POOLED)
    events = insert_objects(new_events)
    told: dict[tuple, list] = defaultdict(list)  # (person, pool) -> [(level, lead)]
    actor_pk = getattr(actor, "pk", None)
    for (pool_pk, user_ids), entries in groups.items():
        for user_id in user_ids:
            if not actor or user_id != actor_pk:
                told[(user_id, by_pk[pool_pk])].extend(entries)
    messaging.notify_many(_entered_notices(told, now))
    return events


DIGEST_OVER = 3  # more new records than this for one person in one batch: one notice for all


def _entered_notices(told: dict, now) -> list[tuple]:
    """One notice per record, or — when a batch (an import's chunk, a busy form) brings one
    person more than ``DIGEST_OVER`` records in one pool — one notice counting them by grade,
    at the strongest of their levels, linking to the pool. Nobody gets a thousand messages.
    ``told``: (person, pool) -> [(level, lead)]; a record's text and link are made only for
    the notices that show them."""
    notices = []
    for (user_id, pool), entries in told.items():
        if len(entries) <= DIGEST_OVER:
            for level, lead in sorted(entries, key=lambda entry: entry[1].pk):
                data = {"record": str(lead), "pool": str(pool), "grade": lead.grade or "—"}
                data |= {"target": "lead", "id": lead.pk}
                notices.append((user_id, ENTERED_POOL, level, data, _url(lead), now))
            continue
        grades: dict[str, int] = defaultdict(int)
        for _level, lead in entries:
            grades[lead.grade or "—"] += 1
        level = "strong" if any(level == "strong" for level, _lead in entries) else "normal"
        summary = " · ".join(f"{grade} {n}" for grade, n in sorted(grades.items()))
        data = {"count": len(entries), "pool": str(pool), "grades": summary, "target": "lead"}
        notices.append((user_id, ENTERED_POOL_MANY, level, data, _pool_url(pool), now))
    return notices


def _pool_url(pool) -> str:
    from django.urls import reverse

    return f"{reverse('pool:list')}?pool={pool.pk}"


def adopt_owned(leads, *, actor=None) -> list[OwnershipEvent]:
    """Leads that arrive already owned (a salesperson entering their own lead, or a lead given
    to the owner of the existing customer it matched): start their tenure (deadlines of the
    default pool's grade policy) and write the ``assign`` event, so the ledger is complete.
    Unowned leads are left to the assignment rules."""
    owned = [lead for lead in leads if lead.owner_id]
    if not owned:
        return []
    have = set(
        Tenure.objects.filter(lead_id__in=[lead.pk for lead in owned]).values_list("lead_id", flat=True)
    )
    owned = [lead for lead in owned if lead.pk not in have]
    if not owned:
        return []
    now = clock.now()
    pools = _Pools()
    tenures, events = [], []
    for lead in owned:
        pool = pools.default_for(lead)
        policy = pools.policy(pool, lead.grade)
        follow_up_due = (
            now + dt.timedelta(hours=policy.follow_up_hours) if policy and policy.follow_up_hours else None
        )
        convert_due = now + dt.timedelta(days=policy.convert_days) if policy and policy.convert_days else None
        tenures.append(
            Tenure(
                lead_id=lead.pk,
                pool=pool,
                owner_id=lead.owner_id,
                since=now,
                follow_up_due=follow_up_due,
                convert_due=convert_due,
                due=_earliest(follow_up_due, convert_due),
            )
        )
        events.append(
            OwnershipEvent(
                kind=Kind.ASSIGN,
                lead_id=lead.pk,
                pool=pool,
                actor=actor if getattr(actor, "pk", None) else None,
                to_user_id=lead.owner_id,
                at=now,
                data={"intake": True},
            )
        )
    Tenure.objects.bulk_create(tenures, batch_size=1000)
    return OwnershipEvent.objects.bulk_create(events, batch_size=1000)
