"""Limits and quotas, computed from the ownership ledger and current holdings.

``check_limits(user, kind, n)`` answers whether ``user`` may take ``n`` more records:

- ``"claim"`` / ``"customer_claim"``: daily claim limits (per person, and for each team and
  department with a group cap) and holding quotas;
- ``"assign"`` / ``"customer_assign"``: holding quotas only (assignment is not claiming).

Daily claims are the person's claim events since local midnight, across all pools; a
refused claim writes no event, so it consumes nothing. Callers that must not race (claims,
assignments) call ``lock_for(user, target)`` first, inside their transaction.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import Department, Team, User
from kehu.accounts.scope import department_subtree
from kehu.core import clock
from kehu.core.errors import Conflict

from ..models import Limit, LockRow, OwnershipEvent, Target

KINDS = {
    "claim": (Target.LEAD, True),
    "assign": (Target.LEAD, False),
    "customer_claim": (Target.CUSTOMER, True),
    "customer_assign": (Target.CUSTOMER, False),
}


@dataclass(frozen=True)
class Refusal:
    """Why something was refused: a stable ``code`` and a message for people."""

    code: str
    message: str
    params: dict = field(default_factory=dict)

    def error(self) -> Conflict:
        return Conflict(self.message, code=self.code)


@dataclass
class Group:
    kind: str  # "team" or "department"
    pk: int
    name: str
    total_daily: int | None
    total_held: int | None


@dataclass
class Limits:
    daily: int | None = None
    held: int | None = None
    groups: list[Group] = field(default_factory=list)


def day_start(at: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(at or clock.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _department_chain(department_id: int | None, parents: dict | None = None) -> list[int]:
    """The department and its parents, nearest first."""
    if parents is None:
        parents = dict(Department.objects.values_list("pk", "parent_id"))
    chain = []
    while department_id is not None and department_id not in chain:
        chain.append(department_id)
        department_id = parents.get(department_id)
    return chain


def limits_for(user: User, target: str = Target.LEAD) -> Limits:
    """The limits that apply to ``user``: the person's own row overrides team rows, which
    override department rows (nearest department first), which override the default."""
    rows = list(Limit.objects.filter(target=target))
    if not rows:
        return Limits()
    from .visibility import _user_team_ids

    return _resolve(user, rows, _department_chain(user.department_id), _user_team_ids(user), None)


def limits_for_many(users, target: str = Target.LEAD) -> dict[int, Limits]:
    """``limits_for`` for many people at once ({user pk: Limits}) in a few queries, for batches."""
    users = list(users)
    rows = list(Limit.objects.filter(target=target))
    if not rows:
        return {u.pk: Limits() for u in users}
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    teams: dict[int, set[int]] = {u.pk: set() for u in users}
    for user_id, team_id in User.teams.through.objects.filter(user_id__in=list(teams)).values_list(
        "user_id", "team_id"
    ):
        teams[user_id].add(team_id)
    names: dict = {}
    if any(r.user_id is None and (r.team_id or r.department_id) for r in rows):
        team_ids = {r.team_id for r in rows if r.team_id}
        dept_ids = {r.department_id for r in rows if r.department_id}
        names.update(
            {
                ("team", pk): name
                for pk, name in Team.objects.filter(pk__in=team_ids).values_list("pk", "name")
            }
        )
        names.update(
            {
                ("department", pk): name
                for pk, name in Department.objects.filter(pk__in=dept_ids).values_list("pk", "name")
            }
        )
    return {
        u.pk: _resolve(u, rows, _department_chain(u.department_id, parents), teams[u.pk], names)
        for u in users
    }


def _resolve(user, rows, chain, team_ids, names) -> Limits:
    by_user = [r for r in rows if r.user_id == user.pk]
    by_team = [r for r in rows if r.user_id is None and r.team_id in team_ids]
    by_dept = sorted(
        (r for r in rows if r.user_id is None and r.team_id is None and r.department_id in chain),
        key=lambda r: chain.index(r.department_id),
    )
    default = [r for r in rows if r.user_id is None and r.team_id is None and r.department_id is None]
    out = Limits()
    for attr, name in (("daily_claims", "daily"), ("max_held", "held")):
        for level in (by_user, by_team, by_dept, default):
            values = [getattr(r, attr) for r in level if getattr(r, attr) is not None]
            if values:
                setattr(out, name, min(values))  # several teams: the strictest
                break
    if names is None:
        names = {}
        if by_team:
            names.update(
                {("team", t.pk): t.name for t in Team.objects.filter(pk__in=[r.team_id for r in by_team])}
            )
        if by_dept:
            names.update(
                {
                    ("department", d.pk): d.name
                    for d in Department.objects.filter(pk__in=[r.department_id for r in by_dept])
                }
            )
    for r in by_team + by_dept:
        if r.total_daily_claims is None and r.total_max_held is None:
            continue
        kind, pk = ("team", r.team_id) if r.team_id else ("department", r.department_id)
        out.groups.append(Group(kind, pk, names.get((kind, pk), ""), r.total_daily_claims, r.total_max_held))
    return out


def group_member_ids(group: Group) -> list[int]:
    if group.kind == "team":
        return list(User.objects.filter(teams=group.pk).values_list("pk", flat=True))
    return list(
        User.objects.filter(department_id__in=department_subtree(group.pk)).values_list("pk", flat=True)
    )


def claims_today(user_ids, target: str = Target.LEAD) -> int:
    subject = Q(lead__isnull=False) if target == Target.LEAD else Q(customer__isnull=False)
    return OwnershipEvent.objects.filter(
        subject, kind=OwnershipEvent.Kind.CLAIM, to_user_id__in=list(user_ids), at__gte=day_start()
    ).count()


def held_count(user_ids, target: str = Target.LEAD, at_most: int | None = None) -> int:
    """Records held now: open leads (assigned or being followed up), customers not yet closed;
    counted no further than ``at_most`` when given (enough to tell whether a quota is reached)."""
    if target == Target.LEAD:
        from kehu.leads.models import Lead

        qs = Lead.objects.filter(
            owner_id__in=list(user_ids), status__in=[Lead.Status.ASSIGNED, Lead.Status.FOLLOWING]
        )
    else:
        from kehu.customers.models import Customer

        qs = Customer.objects.filter(
            owner_id__in=list(user_ids), type__in=[Customer.Type.POTENTIAL, Customer.Type.TARGET]
        )
    if at_most is not None:
        qs = qs.order_by()[: max(at_most, 0)]
    return qs.count()


def lock_for(user: User, target: str = Target.LEAD, limits: Limits | None = None) -> Limits:
    """Serialise claims and assignments that share a limit: lock one row per person and per
    capped group, always in the same order (no deadlocks). Call inside the transaction."""
    limits = limits or limits_for(user, target)
    keys = sorted({f"u{user.pk}"} | {f"{g.kind[0]}{g.pk}" for g in limits.groups})
    LockRow.objects.bulk_create([LockRow(key=k) for k in keys], ignore_conflicts=True)
    for key in keys:
        LockRow.objects.filter(key=key).update(touched=F("touched") + 1)
    return limits


def lock_many(users, limits: dict[int, Limits]) -> None:
    """``lock_for`` for many people at once (a batch): all their rows, locked in key order."""
    keys = sorted(
        {f"u{u.pk}" for u in users} | {f"{g.kind[0]}{g.pk}" for lim in limits.values() for g in lim.groups}
    )
    LockRow.objects.bulk_create([LockRow(key=k) for k in keys], ignore_conflicts=True)
    # SELECT … ORDER BY … FOR UPDATE takes the locks in that order: the same order as lock_for.
    list(LockRow.objects.select_for_update().filter(key__in=keys).order_by("key").values_list("pk"))
    LockRow.objects.filter(key__in=keys).update(touched=F("touched") + 1)


def is_limit_code(code: str | None) -> bool:
    """Whether a refusal code is one of a daily limit or a holding quota (own or a group's)."""
    return bool(code) and code.endswith(("daily_limit", "quota_exceeded"))


def check_limits(
    user: User,
    kind: str = "claim",
    n: int = 1,
    limits: Limits | None = None,
    *,
    held_of=None,
    members_of=None,
) -> Refusal | None:
    """None when ``user`` may take ``n`` more records of ``kind``, else the Refusal (see module doc).
    ``held_of(user_ids)`` and ``members_of(group)`` replace ``held_count``/``group_member_ids``
    (batches count once)."""
    target, claiming = KINDS[kind]
    held_of = held_of or (lambda ids: held_count(ids, target))
    members_of = members_of or group_member_ids
    if not user.is_active:
        return Refusal("inactive_user", _("%(user)s is no longer active.") % {"user": user})
    if user.on_leave:
        return Refusal("on_leave", _("%(user)s is on leave.") % {"user": user})
    limits = limits or limits_for(user, target)
    what = _("leads") if target == Target.LEAD else _("customers")
    if claiming and limits.daily is not None:
        used = claims_today([user.pk], target)
        if used + n > limits.daily:
            return Refusal(
                "daily_limit",
                _("Daily claim limit reached: %(used)s of %(limit)s %(what)s claimed today.")
                % {"used": used, "limit": limits.daily, "what": what},
                {"used": used, "limit": limits.daily},
            )
    if limits.held is not None:
        held = held_of([user.pk])
        if held + n > limits.held:
            return Refusal(
                "quota_exceeded",
                _("Holding quota reached: %(held)s of %(limit)s %(what)s held.")
                % {"held": held, "limit": limits.held, "what": what},
                {"held": held, "limit": limits.held},
            )
    for group in limits.groups:
        members = None
        if claiming and group.total_daily is not None:
            members = members_of(group)
            used = claims_today(members, target)
            if used + n > group.total_daily:
                return Refusal(
                    f"{group.kind}_daily_limit",
                    _("%(group)s has reached its daily claim limit: %(used)s of %(limit)s.")
                    % {"group": group.name, "used": used, "limit": group.total_daily},
                    {"used": used, "limit": group.total_daily},
                )
        if group.total_held is not None:
            members = members if members is not None else members_of(group)
            held = held_of(members)
            if held + n > group.total_held:
                return Refusal(
                    f"{group.kind}_quota_exceeded",
                    _("%(group)s holds its maximum: %(held)s of %(limit)s %(what)s.")
                    % {"group": group.name, "held": held, "limit": group.total_held, "what": what},
                    {"held": held, "limit": group.total_held},
                )
    return None
