import datetime as dt

from django.utils import timezone

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.leads.models import Lead
from kehu.pool import services
from kehu.pool.models import DisplayRule, Limit, Pool

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


def test_pool_page_lists_and_claims_with_htmx(org, web, make_lead, lead_pool):
    lead = make_lead(lead_pool, grade="A", name="王五")
    client = web(org.sales_a1)
    page = client.get("/pool/")
    assert page.status_code == 200 and "王五" in page.content.decode()
    r = client.post(
        f"/pool/leads/{lead.pk}/claim/", headers={"HX-Request": "true", "HX-Target": f"claim-{lead.pk}"}
    )
    assert r.status_code == 200 and "claimed" in r.content.decode()
    lead.refresh_from_db()
    assert lead.owner == org.sales_a1
    mine = client.get("/pool/mine/").content.decode()
    assert "王五" in mine and "countdown" in mine


def test_refused_claim_shows_the_reason(org, web, make_lead, lead_pool):
    Limit.objects.create(user=org.sales_a1, daily_claims=0)
    lead = make_lead(lead_pool)
    r = web(org.sales_a1).post(f"/pool/leads/{lead.pk}/claim/", headers={"HX-Request": "true"})
    assert "refused" in r.content.decode()
    lead.refresh_from_db()
    assert lead.owner is None


def test_release_from_my_leads_needs_reason(org, web, make_lead, lead_pool):
    lead = make_lead(lead_pool)
    services.claim(org.sales_a1, lead)
    client = web(org.sales_a1)
    client.post(f"/pool/leads/{lead.pk}/release/", {"reason": "", "next": "mine"})
    lead.refresh_from_db()
    assert lead.owner == org.sales_a1
    r = client.post(f"/pool/leads/{lead.pk}/release/", {"reason": "电话空号", "next": "mine"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.owner is None
    page = client.get(f"/pool/leads/{lead.pk}/").content.decode()
    assert "电话空号" in page


def test_display_rules_split_the_pool(org, web, make_lead, lead_pool):
    from kehu.core.models import Region

    zj, gd = Region.objects.filter(level=1)[:2]
    rule = DisplayRule.objects.create(pool=lead_pool, team=org.teams["a"])
    rule.regions.add(zj)
    mine = make_lead(lead_pool, name="浙江客户", province=zj)
    other = make_lead(lead_pool, name="广东客户", province=gd)
    page = web(org.sales_a1).get("/pool/").content.decode()
    assert "浙江客户" in page and "广东客户" not in page
    # What is not shown cannot be claimed either.
    r = web(org.sales_a1).post(f"/pool/leads/{other.pk}/claim/")
    assert r.status_code == 404
    # Team B has no rule: sees the whole pool.
    page_b = web(org.sales_b).get("/pool/").content.decode()
    assert "浙江客户" in page_b and "广东客户" in page_b
    assert mine.pk


def test_settings_only_for_managers(org, web):
    assert web(org.sales_a1).get("/pool/settings/").status_code == 403
    client = web(org.manager_east)
    assert client.get("/pool/settings/").status_code == 200
    data = {
        "name": "华东线索池",
        "kind": "lead",
        "department": org.departments["east"].pk,
        "active": "on",
        "order": 1,
        "cooling_off_days": 3,
        "hold_hours": 2,
        "on_expiry": "pool",
        "remind_owner_hours": 12,
        "remind_manager_hours": 3,
        "policies-TOTAL_FORMS": 1,
        "policies-INITIAL_FORMS": 0,
        "policies-0-grade": "A",
        "policies-0-follow_up_hours": 8,
        "policies-0-convert_days": 7,
        "policies-0-notify": "strong",
        "rules-TOTAL_FORMS": 0,
        "rules-INITIAL_FORMS": 0,
    }
    r = client.post("/pool/settings/new/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    pool = Pool.objects.get(name="华东线索池")
    assert pool.policies.get(grade="A").follow_up_hours == 8
    # A department manager cannot put a pool into another department.
    data["name"] = "华南"
    data["department"] = org.departments["south"].pk
    assert client.post("/pool/settings/new/", data).status_code == 200
    assert not Pool.objects.filter(name="华南").exists()


def test_convert_from_the_lead_page(org, web, make_lead, lead_pool):
    lead = make_lead(lead_pool, name="赵六", company="杭州某科技有限公司", kind="company")
    services.claim(org.sales_a1, lead)
    r = web(org.sales_a1).post(f"/pool/leads/{lead.pk}/convert/", {"opportunity_name": ""})
    assert r.status_code == 302
    lead.refresh_from_db()
    customer = lead.customer
    assert lead.status == Lead.Status.CONVERTED and customer.owner == org.sales_a1
    assert customer.name == "杭州某科技有限公司" and customer.contacts.get().name == "赵六"
    page = web(org.sales_a1).get(f"/customers/{customer.pk}/").content.decode()
    assert "pool-panel" in page


def test_customer_pool_claim_and_release(org, web, customer_pool):
    now = clock.now()
    customer = Customer.objects.create(name="闲置客户", created_at=now, updated_at=now)
    services.send_to_pool(customer, customer_pool, reason="test")
    client = web(org.sales_a1)
    assert "闲置客户" in client.get("/pool/customers/").content.decode()
    client.post(f"/pool/customers/{customer.pk}/claim/")
    customer.refresh_from_db()
    assert customer.owner == org.sales_a1
    client.post(f"/pool/customers/{customer.pk}/release/", {"reason": "不再跟进"})
    customer.refresh_from_db()
    assert customer.owner is None


def test_lead_panel_renders_ledger(org, rf, make_lead, lead_pool):
    from kehu.pool.panels import lead_panel

    lead = make_lead(lead_pool)
    services.claim(org.sales_a1, lead)
    request = rf.get("/")
    request.user = org.sales_a1
    html = lead_panel(request, lead)
    assert "countdown" in html and org.sales_a1.name in html


def test_department_manager_sets_quotas_for_their_department(org, web):
    Limit.objects.create(department=org.departments["south"], max_held=9)
    client = web(org.manager_east)
    page = client.get("/pool/settings/limits/")
    assert page.status_code == 200
    base = {"limits-TOTAL_FORMS": 1, "limits-INITIAL_FORMS": 0, "limits-0-target": "lead"}
    # Their department: accepted.
    r = client.post(
        "/pool/settings/limits/",
        {**base, "limits-0-department": org.departments["east"].pk, "limits-0-max_held": 30},
    )
    assert r.status_code == 302
    assert Limit.objects.get(department=org.departments["east"]).max_held == 30
    # Another department, or the company default: refused, nothing saved.
    r = client.post(
        "/pool/settings/limits/",
        {**base, "limits-0-department": org.departments["south"].pk, "limits-0-max_held": 1},
    )
    assert r.status_code == 200 and Limit.objects.get(department=org.departments["south"]).max_held == 9
    r = client.post("/pool/settings/limits/", {**base, "limits-0-daily_claims": 1})
    assert r.status_code == 200 and not Limit.objects.filter(department=None, team=None, user=None).exists()
    # A person of their department: an override.
    r = client.post(
        "/pool/settings/limits/", {**base, "limits-0-user": org.sales_a1.pk, "limits-0-daily_claims": 3}
    )
    assert r.status_code == 302 and services.limits_for(org.sales_a1).daily == 3
    assert web(org.sales_a1).get("/pool/settings/limits/").status_code == 403
