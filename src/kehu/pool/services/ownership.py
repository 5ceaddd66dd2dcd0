"""The ownership verbs. Every change of a lead's or customer's owner goes through here,
appends an ``OwnershipEvent`` in the same transaction and keeps the ``Tenure`` (pool,
deadlines) in step.

Claims are atomic on SQLite and PostgreSQL: the limit checks run under a per-person lock
row (``limits.lock_for``) and the record is taken with a conditional UPDATE … WHERE owner IS
NULL, so of many concurrent claimers of one record exactly one wins, and one person's
concurrent claims never pass a limit. Refusals raise ``Conflict`` with a specific code.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import clock
from kehu.core.errors import Conflict, Forbidden, NotFound, ValidationFailed

from ..capabilities import MANAGE_POOLS
from ..models import ClaimRefusal, GradePolicy, OwnershipEvent, Pool, Target, Tenure
from . import limits as limits_mod
from .limits import Refusal
from .visibility import sees_in_pool

Kind = OwnershipEvent.Kind
REASON_MAX = 500


@dataclass(frozen=True)
class Reassignment:
    """What a reassignment hook decided: the new owner, and the rule and why (for the ledger)."""

    user: User
    rule: object = None
    reason: str = ""
    data: dict | None = None


# Hooks other domains register (assignment):
#   reassign(lead, previous_owner, actor) -> Reassignment | User | None (None: back to the pool)
reassigners: list = []


# --- helpers ------------------------------------------------------------------------------


def _lead_model():
    from kehu.leads.models import Lead

    return Lead


def _customer_model():
    from kehu.customers.models import Customer

    return Customer


def _target_of(obj) -> str:
    return Target.CUSTOMER if obj.__class__.__name__ == "Customer" else Target.LEAD


def _subject(obj) -> dict:
    return {"customer_id": obj.pk} if _target_of(obj) == Target.CUSTOMER else {"lead_id": obj.pk}


def _clean_reason(reason, *, required: bool) -> str:
    text = str(reason or "").strip()
    if required and not text:
        raise ValidationFailed(fields={"reason": [_("Please give a reason.")]})
    if len(text) > REASON_MAX:
        raise ValidationFailed(fields={"reason": [_("At most %(n)s characters.") % {"n": REASON_MAX}]})
    if "\x00" in text:
        raise ValidationFailed(fields={"reason": [_("Contains characters that are not allowed.")]})
    return text


def default_pool(target: str = Target.LEAD, obj=None) -> Pool | None:
    """The pool a record goes to when none is named: a pool covering its province or city,
    else the default pool of its kind."""
    pools = Pool.objects.filter(kind=target, active=True)
    if obj is not None:
        region_ids = [
            rid for rid in (getattr(obj, "city_id", None), getattr(obj, "province_id", None)) if rid
        ]
        if region_ids:
            match = pools.filter(regions__in=region_ids).order_by("order", "pk").first()
            if match:
                return match
    return (
        pools.filter(is_default=True).order_by("order", "pk").first() or pools.order_by("order", "pk").first()
    )


def policy_for(pool: Pool | None, grade: str = "") -> GradePolicy | None:
    if pool is None:
        return None
    policies = {p.grade: p for p in pool.policies.all()}
    return policies.get(grade or "") or policies.get("")


def _tenure(obj) -> Tenure:
    tenure, _created = Tenure.objects.get_or_create(**_subject(obj))
    return tenure


def _earliest(*values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _start_tenure(tenure: Tenure, obj, owner: User, now: dt.datetime, pool: Pool | None) -> None:
    """A new owner: fresh protection time from the pool's grade policy."""
    pool = pool or tenure.pool or default_pool(_target_of(obj), obj)
    policy = policy_for(pool, getattr(obj, "grade", "") or "")
    tenure.pool = pool
    tenure.owner = owner
    tenure.since = now
    tenure.followed_up_at = None
    tenure.follow_up_due = (
        now + dt.timedelta(hours=policy.follow_up_hours) if policy and policy.follow_up_hours else None
    )
    tenure.convert_due = (
        now + dt.timedelta(days=policy.convert_days) if policy and policy.convert_days else None
    )
    tenure.hold_until = None
    tenure.reminder_stage = 0
    tenure.due = _earliest(tenure.follow_up_due, tenure.convert_due)
    tenure.save()


