"""Grading rules and thresholds; every intake path gives the same de-duplication outcome."""

import csv
import json

from django.core.cache import cache
from django.test import Client

from kehu.leads.models import CaptureForm, Channel, GradingRule, GradingSettings, Lead
from kehu.leads.services import imports, intake_one
from kehu.leads.services.grading import Grader, regrade_all


def test_default_rules_score_and_thresholds(db):
    grader = Grader()
    full = {"phone": "13812345678", "email": "a@b.cn", "company": "x", "title": "经理", "address": "y"}
    full |= {"industry": "I", "company_size": "large", "demand_type": "q", "urgency": "high", "notes": "n"}
    assert grader.score(full) == 100 and grader.grade(100) == "A"
    assert grader.score({"phone": "13812345678"}) == 20 and grader.grade(20) == "C"
    assert grader.score({**full, "urgency": "medium"}) == 93
    assert grader.score({**full, "urgency": "low"}) == 85


def test_rules_and_thresholds_are_configurable_and_regrade(org, lead_data):
    lead = intake_one(org.marketer, lead_data(email="", urgency="low"), path="api").lead
    assert lead.grade == "B"
    GradingRule.objects.filter(field="phone").update(points=60)
    GradingSettings.objects.filter(pk=1).update(a_at=80, b_at=50)
    assert regrade_all() == 1
    lead.refresh_from_db()
    assert lead.score == 95 and lead.grade == "A"


def test_grading_settings_in_the_settings_area(org, web):
    client = web(org.marketer)  # marketers may manage leads' settings
    assert client.get("/settings/leads/gradingrule/").status_code == 200
    assert client.get("/settings/leads/channel/").status_code == 200
    assert web(org.sales_a1).get("/settings/leads/channel/").status_code in (302, 403)


def test_channel_required_fields_edited_in_settings(org, web, lead_data):
    client = web(org.marketer)
    channel = Channel.objects.get(code="events")
    r = client.post(
        f"/settings/leads/channel/{channel.pk}/change/",
        {
            "code": "events", "name": channel.name, "name_en": channel.name_en, "parent": channel.parent_id,
            "category": channel.category, "required_fields": ["name", "contact"], "active": "on", "order": 0,
            "costs-TOTAL_FORMS": "0", "costs-INITIAL_FORMS": "0", "costs-MIN_NUM_FORMS": "0",
            "costs-MAX_NUM_FORMS": "1000",
        },
    )  # fmt: skip
    assert r.status_code == 302, r.content[:2000]
    channel.refresh_from_db()
    assert channel.required_fields == ["channel", "name", "contact"]
    assert (
        intake_one(org.marketer, lead_data(address="", demand_type="", urgency=""), path="api").outcome
        == "new"
    )


def test_every_path_gives_the_same_outcome(org, lead_data, tmp_path, web, api):
    original = intake_one(org.marketer, lead_data(channel="website"), path="api").lead
    again = {"channel": "website", "name": "王建國", "phone": "+86 138-1234-5678"}
    outcomes = {}
    outcomes["service"] = intake_one(org.marketer, dict(again), path="api")
    r = api(org.marketer).post("/leads", dict(again))
    outcomes["api"] = r.json()["dedup"]
    r = api(org.marketer).post("/leads/batch", {"leads": [dict(again)]})
    outcomes["batch"] = r.json()["results"][0]
    web(org.marketer).post(
        "/leads/new/",
        {
            "channel": Channel.objects.get(code="website").pk,
            **{k: v for k, v in again.items() if k != "channel"},
        },
    )
    cache.clear()
    form = CaptureForm.objects.create(name="f", channel=Channel.objects.get(code="website"), key="kk")
    Client().post(f"/leads/capture/{form.key}/", json.dumps(again), content_type="application/json")
    path = tmp_path / "one.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["姓名", "手机"], [again["name"], again["phone"]]])
    run = imports.run_import(
        imports.start_run(org.marketer, path, "one.csv", form.channel), path, org.marketer
    )
    assert run.duplicates == 1
    assert outcomes["service"].outcome == "duplicate_lead"
    assert outcomes["api"]["outcome"] == "duplicate_lead" and outcomes["api"]["duplicate_of"] == original.pk
    assert (
        outcomes["batch"]["outcome"] == "duplicate_lead" and outcomes["batch"]["duplicate_of"] == original.pk
    )
    copies = Lead.objects.exclude(pk=original.pk)
    assert sorted(copies.values_list("intake", flat=True)) == [
        "api",
        "api",
        "api",
        "capture",
        "form",
        "import",
    ]
    assert set(copies.values_list("duplicate_of", flat=True)) == {original.pk}


def test_customer_page_shows_matching_leads(org, lead_data, customer, web):
    cust = customer(owner=org.sales_a1, phone="13812345678")
    lead = intake_one(org.marketer, lead_data(), path="api").lead
    assert lead.matched_customer_id == cust.pk
    page = web(org.sales_a1).get(f"/customers/{cust.pk}/").content.decode()
    assert f"/leads/{lead.pk}/" in page
