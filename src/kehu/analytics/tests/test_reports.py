"""Every report's figures equal a direct Python computation over the same rows."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _

from kehu.activities.models import FollowUp
from kehu.analytics.reports import channels, funnel, leaderboard, pool_health, time_to_convert
from kehu.analytics.reports.base import Filters, Period
from kehu.core import metrics
from kehu.leads.models import ChannelCost, Lead
from kehu.pool.models import ClaimRefusal, OwnershipEvent
from kehu.pool.services.sweeps import CAUSE_LABELS
from kehu.sales.models import Contract, Order, Payment

from .conftest import NOW

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
VIEWERS = ["admin", "marketer", "manager_east", "sales_a1", "sales_south"]


def people_of(org, viewer):
    """Whose figures each viewer gets, written out by hand (not by the scope layer)."""
    east = {org.manager_east.pk, org.sales_a1.pk, org.sales_a2.pk, org.sales_b.pk}
    return {
        "admin": None,
        "marketer": None,
        "manager_east": east,
        "sales_a1": {org.sales_a1.pk},
        "sales_a2": {org.sales_a2.pk},
        "sales_b": {org.sales_b.pk},
        "sales_south": {org.sales_south.pk},
    }[viewer]


def counts(ids, owner_id):
    return ids is None or owner_id in ids


def cohort(ids, period=JUNE):
    return [
        lead
        for lead in Lead.objects.all()
        if lead.archived_at is None
        and period.start_at <= lead.created_at < period.end_at
        and counts(ids, lead.owner_id)
    ]


def expected_channels(ids, period=JUNE):
    orders = list(Order.objects.all())
    payments = list(Payment.objects.select_related("contract"))
    out = {}
    for lead in cohort(ids, period):
        row = out.setdefault(
            lead.channel_id,
            {"leads": 0, "valid": 0, "converted": 0, "customers": set()},
        )
        row["leads"] += 1
        row["valid"] += lead.status != "invalid" and lead.duplicate_of_id is None
        if lead.converted_at:
            row["converted"] += 1
            if lead.customer_id:
                row["customers"].add(lead.customer_id)
    for channel_id, row in out.items():
        row["order_value"] = sum(
            (
                o.total - o.refunded
                for o in orders
                if o.customer_id in row["customers"] and o.cancelled_at is None and counts(ids, o.owner_id)
            ),
            Decimal(0),
        )
        row["payments"] = sum(
            (
                p.amount if p.kind == "receipt" else -p.amount
                for p in payments
                if p.contract.customer_id in row["customers"] and counts(ids, p.contract.owner_id)
            ),
            Decimal(0),
        )
        cost = Decimal(0)
        for c in ChannelCost.objects.filter(channel_id=channel_id):
            days = (c.period_end - c.period_start).days + 1
            overlap = (min(c.period_end, period.end) - max(c.period_start, period.start)).days + 1
            if overlap > 0:
                cost += c.amount * overlap / days
        row["cost"] = cost.quantize(Decimal("0.01"))
    return out


@pytest.mark.parametrize("viewer", VIEWERS)
def test_channel_report_matches_direct_computation(dataset, viewer):
    user = getattr(dataset.org, viewer)
    ids = people_of(dataset.org, viewer)
    report = channels.channel_report(user, JUNE)
    expected = expected_channels(ids)
    got = {row["channel_id"]: row for row in report["channels"] if row["leads"]}
    assert set(got) == set(expected)
    for channel_id, exp in expected.items():
        row = got[channel_id]
        assert (row["leads"], row["valid"], row["converted"]) == (
            exp["leads"],
            exp["valid"],
            exp["converted"],
        )
        assert row["order_value"] == exp["order_value"]
        assert row["payments"] == exp["payments"]
        assert row["conversion_rate"] == round(exp["converted"] / exp["leads"], 4)
        if ids is None:
            assert row["cost"] == exp["cost"]
            if exp["cost"]:
                assert row["roi"] == round(float((exp["order_value"] - exp["cost"]) / exp["cost"]), 4)
                assert row["cost_per_lead"] == (exp["cost"] / exp["leads"]).quantize(Decimal("0.01"))
        else:
            assert row["cost"] is None and row["roi"] is None
    total = report["total"]
    assert total["leads"] == sum(e["leads"] for e in expected.values())
    assert total["order_value"] == sum((e["order_value"] for e in expected.values()), Decimal(0))
    by_category = {row["category"]: row["leads"] for row in report["categories"]}
    assert sum(by_category.values()) == total["leads"]


def test_channel_report_prorates_costs_and_sorts(dataset):
    report = channels.channel_report(dataset.org.admin, JUNE, sort="roi", descending=False)
    web, sem, baidu = dataset.channels
    costs = {row["channel_id"]: row["cost"] for row in report["channels"]}
    assert costs[web.pk] == Decimal("3000.00")
    assert costs[sem.pk] == Decimal("3000.00")  # 30 of the cost row's 60 days fall in June
    assert costs[baidu.pk] == Decimal("0")  # its only cost was in April
    rois = [row["roi"] for row in report["channels"] if row["roi"] is not None]
    assert rois == sorted(rois)
    assert report["channels"][-1]["roi"] is None  # no cost, no ROI: listed last
    paid = next(row for row in report["categories"] if row["category"] == "paid")
    assert paid["cost"] == Decimal("3000.00")
    assert paid["leads"] == sum(
        r["leads"] for r in report["channels"] if r["channel_id"] in (sem.pk, baidu.pk)
    )


def test_channel_filter_includes_sub_channels_and_drill_down_link(dataset):
    _web, sem, baidu = dataset.channels
    report = channels.channel_report(dataset.org.admin, JUNE, Filters(channel=sem.pk))
    assert {row["channel_id"] for row in report["channels"]} == {sem.pk, baidu.pk}
    row = next(r for r in report["channels"] if r["channel_id"] == sem.pk)
    assert row["leads_url"] == f"/leads/?created_from=2026-06-01&created_to=2026-06-30&channel={sem.pk}"


def test_channel_report_counts_a_customer_once_per_channel(dataset):
    twin = Lead.objects.get(pk=dataset.leads[15].pk)
    other = Lead.objects.get(pk=dataset.leads[45].pk)
    assert twin.customer_id and twin.customer_id == other.customer_id and twin.channel_id == other.channel_id
    ids = None
    expected = expected_channels(ids)
    report = channels.channel_report(dataset.org.admin, JUNE)
    row = next(r for r in report["channels"] if r["channel_id"] == twin.channel_id)
    assert row["order_value"] == expected[twin.channel_id]["order_value"]


def days_between(later, earlier):
    return max(math.floor((later - earlier).total_seconds() / 86400), 0)


def nearest_rank(values, fraction):
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1] if ordered else None


@pytest.mark.parametrize("viewer", ["admin", "manager_east", "sales_a1"])
@pytest.mark.parametrize("by", ["channel", "grade", "owner"])
def test_time_to_convert_matches_direct_computation(dataset, viewer, by):
    ids = people_of(dataset.org, viewer)
    report = time_to_convert.time_to_convert(getattr(dataset.org, viewer), JUNE, by=by)
    leads = [
        lead
        for lead in Lead.objects.all()
        if lead.converted_at
        and lead.archived_at is None
        and JUNE.start_at <= lead.converted_at < JUNE.end_at
        and counts(ids, lead.owner_id)
    ]
    field = {"channel": "channel_id", "grade": "grade", "owner": "owner_id"}[by]
    groups = {}
    for lead in leads:
        groups.setdefault(getattr(lead, field), []).append(days_between(lead.converted_at, lead.created_at))
    got = {g["key"]: g for g in report["groups"]}
    assert set(got) == set(groups)
    for key, values in [*groups.items(), (None, [v for vs in groups.values() for v in vs])]:
        row = got[key] if key is not None else report["total"]
        assert row["count"] == len(values)
        assert row["mean_days"] == (round(sum(values) / len(values), 1) if values else None)
        for name, fraction in (("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9)):
            assert row[name] == nearest_rank(values, fraction), name
        assert sum(row["histogram"]) == len(values)
        assert row["histogram"][0] == sum(1 for v in values if v == 0)
        assert row["histogram"][-1] == sum(1 for v in values if v >= 90)


def test_time_to_convert_by_team(dataset):
    report = time_to_convert.time_to_convert(dataset.org.admin, JUNE, by="team")
    team_a = dataset.org.teams["a"]
    row = next(g for g in report["groups"] if g["key"] == team_a.pk)
    members = {dataset.org.sales_a1.pk, dataset.org.sales_a2.pk}
    expected = [
        lead
        for lead in Lead.objects.filter(converted_at__gte=JUNE.start_at, converted_at__lt=JUNE.end_at)
        if lead.owner_id in members and lead.archived_at is None
    ]
    assert row["count"] == len(expected) > 0
    assert row["label"] == team_a.name


def expected_stage(lead, followed_leads, gained_leads, paying_customers):
    if lead.converted_at and lead.customer_id and lead.customer_id in paying_customers:
        return 5
    if lead.converted_at:
        return 4
    if lead.last_follow_up_at or lead.pk in followed_leads:
        return 3
    if lead.owner_id or lead.pk in gained_leads:
        return 2
    if lead.status != "invalid" and lead.duplicate_of_id is None:
        return 1
    return 0


@pytest.mark.parametrize("viewer", ["admin", "manager_east", "sales_a2"])
def test_funnel_matches_direct_computation(dataset, viewer):
    ids = people_of(dataset.org, viewer)
    report = funnel.funnel(getattr(dataset.org, viewer), JUNE)
    followed = set(FollowUp.objects.filter(lead__isnull=False).values_list("lead_id", flat=True))
    gained = set(
        OwnershipEvent.objects.filter(kind__in=["claim", "assign", "transfer"]).values_list(
            "lead_id", flat=True
        )
    )
    paying = set(Order.objects.filter(cancelled_at__isnull=True).values_list("customer_id", flat=True)) | set(
        Payment.objects.filter(kind="receipt").values_list("contract__customer_id", flat=True)
    )
    leads = cohort(ids)
    stages = {lead.pk: expected_stage(lead, followed, gained, paying) for lead in leads}
    reached = [sum(1 for s in stages.values() if s >= index) for index in range(6)]
    assert [s["count"] for s in report["stages"]] == reached
    assert reached[0] > 0
    # Stuck: open leads by stage and age.
    for index, row in enumerate(report["stuck"]):
        open_here = [
            lead
            for lead in leads
            if stages[lead.pk] == index and lead.converted_at is None and lead.status != "invalid"
        ]
        assert row["count"] == len(open_here)
        young = sum(1 for lead in open_here if lead.created_at > NOW - dt.timedelta(days=7))
        assert row["ages"][0] == young
    stuck_total = sum(row["count"] for row in report["stuck"])
    assert sum(entry["count"] for entry in report["stuck_owners"]) == stuck_total
    # Cohorts: weeks (Monday) of intake, each with the same cumulative stages.
    weeks = {}
    for lead in leads:
        local = lead.created_at.astimezone(NOW.tzinfo).date()
        monday = local - dt.timedelta(days=local.weekday())
        weeks.setdefault(monday, []).append(stages[lead.pk])
    assert [w["week"] for w in report["cohorts"]] == sorted(weeks)
    for week in report["cohorts"]:
        assert week["stages"] == [sum(1 for s in weeks[week["week"]] if s >= i) for i in range(6)]


def test_leaderboard_matches_direct_computation(dataset):
    org = dataset.org
    report = leaderboard.leaderboard(org.manager_east, JUNE, sort="claims")
    rows = {row["user_id"]: row for row in report["rows"]}
    assert set(rows) == {org.manager_east.pk, org.sales_a1.pk, org.sales_a2.pk, org.sales_b.pk}
    in_june = {"at__gte": JUNE.start_at, "at__lt": JUNE.end_at}
    for pk, row in rows.items():
        assert row["claims"] == OwnershipEvent.objects.filter(kind="claim", to_user_id=pk, **in_june).count()
        assert row["activity"] == FollowUp.objects.filter(author_id=pk, **in_june).count()
        assert row["lead_conversions"] == sum(
            1
            for lead in Lead.objects.filter(owner_id=pk)
            if lead.converted_at and lead.converted_at >= JUNE.start_at
        )
        assert row["contract_amount"] == float(
            sum(
                (
                    c.amount
                    for c in Contract.objects.filter(owner_id=pk)
                    if c.status in ("active", "completed") and JUNE.start <= c.signed_on <= JUNE.end
                ),
                Decimal(0),
            )
        )
        assert row["payments"] == float(
            sum(
                (
                    p.amount if p.kind == "receipt" else -p.amount
                    for p in Payment.objects.filter(contract__owner_id=pk)
                    if JUNE.start <= p.received_on <= JUNE.end
                ),
                Decimal(0),
            )
        )
        assert row["sales_amount"] == float(
            sum(
                (
                    o.total - o.refunded
                    for o in Order.objects.filter(owner_id=pk, cancelled_at__isnull=True)
                    if JUNE.start_at <= o.ordered_at < JUNE.end_at
                ),
                Decimal(0),
            )
        )
    claims = [row["claims"] for row in report["rows"]]
    assert claims == sorted(claims, reverse=True)
    assert report["rows"][0]["rank"] == 1


def test_leaderboard_reads_the_shared_metric_registry(dataset, monkeypatch):
    """The report shows whatever the registered metric computes: one code for both users."""
    fake = metrics.Metric("claims", "claims", lambda ids, start, end: dict.fromkeys(ids, 42))
    monkeypatch.setitem(metrics.METRICS, "claims", fake)
    report = leaderboard.leaderboard(dataset.org.sales_a1, JUNE)
    assert [row["claims"] for row in report["rows"]] == [42.0]


@pytest.mark.parametrize("viewer", ["admin", "manager_east", "sales_b"])
def test_pool_health_matches_direct_computation(dataset, viewer):
    ids = people_of(dataset.org, viewer)
    report = pool_health.pool_health(getattr(dataset.org, viewer), JUNE)
    events = [e for e in OwnershipEvent.objects.select_related("pool") if JUNE.start_at <= e.at < JUNE.end_at]
    claims = [e for e in events if e.kind == "claim" and counts(ids, e.to_user_id)]
    assigned = [e for e in events if e.kind == "assign" and counts(ids, e.to_user_id)]
    lost = [e for e in events if e.kind in ("release", "reclaim") and counts(ids, e.from_user_id)]
    totals = report["totals"]
    assert totals["claims"] == len(claims)
    assert totals["assigned"] == len(assigned)
    assert totals["releases"] == sum(1 for e in lost if e.kind == "release")
    assert totals["reclaims"] == sum(1 for e in lost if e.kind == "reclaim")
    assert totals["cooling_offs"] == sum(1 for e in lost if e.pool and e.pool.cooling_off_days)
    refusals = [
        r
        for r in ClaimRefusal.objects.all()
        if JUNE.start_at <= r.at < JUNE.end_at and counts(ids, r.user_id)
    ]
    assert refusals or viewer == "sales_b", "the data set has quota refusals in June"
    assert totals["quota_refusals"] == len(refusals)
    assert {r["user_id"]: r["quota_refusals"] for r in report["people"] if r["quota_refusals"]} == {
        user_id: sum(1 for r in refusals if r.user_id == user_id) for user_id in {r.user_id for r in refusals}
    }
    waits = []
    for e in claims + assigned:
        later = [f.at for f in FollowUp.objects.filter(lead=e.lead, author=e.to_user) if f.at >= e.at]
        if later:
            waits.append((min(later) - e.at).total_seconds() / 3600)
    assert totals["followed_up"] == len(waits)
    assert totals["first_follow_up_hours"] == pytest.approx(round(sum(waits) / len(waits), 1), abs=0.05)
    reasons = {}
    for e in lost:
        if e.kind == "reclaim":
            if e.reason == "deadline":  # the sweep's: labelled by its cause
                label = str(CAUSE_LABELS[e.data["cause"]])
            else:
                label = e.reason or str(_("(no reason given)"))
            reasons[label] = reasons.get(label, 0) + 1
    assert {r["reason"]: r["count"] for r in report["reclaim_reasons"]} == reasons


def test_period_validation():
    from kehu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        Period.parse("2026-07-01", "2026-06-01")
    assert "start" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        Period.parse("yesterday", "")
    assert "start" in err.value.fields
    with pytest.raises(ValidationFailed):
        Period.parse("2020-01-01", "2026-01-01")
    with pytest.raises(ValidationFailed) as err:
        Filters.parse(channel="x", grade="Z")
    assert set(err.value.fields) == {"channel", "grade"}
    assert Period.months(12, dt.date(2026, 6, 30)).start == dt.date(2025, 7, 1)


def test_leaderboard_metrics_are_choosable_by_the_assignment_strategy(db):
    """Metrics analytics registers are in the one registry the leaderboard strategy reads."""
    from kehu.assignment.models import Rule
    from kehu.assignment.services.rules import clean_settings

    errors: dict = {}
    settings = clean_settings(
        Rule.Strategy.LEADERBOARD,
        {"metrics": [{"code": "claims", "weight": 1}, {"code": "payments", "weight": 2}]},
        errors,
    )
    assert errors == {}
    assert [m["code"] for m in settings["metrics"]] == ["claims", "payments"]
