from kehu.accounts.scope import scoped
from kehu.customers.models import Customer
from kehu.leads.models import Lead
from kehu.leads.signals import lead_converted
from kehu.messaging.models import Notification
from kehu.pool import services
from kehu.pool.models import GradePolicy, OwnershipEvent, Pool


def test_entering_a_pool_notifies_by_grade(org, make_lead, lead_pool):
    make_lead(lead_pool, grade="A")
    make_lead(lead_pool, grade="B")
    make_lead(lead_pool, grade="C")
    entered = Notification.objects.filter(kind="pool_entered", recipient=org.sales_a1)
    assert sorted(entered.values_list("level", "data__grade")) == [("normal", "B"), ("strong", "A")]
    # Non-sales roles (no claim capability) are not told.
    assert not Notification.objects.filter(kind="pool_entered", recipient=org.finance).exists()


def test_grade_notification_is_configurable(org, make_lead, lead_pool):
    GradePolicy.objects.filter(pool=lead_pool, grade="C").update(notify="normal")
    GradePolicy.objects.filter(pool=lead_pool, grade="A").update(notify="none")
    make_lead(lead_pool, grade="A")
    make_lead(lead_pool, grade="C")
    levels = list(
        Notification.objects.filter(kind="pool_entered", recipient=org.sales_a1).values_list(
            "data__grade", flat=True
        )
    )
    assert levels == ["C"]


def test_department_pool_notifies_only_its_people(org, make_lead):
    south = Pool.objects.create(name="华南池", kind="lead", department=org.departments["south"])
    make_lead(south, grade="A")
    told = set(Notification.objects.filter(kind="pool_entered").values_list("recipient__username", flat=True))
    assert "sales_south" in told and "sales_a1" not in told


def test_convert_keeps_channel_and_history_and_asks_for_an_opportunity(org, make_lead, lead_pool):
    calls = []

    def listener(sender, lead, customer, actor, opportunity, **kwargs):
        calls.append((lead.pk, customer.pk, actor, opportunity))

    lead_converted.connect(listener)
    try:
        lead = make_lead(lead_pool, name="韩梅梅", company="", kind="person", phone="13912345678")
        services.claim(org.sales_a1, lead)
        customer = services.convert(lead, org.sales_a1, opportunity={"name": "年度采购"})
    finally:
        lead_converted.disconnect(listener)
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.customer == customer and lead.converted_at
    assert customer.name == "韩梅梅" and customer.kind == "person" and customer.owner == org.sales_a1
    assert customer.source_leads.get().channel == lead.channel
    assert calls == [(lead.pk, customer.pk, org.sales_a1, {"name": "年度采购"})]
    assert customer.timeline.filter(kind="lead_converted").exists()
    assert OwnershipEvent.objects.filter(lead=lead, kind="convert", customer=customer).exists()
    # The new customer falls under the customer pool's deadlines.
    assert customer.tenure.pool.kind == "customer" and customer.tenure.due is not None


def test_only_owner_or_manager_converts(org, api, make_lead, lead_pool):
    lead = make_lead(lead_pool)
    services.claim(org.sales_a1, lead)
    assert api(org.sales_a2).post(f"/leads/{lead.pk}/convert", {}).status_code == 404  # not visible
    r = api(org.sales_a1).post(f"/leads/{lead.pk}/convert", {})
    assert r.status_code == 201
    again = api(org.sales_a1).post(f"/leads/{lead.pk}/convert", {})
    assert again.status_code == 409 and again.json()["code"] == "already_converted"


def test_salesperson_never_reaches_anothers_leads(org, api, web, make_lead, lead_pool):
    lead = make_lead(lead_pool, name="保密客户")
    services.claim(org.sales_a1, lead)
    other = org.sales_a2
    assert not scoped(other, Lead).filter(pk=lead.pk).exists()
    assert api(other).get(f"/leads/{lead.pk}/ownership").status_code == 404
    assert api(other).get(f"/leads/{lead.pk}/tenure").status_code == 404
    assert api(other).post(f"/leads/{lead.pk}/release", {"reason": "x"}).status_code == 404
    assert (
        api(other).post(f"/leads/{lead.pk}/transfer", {"to_user": other.pk, "reason": "x"}).status_code == 404
    )
    assert web(other).get(f"/pool/leads/{lead.pk}/").status_code == 404
    assert "保密客户" not in web(other).get("/pool/").content.decode()
    assert "保密客户" not in web(other).get("/pool/mine/").content.decode()
    # The manager of the department sees it (department scope) and may transfer it.
    assert api(org.manager_east).get(f"/leads/{lead.pk}/ownership").status_code == 200
    r = api(org.manager_east).post(f"/leads/{lead.pk}/transfer", {"to_user": other.pk, "reason": "cover"})
    assert r.status_code == 200


def test_customer_pool_scope(org, api, customer_pool):
    from kehu.core import clock

    now = clock.now()
    customer = Customer.objects.create(name="公海客户", created_at=now, updated_at=now)
    assert not scoped(org.sales_a1, Customer).filter(pk=customer.pk).exists()
    services.send_to_pool(customer, customer_pool)
    assert scoped(org.sales_a1, Customer).filter(pk=customer.pk).exists()
    assert api(org.sales_a1).post(f"/customers/{customer.pk}/claim").status_code == 200
    assert not scoped(org.sales_a2, Customer).filter(pk=customer.pk).exists()
    assert api(org.sales_a2).post(f"/customers/{customer.pk}/claim").status_code == 404


def test_people_who_do_not_work_pools_do_not_see_them(org, api, make_lead, lead_pool):
    from kehu.accounts.models import Role, User

    role = Role.objects.create(code="assistant", name="助理", scope="own", capabilities=[])
    assistant = User.objects.create_user("assistant", role=role, department=org.departments["east"])
    lead = make_lead(lead_pool)
    assert not scoped(assistant, Lead).filter(pk=lead.pk).exists()
    assert api(assistant).get("/pools").json() == []
    assert scoped(org.sales_a1, Lead).filter(pk=lead.pk).exists()


def test_a_batch_entering_a_pool_tells_each_lead_to_those_its_display_rules_show_it_to(
    org, make_lead, lead_pool
):
    """One batch, leads of two provinces and two grades: the audience kept per kind of lead
    must not leak one lead's audience to another."""
    from kehu.core.models import Region
    from kehu.pool.models import DisplayRule
    from kehu.pool.services.bulk import send_many_to_pool

    zhejiang, guangdong = Region.objects.get(code="330000"), Region.objects.get(code="440000")
    DisplayRule.objects.create(pool=lead_pool, team=org.teams["a"]).regions.add(zhejiang)
    DisplayRule.objects.create(pool=lead_pool, team=org.teams["b"], grades=["A"])
    leads = [
        make_lead(province=zhejiang, grade="A"),
        make_lead(province=guangdong, grade="A"),
        make_lead(province=guangdong, grade="B"),
        make_lead(province=zhejiang, grade="B"),
    ]
    send_many_to_pool([(lead, lead_pool, "test") for lead in leads])

    def told(user):
        return sorted(
            Notification.objects.filter(kind="pool_entered", recipient=user).values_list(
                "data__id", flat=True
            )
        )

    # Team A sees Zhejiang only; team B grade A only (grade C is not notified by default).
    assert told(org.sales_a1) == sorted([leads[0].pk, leads[3].pk])
    assert told(org.sales_b) == sorted([leads[0].pk, leads[1].pk])
