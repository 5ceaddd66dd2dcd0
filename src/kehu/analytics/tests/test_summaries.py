"""The summaries the reports read are rebuilt correctly by the periodic task."""

import datetime as dt

from kehu.activities.models import FollowUp
from kehu.analytics import services, summaries, tasks
from kehu.analytics.models import GainFact, LeadFact, SummaryState
from kehu.analytics.reports import channels, funnel
from kehu.analytics.reports.base import Filters
from kehu.leads.models import Lead
from kehu.pool.models import OwnershipEvent

from .conftest import NOW, at
from .test_reports import JUNE


def test_facts_cover_every_live_lead_and_claim(dataset):
    assert LeadFact.objects.count() == Lead.objects.filter(archived_at__isnull=True).count()
    gains = OwnershipEvent.objects.filter(kind__in=["claim", "assign"], lead__isnull=False).count()
    assert GainFact.objects.count() == gains


def test_figures_change_after_the_periodic_refresh(dataset):
    org = dataset.org
    before = channels.channel_report(org.admin, JUNE)["total"]["leads"]
    lead = Lead.objects.create(
        channel=dataset.channels[0],
        name="新线索",
        owner=org.sales_a1,
        status="assigned",
        created_at=at(6, 20),
        updated_at=at(6, 20),
    )
    assert channels.channel_report(org.admin, JUNE)["total"]["leads"] == before  # not yet summarised
    tasks.refresh_summaries.call_local()
    assert channels.channel_report(org.admin, JUNE)["total"]["leads"] == before + 1
    stage = {s["stage"]: s["count"] for s in funnel.funnel(org.sales_a1, JUNE)["stages"]}
    # The new lead has an owner but no follow-up yet: it reached "assigned", not "followed".
    assert LeadFact.objects.get(lead_id=lead.pk).stage == 2
    assert stage["assigned"] >= stage["followed"]


def test_claims_waiting_for_a_follow_up_are_looked_up_again(dataset):
    org = dataset.org
    waiting = GainFact.objects.filter(first_follow_up_at__isnull=True).first()
    assert waiting is not None
    FollowUp.objects.create(
        lead_id=waiting.lead_id,
        author_id=waiting.to_user_id,
        content="终于联系上",
        at=waiting.at + dt.timedelta(hours=5),
        created_at=NOW,
    )
    summaries.refresh()
    waiting.refresh_from_db()
    assert waiting.first_follow_up_at == waiting.at + dt.timedelta(hours=5)
    assert org  # the organisation fixture is part of the data set


def test_reports_say_as_of_when(dataset):
    report = services.run("channels", dataset.org.admin, JUNE, Filters())
    assert report["as_of"] == SummaryState.objects.get().refreshed_at
    assert services.run("leaderboard", dataset.org.admin, JUNE, Filters())["as_of"] is None


def test_first_use_builds_the_summaries(org):
    SummaryState.objects.all().delete()
    services.run("funnel", org.admin, JUNE, Filters())
    assert SummaryState.objects.count() == 1