def _end_tenure(tenure: Tenure, now: dt.datetime, pool: Pool | None, *, hold: bool) -> None:
    """Back in a pool: no owner, no deadlines, perhaps a hold period."""
    tenure.pool = pool
    tenure.owner = None
    tenure.since = None
    tenure.follow_up_due = tenure.convert_due = tenure.due = None
    tenure.followed_up_at = None
    tenure.reminder_stage = 0
    tenure.entered_pool_at = now
    tenure.hold_until = (
        now + dt.timedelta(hours=pool.hold_hours) if hold and pool and pool.hold_hours else None
    )
    tenure.save()


def _event(
    kind, obj, *, now, actor=None, from_user=None, to_user=None, pool=None, rule=None, reason="", data=None
):
    """Append to the ledger; ``data`` is the caller's JSON, kept as given (any keys)."""
    return OwnershipEvent.objects.create(
        kind=kind,
        **_subject(obj),
        pool=pool,
        actor=actor if getattr(actor, "pk", None) else None,
        from_user_id=getattr(from_user, "pk", from_user),
        to_user_id=getattr(to_user, "pk", to_user),
        rule_id=getattr(rule, "pk", None),
        rule_name=str(rule)[:200] if rule is not None else "",
        reason=reason[:REASON_MAX],
        at=now,
        data=dict(data or {}),
    )


def _take(obj, user: User, now, *, expect_owner=None) -> bool:
    """The conditional UPDATE: set the owner only if it is still ``expect_owner``."""
    target = _target_of(obj)
    if target == Target.LEAD:
        Lead = _lead_model()
        qs = Lead.objects.filter(pk=obj.pk, archived_at__isnull=True).exclude(
            status__in=[Lead.Status.CONVERTED, Lead.Status.INVALID]
        )
        qs = qs.filter(owner__isnull=True) if expect_owner is None else qs.filter(owner_id=expect_owner)
        n = qs.update(owner=user, status=Lead.Status.ASSIGNED, updated_at=now)
        if n:
            obj.owner, obj.status, obj.updated_at = user, Lead.Status.ASSIGNED, now
        return bool(n)
    Customer = _customer_model()
    qs = Customer.objects.filter(pk=obj.pk)
    qs = qs.filter(owner__isnull=True) if expect_owner is None else qs.filter(owner_id=expect_owner)
    n = qs.update(owner=user, updated_at=now)
    if n:
        obj.owner, obj.updated_at = user, now
        _customer_owner_timeline(obj, expect_owner, user)
    return bool(n)


def _drop(obj, now, *, expect_owner) -> bool:
    target = _target_of(obj)
    if target == Target.LEAD:
        Lead = _lead_model()
        n = Lead.objects.filter(pk=obj.pk, owner_id=expect_owner).update(
            owner=None, status=Lead.Status.IN_POOL, updated_at=now
        )
        if n:
            obj.owner, obj.status, obj.updated_at = None, Lead.Status.IN_POOL, now
        return bool(n)
    n = _customer_model().objects.filter(pk=obj.pk, owner_id=expect_owner).update(owner=None, updated_at=now)
    if n:
        obj.owner, obj.updated_at = None, now
        _customer_owner_timeline(obj, expect_owner, None)
    return bool(n)


def _customer_owner_timeline(customer, old_id, new_user) -> None:
    from kehu.customers import timeline

    old = User.objects.filter(pk=old_id).first() if old_id else None
    timeline.record(
        customer, timeline.OWNER_CHANGE, data={"old": str(old or "—"), "new": str(new_user or "—")}
    )


