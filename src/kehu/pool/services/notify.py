"""Who hears about records entering a pool or being assigned, by grade policy.

Grade A defaults to strong (in-app and the SMS/IM channels), B to in-app, C to nothing;
each pool's grade policies override this. Channels are adapters in ``kehu.messaging``.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import User
from kehu.accounts.scope import department_subtree
from kehu.messaging import services as messaging

from ..capabilities import CLAIM, MANAGE_POOLS
from ..models import GradePolicy, Pool, Target
from .visibility import RuleTest

ENTERED_POOL = messaging.register_kind(
    "pool_entered", _("New in a pool"), _("%(record)s is now in the pool %(pool)s (grade %(grade)s)")
)
ASSIGNED = messaging.register_kind(
    "pool_assigned", _("Assigned to you"), _("%(record)s was assigned to you (grade %(grade)s): %(reason)s")
)
REMIND = {
    "follow_up": messaging.register_kind(
        "pool_due_follow_up",
        _("Follow-up due"),
        _("%(record)s: first follow-up due %(due)s, or it goes back to the pool"),
    ),
    "conversion": messaging.register_kind(
        "pool_due_conversion",
        _("Conversion due"),
        _("%(record)s: conversion due %(due)s, or it goes back to the pool"),
    ),
}
ESCALATE = {
    "follow_up": messaging.register_kind(
        "pool_late_follow_up",
        _("Follow-up late (your team)"),
        _("%(owner)s has not followed up %(record)s yet; due %(due)s"),
    ),
    "conversion": messaging.register_kind(
        "pool_late_conversion",
        _("Conversion late (your team)"),
        _("%(owner)s has not converted %(record)s yet; due %(due)s"),
    ),
}
RECLAIMED = messaging.register_kind(
    "pool_reclaimed",
    _("Back in the pool"),
    _("%(count)s of your records went back to the pool: their deadlines passed"),
)
ENTERED_POOL_MANY = messaging.register_kind(
    "pool_entered_many",
    _("New in a pool"),
    _("%(count)s new records are in the pool %(pool)s (%(grades)s)"),
)
DIGEST = messaging.register_kind(
    "pool_digest", _("Back in a pool"), _("%(count)s records went back to the pool %(pool)s")
)

DEFAULT_NOTIFY = {
    "A": GradePolicy.Notify.STRONG,
    "B": GradePolicy.Notify.NORMAL,
    "C": GradePolicy.Notify.NONE,
}
LEVEL = {GradePolicy.Notify.STRONG: "strong", GradePolicy.Notify.NORMAL: "normal"}


def notify_setting(pool: Pool | None, grade: str) -> str:
    from .ownership import policy_for

    policy = policy_for(pool, grade)
    if policy is not None and (policy.grade == (grade or "") or grade not in DEFAULT_NOTIFY):
        return policy.notify
    return DEFAULT_NOTIFY.get(grade or "", policy.notify if policy else GradePolicy.Notify.NORMAL)


def record_url(obj) -> str:
    if obj.__class__.__name__ == "Customer":
        return reverse("customers:detail", args=[obj.pk])
    return reverse("pool:lead", args=[obj.pk])


def pool_audience(pool: Pool, obj=None) -> list[User]:
    """People who may claim from ``pool`` (and, given ``obj``, whose display rules show it)."""
    return Audiences().of(pool, obj)


class Audiences:
    """Pool audiences for many records: people and display rules read once per pool, and
    each display rule's test (its regions, industries and grades) made once, not per record."""

    def __init__(self):
        self._pools: dict[int, tuple[list, dict]] = {}
        self._shown: dict[tuple, list[User]] = {}
        self._ids: dict[int | tuple, tuple[int, ...]] = {}

    def _prepare(self, pool: Pool):
        from .limits import _department_chain

        people = (
            User.objects.filter(is_active=True, on_leave=False)
            .select_related("role")
            .prefetch_related("teams")
        )
        members = list(pool.members.values_list("pk", flat=True))
        teams = list(pool.teams.values_list("pk", flat=True))
        if members or teams:
            people = people.filter(Q(pk__in=members) | Q(teams__in=teams)).distinct()
        elif pool.department_id:
            people = people.filter(department_id__in=department_subtree(pool.department_id))
        candidates = [u for u in people if u.can(CLAIM)]
        rules = list(pool.display_rules.prefetch_related("regions", "industries"))
        tests = {rule.pk: RuleTest(rule) for rule in rules}
        applicable = {}
        for user in candidates if rules else []:
            if user.can(MANAGE_POOLS):
                continue  # managers see the whole pool
            team_ids = {t.pk for t in user.teams.all()}
            chain = set(_department_chain(user.department_id))
            for level in (
                [r for r in rules if r.user_id == user.pk],
                [r for r in rules if r.user_id is None and r.team_id in team_ids],
                [r for r in rules if r.user_id is None and r.team_id is None and r.department_id in chain],
                [r for r in rules if r.user_id is None and r.team_id is None and r.department_id is None],
            ):
                if level:
                    applicable[user.pk] = [tests[r.pk] for r in level]
                    break
        return candidates, applicable

    def _audience(self, pool: Pool, obj) -> tuple:
        """(key, people): records with the same key have the same audience."""
        if pool.pk not in self._pools:
            self._pools[pool.pk] = self._prepare(pool)
        candidates, applicable = self._pools[pool.pk]
        if obj is None or not applicable:
            return pool.pk, candidates
        # Display rules look at the record's regions, industry and grade only: records alike
        # in those (most of an import's chunk) have the same audience.
        key = (pool.pk, *(getattr(obj, name, None) for name in RuleTest.READS))
        if key not in self._shown:
            self._shown[key] = [
                u for u in candidates if u.pk not in applicable or any(test(obj) for test in applicable[u.pk])
            ]
        return key, self._shown[key]

    def of(self, pool: Pool, obj=None) -> list[User]:
        return list(self._audience(pool, obj)[1])

    def ids_of(self, pool: Pool, obj=None) -> tuple[int, ...]:
        """The ids of ``of(pool, obj)``, one tuple per audience (the same object for records
        with the same audience, so callers can group records by it)."""
        key, people = self._audience(pool, obj)
        if key not in self._ids:
            self._ids[key] = tuple(u.pk for u in people)
        return self._ids[key]


def record_entered_pool(obj, pool: Pool | None, *, actor=None) -> None:
    if pool is None:
        return
    grade = getattr(obj, "grade", "") or ""
    setting = notify_setting(pool, grade)
    if setting == GradePolicy.Notify.NONE:
        return
    audience = [u for u in pool_audience(pool, obj) if not actor or u.pk != getattr(actor, "pk", None)]
    messaging.notify(
        audience,
        ENTERED_POOL,
        data={
            "record": str(obj),
            "pool": str(pool),
            "grade": grade or "—",
            "target": _target(obj),
            "id": obj.pk,
        },
        url=record_url(obj),
        level=LEVEL[setting],
    )


def record_assigned(obj, user, pool, event) -> None:
    grade = getattr(obj, "grade", "") or ""
    setting = notify_setting(pool, grade)
    if setting == GradePolicy.Notify.NONE:
        return
    messaging.notify(
        [user],
        ASSIGNED,
        data={
            "record": str(obj),
            "grade": grade or "—",
            "reason": event.reason or event.rule_name or "—",
            "target": _target(obj),
            "id": obj.pk,
        },
        url=record_url(obj),
        level=LEVEL[setting],
        dedupe_key=f"assigned:{event.pk}",
    )


def _target(obj) -> str:
    return Target.CUSTOMER if obj.__class__.__name__ == "Customer" else Target.LEAD
