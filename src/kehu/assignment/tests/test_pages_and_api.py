"""The managers' pages and the API: rules edited, reordered, activated, simulated; who may."""

import re

from kehu.assignment import services
from kehu.assignment.models import Rule, RuleSet
from kehu.leads.models import Lead
from kehu.pool.models import OwnershipEvent


def test_salespeople_may_not_see_or_change_rules(org, api, web, active_set, rule, sellers):
    r = rule(users=[sellers[0].pk])
    client = web(org.sales_a1)
    assert client.get("/assignment/").status_code == 403
    assert client.post(f"/assignment/rules/{r.pk}/toggle/").status_code == 403
    assert client.get(f"/assignment/sets/{active_set.pk}/simulate/?run=1").status_code == 403
    assert api(org.sales_a1).get("/assignment/rule-sets").status_code == 403
    assert api(org.sales_a1).patch(f"/assignment/rules/{r.pk}", {"active": False}).status_code == 403
    assert Rule.objects.get(pk=r.pk).active


def test_manager_pages_list_reorder_toggle_and_edit(org, web, active_set, rule, sellers):
    first = rule(name="第一条", conditions={"grades": ["A"]}, users=[sellers[0].pk])
    second = rule(name="第二条", strategy="load_balanced", teams=[org.teams["a"].pk])
    client = web(org.manager_east)
    page = client.get("/assignment/").content.decode()
    assert "第一条" in page and "第二条" in page and page.index("第一条") < page.index("第二条")
    response = client.post(
        f"/assignment/rules/{second.pk}/move/", {"direction": "up"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("第二条") < html.index("第一条")
    assert list(active_set.rules.order_by("order").values_list("pk", flat=True)) == [second.pk, first.pk]
    client.post(f"/assignment/rules/{first.pk}/toggle/")
    assert not Rule.objects.get(pk=first.pk).active
    form = client.get(f"/assignment/rules/{first.pk}/").content.decode()
    # The form shows the rule as it is: name, target, the chosen grade and person.
    assert 'value="第一条"' in form
    inputs = re.findall(r"<input[^>]*>", form)
    assert any('name="target"' in i and 'value="people"' in i and "checked" in i for i in inputs)
    assert any('name="grades"' in i and 'value="A"' in i and "checked" in i for i in inputs)
    assert not any('name="grades"' in i and 'value="B"' in i and "checked" in i for i in inputs)
    assert f'<option value="{sellers[0].pk}" selected>' in form


def test_rule_form_creates_a_rule_and_shows_field_errors(org, web, active_set, sellers):
    client = web(org.manager_east)
    url = f"/assignment/sets/{active_set.pk}/rules/new/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"name": "", "target": "people", "strategy": "round_robin", "period_days": 30})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert 'id="id_name_error"' in text and "id_others_weight_error" not in text
    assert not Rule.objects.exists()
    # A people rule without any candidate is refused with a clear message on the form.
    nobody = client.post(
        url, {"name": "没人", "target": "people", "strategy": "round_robin", "period_days": 30}
    )
    assert nobody.status_code == 200 and not Rule.objects.exists()
    ok = client.post(
        url,
        {
            "name": "A级直接匹配",
            "active": "on",
            "grades": ["A"],
            "target": "people",
            "strategy": "direct_match",
            "users": [sellers[0].pk, sellers[1].pk],
            "dimensions": ["region", "level"],
            "levels_A": ["senior", "expert"],
            "tenure_A": "2",
            "relax": "on",
            "period_days": 30,
            "others_weight": 1,
        },
    )
    assert ok.status_code == 302
    created = Rule.objects.get(name="A级直接匹配")
    assert created.conditions == {"grades": ["A"]}
    assert created.settings["dimensions"] == ["region", "level"]
    assert created.settings["grade_levels"] == {"A": ["expert", "senior"]}
    assert created.settings["grade_min_tenure"] == {"A": 2.0}


def test_leaderboard_rule_through_the_form(org, web, active_set, sellers):
    client = web(org.manager_east)
    response = client.post(
        f"/assignment/sets/{active_set.pk}/rules/new/",
        {
            "name": "排行榜",
            "active": "on",
            "target": "people",
            "strategy": "leaderboard",
            "departments": [org.departments["east"].pk],
            "metric_lead_conversions": "2",
            "metric_activity": "1",
            "period_days": 60,
            "tier_top_0": 3,
            "tier_weight_0": 3,
            "tier_top_1": 10,
            "tier_weight_1": 2,
            "others_weight": 1,
        },
    )
    assert response.status_code == 302
    settings = Rule.objects.get(name="排行榜").settings
    assert {m["code"]: m["weight"] for m in settings["metrics"]} == {"lead_conversions": 2.0, "activity": 1.0}
    assert (
        settings["tiers"] == [{"top": 3, "weight": 3}, {"top": 10, "weight": 2}]
        and settings["period_days"] == 60
    )


def test_draft_simulate_and_activate_through_pages(org, web, active_set, rule, sellers, make_lead):
    rule(users=[sellers[0].pk])
    services.route_leads([make_lead() for _ in range(3)])
    client = web(org.manager_east)
    response = client.post("/assignment/sets/new/", {"name": "新草案", "copy_from": active_set.pk})
    draft = RuleSet.objects.get(name="新草案")
    assert response.status_code == 302 and draft.status == RuleSet.Status.DRAFT and draft.rules.count() == 1
    page = client.get(f"/assignment/sets/{draft.pk}/simulate/?run=1&days=7")
    assert page.status_code == 200 and sellers[0].name in page.content.decode()
    client.post(f"/assignment/sets/{draft.pk}/activate/")
    draft.refresh_from_db()
    active_set.refresh_from_db()
    assert draft.status == RuleSet.Status.ACTIVE and active_set.status == RuleSet.Status.ARCHIVED


def test_api_rule_lifecycle(org, api, sellers):
    client = api(org.manager_east)
    created = client.post("/assignment/rule-sets", {"name": "接口规则"})
    assert created.status_code == 201
    set_id = created.json()["id"]
    rule_a = client.post(
        f"/assignment/rule-sets/{set_id}/rules",
        {"name": "A", "conditions": {"grades": ["A"]}, "users": [sellers[0].pk]},
    )
    assert rule_a.status_code == 201, rule_a.json()
    rule_b = client.post(
        f"/assignment/rule-sets/{set_id}/rules",
        {
            "name": "B",
            "strategy": "leaderboard",
            "teams": [org.teams["a"].pk],
            "settings": {"metrics": [{"code": "activity", "weight": 1}], "tiers": [{"top": 1, "weight": 3}]},
        },
    )
    assert rule_b.status_code == 201, rule_b.json()
    assert rule_b.json()["settings"]["tiers"] == [{"top": 1, "weight": 3}]
    order = client._call(
        "put", f"/assignment/rule-sets/{set_id}/order", {"rules": [rule_b.json()["id"], rule_a.json()["id"]]}
    )
    assert order.status_code == 200 and [r["name"] for r in order.json()] == ["B", "A"]
    bad = client.patch(f"/assignment/rules/{rule_a.json()['id']}", {"users": [999999]})
    assert bad.status_code == 422 and "users" in bad.json()["fields"]
    unknown_metric = client.patch(
        f"/assignment/rules/{rule_b.json()['id']}", {"settings": {"metrics": [{"code": "nope", "weight": 1}]}}
    )
    assert unknown_metric.status_code == 422 and "settings.metrics" in unknown_metric.json()["fields"]
    activated = client.post(f"/assignment/rule-sets/{set_id}/activate")
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    assert client.delete(f"/assignment/rule-sets/{set_id}").status_code == 409
    simulation = client.get(f"/assignment/rule-sets/{set_id}/simulation", days=7)
    assert simulation.status_code == 200 and simulation.json()["leads"] == 0


def test_why_was_this_lead_assigned(org, api, web, rule, sellers, make_lead):
    sellers[0].on_leave = True
    sellers[0].save()
    rule(name="轮流分配", users=[sellers[0].pk, sellers[1].pk])
    lead = make_lead()
    services.route_leads([lead])
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.owner == sellers[1]
    # The owner sees why, in the API and on the page (fragment for the lead pages).
    answer = api(sellers[1]).get(f"/leads/{lead.pk}/assignment")
    assert answer.status_code == 200
    body = answer.json()
    assert body["kind"] == "assign" and body["rule_name"] == "轮流分配" and sellers[0].name in body["reason"]
    page = web(sellers[1]).get(f"/assignment/leads/{lead.pk}/why/", headers={"HX-Request": "true"})
    assert page.status_code == 200 and "轮流分配" in page.content.decode()
    # Someone who cannot see the lead gets the same 404 as for a missing one.
    assert api(org.sales_south).get(f"/leads/{lead.pk}/assignment").status_code == 404
    assert web(org.sales_south).get(f"/assignment/leads/{lead.pk}/why/").status_code == 404
    assert OwnershipEvent.objects.filter(lead=lead).count() == 1