def cooling_off(user: User, obj, pool: Pool | None = None, now=None) -> Refusal | None:
    """Refused while ``user`` lost or released ``obj`` within the pool's cooling-off period —
    read from the ledger, so any number of owners in between changes nothing."""
    pool = pool or getattr(getattr(obj, "tenure", None), "pool", None)
    days = pool.cooling_off_days if pool else 0
    if not days:
        return None
    now = now or clock.now()
    last = (
        OwnershipEvent.objects.filter(
            **_subject(obj),
            from_user=user,
            kind__in=[Kind.RELEASE, Kind.RECLAIM],
            at__gt=now - dt.timedelta(days=days),
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last is None:
        return None
    until = last + dt.timedelta(days=days)
    from django.utils import timezone

    return Refusal(
        "cooling_off",
        _("You held this record until %(lost)s; you may claim it again after %(until)s (cooling-off).")
        % {
            "lost": timezone.localtime(last).strftime("%Y-%m-%d %H:%M"),
            "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
        },
        {"until": until.isoformat()},
    )


def _locked(obj):
    """Re-read the record inside the transaction (row-locked on PostgreSQL)."""
    model = obj.__class__
    manager = getattr(model, "all_objects", model.objects)
    try:
        return manager.select_for_update().get(pk=obj.pk)
    except model.DoesNotExist:
        raise NotFound() from None


# --- verbs ----------------------------------------------------------------------------------


def claim_refusal(user: User, obj, now=None, tenure: Tenure | None = None) -> Refusal | None:
    """Why ``user`` may not claim ``obj`` now (None = may), without the limit checks."""
    now = now or clock.now()
    target = _target_of(obj)
    if not user.is_active or not (user.is_superuser or user.can("pool_claim")):
        return Refusal("not_allowed", _("You may not claim from pools."))
    if obj.owner_id is not None:
        if obj.owner_id == user.pk:
            return Refusal("already_yours", _("You already hold this record."))
        return Refusal("already_claimed", _("Someone else has already taken this record."))
    if tenure is None:
        tenure = Tenure.objects.filter(**_subject(obj)).select_related("pool").first()
    if (
        (target == Target.LEAD and obj.status != _lead_model().Status.IN_POOL)
        or tenure is None
        or tenure.pool is None
    ):
        return Refusal("not_in_pool", _("This record is not in a pool."))
    if not sees_in_pool(user, obj, tenure.pool_id, target):
        return Refusal("not_in_your_pool", _("This record is not in a pool you can claim from."))
    if tenure.hold_until and tenure.hold_until > now:
        from django.utils import timezone

        return Refusal(
            "on_hold",
            _("Just returned to the pool; it can be claimed from %(at)s.")
            % {"at": timezone.localtime(tenure.hold_until).strftime("%Y-%m-%d %H:%M")},
        )
    return cooling_off(user, obj, tenure.pool, now)


def claim(user: User, lead) -> OwnershipEvent:
    """``user`` takes an unowned lead (or customer) from a pool they see.

    Refused (Conflict with a code) when: already taken (``already_claimed``), not in a pool
    they see (``not_in_pool``/``not_in_your_pool``), on hold, in their cooling-off, on leave,
    or past a daily limit or holding quota (``daily_limit``, ``quota_exceeded``, ``team_…``,
    ``department_…``). A refused claim changes no owner and consumes no allowance; a refusal
    by a limit or quota is recorded (``ClaimRefusal``) for pool health, after the claim's
    transaction has rolled back.
    """
    try:
        return _claim(user, lead)
    except Conflict as error:
        if limits_mod.is_limit_code(error.code):
            _record_refusal(user, lead, error.code)
        raise


def _record_refusal(user: User, obj, code: str) -> None:
    tenure = Tenure.objects.filter(**_subject(obj)).values("pool_id").first()
    ClaimRefusal.objects.create(
        at=clock.now(),
        user=user,
        pool_id=tenure["pool_id"] if tenure else None,
        code=code,
        **_subject(obj),
    )


@transaction.atomic
def _claim(user: User, lead) -> OwnershipEvent:
    target = _target_of(lead)
    kind = "claim" if target == Target.LEAD else "customer_claim"
    now = clock.now()
    limits = limits_mod.lock_for(user, target)  # first statement: serialises this person's claims
    obj = _locked(lead)
    tenure = Tenure.objects.filter(**_subject(obj)).select_related("pool").first()
    refusal = claim_refusal(user, obj, now, tenure) or limits_mod.check_limits(user, kind, 1, limits)
    if refusal:
        raise refusal.error()
    if not _take(obj, user, now):
        raise Refusal("already_claimed", _("Someone else has already taken this record.")).error()
    pool = tenure.pool
    _start_tenure(tenure, obj, user, now, pool)
    _sync(lead, obj)
    return _event(Kind.CLAIM, obj, now=now, actor=user, to_user=user, pool=pool)


@transaction.atomic
def release(user: User, lead, reason: str) -> OwnershipEvent:
    """The owner (or a pool manager) gives a record back to its pool; a reason is required.
    The previous owner then waits out the pool's cooling-off before claiming it again."""
    reason = _clean_reason(reason, required=True)
    now = clock.now()
    obj = _locked(lead)
    owner_id = obj.owner_id
    if owner_id is None:
        raise Conflict(_("This record has no owner."), code="not_owned")
    if owner_id != user.pk and not user.can(MANAGE_POOLS):
        raise Forbidden(_("Only its owner or a pool manager may release this record."))
    tenure = _tenure(obj)
    pool = tenure.pool or default_pool(_target_of(obj), obj)
    if pool is None:
        raise Conflict(_("There is no pool to release this record to."), code="no_pool")
    if not _drop(obj, now, expect_owner=owner_id):
        raise Conflict(_("The owner changed meanwhile; please reload."), code="owner_changed")
    _end_tenure(tenure, now, pool, hold=True)
    _sync(lead, obj)
    event = _event(Kind.RELEASE, obj, now=now, actor=user, from_user=owner_id, pool=pool, reason=reason)
    _notify_pool(obj, pool, actor=user)
    return event


@transaction.atomic
def assign(
    lead, user: User, *, actor=None, rule=None, reason: str = "", data: dict | None = None
) -> OwnershipEvent:
    """Give an unowned lead (new or in a pool) to ``user``: system assignment or a manager.

    Respects holding quotas, leave and the person's cooling-off on this lead (Conflict with
    the refusal's code); stores ``rule`` (id and name) and ``reason`` on the event and
    notifies the assignee by the grade policy. ``data`` (JSON) is kept on the event, e.g.
    the assignment strategy and who was skipped and why.
    """
    reason = _clean_reason(reason, required=False)
    target = _target_of(lead)
    now = clock.now()
    limits = limits_mod.lock_for(user, target)
    obj = _locked(lead)
    if obj.owner_id is not None:
        raise Refusal("already_claimed", _("Someone else has already taken this record.")).error()
    tenure = _tenure(obj)
    refusal = cooling_off(user, obj, tenure.pool, now) or limits_mod.check_limits(
        user, "assign" if target == Target.LEAD else "customer_assign", 1, limits
    )
    if refusal:
        raise refusal.error()
    if not _take(obj, user, now):
        raise Refusal("already_claimed", _("Someone else has already taken this record.")).error()
    pool = tenure.pool or default_pool(target, obj)
    _start_tenure(tenure, obj, user, now, pool)
    _sync(lead, obj)
    event = _event(
        Kind.ASSIGN,
        obj,
        now=now,
        actor=actor,
        to_user=user,
        pool=pool,
        rule=rule,
        reason=reason,
        data=data,
    )
    _notify_assignee(obj, user, pool, event)
    return event


@transaction.atomic
def transfer(lead, to_user: User, *, actor, reason: str) -> OwnershipEvent:
    """Move an owned record to another person (the owner or a pool manager); fresh deadlines.
    Respects the new owner's quotas and leave."""
    reason = _clean_reason(reason, required=True)
    target = _target_of(lead)
    now = clock.now()
    limits = limits_mod.lock_for(to_user, target)
    obj = _locked(lead)
    owner_id = obj.owner_id
    if owner_id is None:
        raise Conflict(_("This record has no owner; assign it instead."), code="not_owned")
    if actor is not None and owner_id != actor.pk and not actor.can(MANAGE_POOLS):
        raise Forbidden(_("Only its owner or a pool manager may transfer this record."))
    if owner_id == to_user.pk:
        raise ValidationFailed(fields={"to_user": [_("This person already holds it.")]})
    refusal = limits_mod.check_limits(
        to_user, "assign" if target == Target.LEAD else "customer_assign", 1, limits
    )
    if refusal:
        raise refusal.error()
    if not _take(obj, to_user, now, expect_owner=owner_id):
        raise Conflict(_("The owner changed meanwhile; please reload."), code="owner_changed")
    tenure = _tenure(obj)
    _start_tenure(tenure, obj, to_user, now, tenure.pool)
    _sync(lead, obj)
    event = _event(
        Kind.TRANSFER,
        obj,
        now=now,
        actor=actor,
        from_user=owner_id,
        to_user=to_user,
        pool=tenure.pool,
        reason=reason,
    )
    _notify_assignee(obj, to_user, tenure.pool, event)
    return event


@transaction.atomic
def reclaim(lead, *, reason: str, actor=None, cause: str = "") -> OwnershipEvent:
    """Take an owned record back into its pool (a deadline passed, or a manager decided).
    The previous owner enters cooling-off; the pool's hold period starts."""
    reason = _clean_reason(reason, required=False)
    now = clock.now()
    obj = _locked(lead)
    owner_id = obj.owner_id
    if owner_id is None:
        raise Conflict(_("This record has no owner."), code="not_owned")
    tenure = _tenure(obj)
    pool = tenure.pool or default_pool(_target_of(obj), obj)
    if not _drop(obj, now, expect_owner=owner_id):
        raise Conflict(_("The owner changed meanwhile; please reload."), code="owner_changed")
    _end_tenure(tenure, now, pool, hold=True)
    _sync(lead, obj)
    event = _event(
        Kind.RECLAIM,
        obj,
        now=now,
        actor=actor,
        from_user=owner_id,
        pool=pool,
        reason=reason,
        data={"cause": cause},
    )
    _notify_pool(obj, pool, actor=actor)
    return event


@transaction.atomic
def send_to_pool(
    lead, pool: Pool | None = None, *, reason: str = "", actor=None, data: dict | None = None
) -> OwnershipEvent:
    """Put a record into a pool (``None`` = its default pool): a new lead from intake, or a
    move between pools. An owned record is reclaimed from its owner (cooling-off applies)."""
    reason = _clean_reason(reason, required=False)
    target = _target_of(lead)
    now = clock.now()
    obj = _locked(lead)
    pool = pool or default_pool(target, obj)
    if pool is None:
        raise Conflict(_("There is no active pool for this record."), code="no_pool")
    if pool.kind != target:
        raise ValidationFailed(fields={"pool": [_("This pool holds other kinds of records.")]})
    tenure = _tenure(obj)
    owner_id = obj.owner_id
    if target == Target.LEAD and obj.status in (_lead_model().Status.CONVERTED, _lead_model().Status.INVALID):
        raise Conflict(_("A converted or invalid lead cannot enter a pool."), code="lead_closed")
    if owner_id is not None:
        if not _drop(obj, now, expect_owner=owner_id):
            raise Conflict(_("The owner changed meanwhile; please reload."), code="owner_changed")
        kind = Kind.RECLAIM
    else:
        kind = Kind.POOL
        if target == Target.LEAD:
            Lead = _lead_model()
            Lead.objects.filter(pk=obj.pk).update(status=Lead.Status.IN_POOL, updated_at=now)
            obj.status = Lead.Status.IN_POOL
    _end_tenure(tenure, now, pool, hold=owner_id is not None)
    _sync(lead, obj)
    event = _event(kind, obj, now=now, actor=actor, from_user=owner_id, pool=pool, reason=reason, data=data)
    _notify_pool(obj, pool, actor=actor)
    return event


def _sync(original, fresh) -> None:
    """Keep the caller's instance in step with what was written."""
    if original is not fresh:
        for attr in ("owner_id", "status", "updated_at"):
            if hasattr(fresh, attr):
                setattr(original, attr, getattr(fresh, attr))
        if hasattr(original, "_state") and "owner" in getattr(original._state, "fields_cache", {}):
            del original._state.fields_cache["owner"]


def record_follow_up(*, lead_id=None, customer_id=None, at=None) -> None:
    """A follow-up meets the first-follow-up deadline (leads) or restarts the customer's
    "not followed up" clock."""
    at = at or clock.now()
    q = Q(lead_id=lead_id) if lead_id else Q(customer_id=customer_id)
    tenure = Tenure.objects.filter(q, owner__isnull=False).select_related("pool").first()
    if tenure is None:
        return
    if customer_id:
        from kehu.customers.models import Customer

        if Customer.all_objects.filter(pk=customer_id, type=Customer.Type.CLOSED).exists():
            return  # a closed customer is no longer on the pool's clock
        policy = policy_for(tenure.pool, "")
        if policy and policy.follow_up_hours:
            tenure.follow_up_due = at + dt.timedelta(hours=policy.follow_up_hours)
    else:
        tenure.follow_up_due = None
    tenure.followed_up_at = at
    tenure.reminder_stage = 0
    tenure.due = _earliest(tenure.follow_up_due, tenure.convert_due)
    tenure.save(update_fields=["follow_up_due", "followed_up_at", "reminder_stage", "due"])
    if lead_id:
        Lead = _lead_model()
        Lead.objects.filter(pk=lead_id, status=Lead.Status.ASSIGNED).update(status=Lead.Status.FOLLOWING)


def _notify_pool(obj, pool, *, actor=None) -> None:
    from .notify import record_entered_pool

    record_entered_pool(obj, pool, actor=actor)


def _notify_assignee(obj, user, pool, event) -> None:
    from .notify import record_assigned

    record_assigned(obj, user, pool, event)


def change_customer_owner(actor, customer, new_owner_id: int | None) -> None:
    """An owner picked on the customer record: the same verbs (and ledger, quotas, deadlines)
    as in the pool — assign when it had none, transfer between people, release to the pool."""
    reason = _("Owner changed on the customer record")
    if new_owner_id is None:
        release(actor, customer, reason)
        return
    new_owner = User.objects.get(pk=new_owner_id)
    if customer.owner_id is None:
        assign(customer, new_owner, actor=actor, reason=reason)
    else:
        transfer(customer, new_owner, actor=actor, reason=reason)
