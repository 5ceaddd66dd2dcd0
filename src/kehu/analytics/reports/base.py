"""What every report shares: the period, the filters, the viewer's scope and SQL helpers.

Reports attribute figures to people. A viewer sees the figures of the people the scope
layer lets them see (``kehu.accounts.scope.visible_user_ids``): a salesperson their own, a
manager their department, a marketer or admin everyone. Record querysets start from
``scope.scoped`` and are then narrowed to records *owned* by those people, so pool leads a
salesperson may browse do not count as their figures, and nothing beyond the scope layer's
answer is ever read.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Func, IntegerField
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts import scope
from kehu.accounts.models import Team, User
from kehu.core import clock
from kehu.core.errors import ValidationFailed

MAX_DAYS = 3 * 366 + 1


@dataclass(frozen=True)
class Period:
    """Whole days ``start``..``end`` (both included) in the site's time zone."""

    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, start: str | dt.date | None, end: str | dt.date | None) -> "Period":
        """The period from query values; the default is the last 30 days ending today."""
        errors: dict[str, list[str]] = {}
        today = clock.today()

        def read(name, value, default):
            if value in (None, ""):
                return default
            if isinstance(value, dt.date):
                return value
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                errors[name] = [_("Enter a date as YYYY-MM-DD.")]
                return default

        last = read("end", end, today)
        first = read("start", start, last - dt.timedelta(days=29))
        if not errors and first > last:
            errors["start"] = [_("The start must not be after the end.")]
        elif not errors and (last - first).days > MAX_DAYS:
            errors["start"] = [_("Choose a period of at most three years.")]
        if errors:
            raise ValidationFailed(fields=errors)
        return cls(first, last)

    @classmethod
    def months(cls, count: int, end: dt.date | None = None) -> "Period":
        end = end or clock.today()
        start = end.replace(day=1)
        for _i in range(count - 1):
            start = (start - dt.timedelta(days=1)).replace(day=1)
        return cls(start, end)

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        """The first instant after the period (half-open upper bound)."""
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_query(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass
class Filters:
    channel: int | None = None  # a channel and its sub-channels
    grade: str = ""
    team: int | None = None  # owners in this team
    owner: int | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, channel=None, grade="", team=None, owner=None) -> "Filters":
        errors: dict[str, list[str]] = {}

        def number(name, value):
            if value in (None, ""):
                return None
            text = str(value)
            if not text.isdigit() or len(text) > 18:
                errors[name] = [_("Choose a valid value.")]
                return None
            return int(text)

        flt = cls(
            channel=number("channel", channel),
            team=number("team", team),
            owner=number("owner", owner),
            grade=grade or "",
        )
        if flt.grade not in ("", "A", "B", "C"):
            errors["grade"] = [_("Choose A, B or C.")]
        if errors:
            raise ValidationFailed(fields=errors)
        return flt


def people(viewer: User, filters: Filters | None = None) -> frozenset[int] | None:
    """Ids of the people whose figures ``viewer`` gets (None = everyone, unowned included).

    An owner or team filter narrows the set; it never widens what the scope layer allows.
    """
    ids = scope.visible_user_ids(viewer)
    if filters is None:
        return ids
    if filters.team:
        team_ids = frozenset(User.objects.filter(teams=filters.team).values_list("pk", flat=True))
        ids = team_ids if ids is None else ids & team_ids
    if filters.owner:
        ids = frozenset({filters.owner}) if ids is None else ids & {filters.owner}
    return ids


def owned(viewer: User, model_or_qs, owner_field: str, filters: Filters | None = None) -> models.QuerySet:
    """Records of a model the viewer may see (scope layer), attributed to people they may see."""
    qs = scope.scoped(viewer, model_or_qs)
    ids = people(viewer, filters)
    if ids is not None:
        qs = qs.filter(**{f"{owner_field}__in": ids})
    return qs


def visible_people(viewer: User, filters: Filters | None = None) -> models.QuerySet:
    ids = people(viewer, filters)
    qs = User.objects.filter(is_active=True)
    return qs if ids is None else User.objects.filter(pk__in=ids)


def visible_teams(viewer: User) -> models.QuerySet:
    ids = scope.visible_user_ids(viewer)
    if ids is None:
        return Team.objects.all()
    return Team.objects.filter(members__in=ids).distinct()


class DaysBetween(Func):
    """Whole days from the second timestamp to the first (non-negative spans), on both databases."""

    output_field = IntegerField()
    arity = 2

    def _sql(self, compiler, connection, template):
        a, a_params = compiler.compile(self.source_expressions[0])
        b, b_params = compiler.compile(self.source_expressions[1])
        return template.format(a=a, b=b), [*a_params, *b_params]

    def as_sqlite(self, compiler, connection, **extra):
        return self._sql(compiler, connection, "CAST(julianday({a}) - julianday({b}) AS INTEGER)")

    def as_postgresql(self, compiler, connection, **extra):
        return self._sql(compiler, connection, "FLOOR(EXTRACT(EPOCH FROM ({a} - {b})) / 86400)::integer")


class HoursBetween(DaysBetween):
    """Hours (fractional) from the second timestamp to the first."""

    output_field = models.FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self._sql(compiler, connection, "((julianday({a}) - julianday({b})) * 24.0)")

    def as_postgresql(self, compiler, connection, **extra):
        return self._sql(compiler, connection, "(EXTRACT(EPOCH FROM ({a} - {b})) / 3600.0)")


def ratio(numerator, denominator, digits: int = 4):
    if not denominator:
        return None
    return round(float(numerator) / float(denominator), digits)


def percentile(counts: dict[int, int], fraction: float) -> int | None:
    """Nearest-rank percentile of values given as {value: how many}."""
    total = sum(counts.values())
    if not total:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return None  # pragma: no cover


def channel_ids(channel_id: int) -> list[int]:
    """A channel and all channels below it."""
    from kehu.leads.models import Channel

    children: dict[int | None, list[int]] = {}
    for pk, parent in Channel.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [channel_id]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.append(pk)
            todo.extend(children.get(pk, []))
    return found


def lead_cohort(viewer: User, period: Period, filters: Filters) -> models.QuerySet:
    """Facts of the leads that came in during the period, that the viewer's figures include."""
    from kehu.analytics.models import LeadFact

    qs = owned(viewer, LeadFact, "owner_id", filters).filter(
        created_at__gte=period.start_at, created_at__lt=period.end_at
    )
    return apply_lead_filters(qs, filters)


def apply_lead_filters(qs, filters: Filters, prefix: str = ""):
    if filters.channel:
        qs = qs.filter(**{f"{prefix}channel_id__in": channel_ids(filters.channel)})
    if filters.grade:
        qs = qs.filter(**{f"{prefix}grade": filters.grade})
    return qs
