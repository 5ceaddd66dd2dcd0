import datetime as dt

from kehu.activities import services
from kehu.activities.models import Appointment, Consultation, FollowUp, ServiceCase, Task
from kehu.customers.models import Customer

H = dt.timedelta(hours=1)


def test_customer_page_shows_quick_add_forms_and_open_items(org, web, customers, now):
    services.book_appointment(
        org.sales_a1,
        {"title": "季度回访", "start": now + H, "end": now + 2 * H, "customer": customers.mine.pk},
    )
    services.open_case(org.sales_a1, {"customer": customers.mine.pk, "subject": "包装破损"})
    page = web(org.sales_a1).get(f"/customers/{customers.mine.pk}/").content.decode()
    assert 'id="qa-follow-up"' in page and 'id="qa-consultation"' in page and 'id="qa-case"' in page
    assert "季度回访" in page and "包装破损" in page
    assert "王经理" in page  # the contact choice in the quick-add forms


def test_quick_add_follow_up_from_the_customer_page(org, web, customers, now):
    client = web(org.sales_a1)
    url = f"/activities/follow-ups/new/?customer={customers.mine.pk}"
    response = client.post(
        url,
        {
            "kind": "call",
            "content": "电话沟通需求",
            "outcome": "约了下周拜访",
            "next_at": "2026-03-09T10:00",
            "next": f"/customers/{customers.mine.pk}/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/{customers.mine.pk}/"
    follow_up = FollowUp.objects.get()
    assert follow_up.outcome == "约了下周拜访" and Task.objects.get().follow_up == follow_up
    assert Customer.objects.get(pk=customers.mine.pk).last_contact_at == now
    # the timeline filter shows it under its kind
    services.record_follow_up(org.sales_a1, {"customer": customers.mine.pk, "content": "第二次跟进"})
    services.record_consultation(org.sales_a1, {"customer": customers.mine.pk, "subject": "问交期"})
    page = client.get(f"/customers/{customers.mine.pk}/?kind=follow_up").content.decode()
    assert "电话沟通需求" in page and "第二次跟进" in page and "问交期" not in page
    assert page.count('href="?kind=follow_up"') == 1 and page.count('href="?kind=consultation"') == 1


def test_bad_follow_up_form_keeps_input_and_shows_errors(org, web, customers, now):
    response = web(org.sales_a1).post(
        f"/activities/follow-ups/new/?customer={customers.mine.pk}",
        {"kind": "call", "content": "", "outcome": "保留我"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "保留我" in page and "has-error" in page
    assert not FollowUp.objects.exists()


def test_next_parameter_cannot_redirect_elsewhere(org, web, customers, now):
    response = web(org.sales_a1).post(
        f"/activities/consultations/new/?customer={customers.mine.pk}",
        {"channel": "phone", "subject": "问发票", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/{customers.mine.pk}/"
    assert Consultation.objects.get().subject == "问发票"


def test_appointment_form_shows_the_conflict(org, web, customers, now):
    services.book_appointment(org.sales_a1, {"title": "已有的会", "start": now + H, "end": now + 2 * H})
    response = web(org.sales_a1).post(
        "/activities/appointments/new/",
        {"title": "新会", "start": "2026-03-02T10:30", "end": "2026-03-02T11:30", "remind_minutes": 30},
    )
    assert response.status_code == 409
    assert "已有的会" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_task_pages_and_actions(org, web, now):
    task = services.create_task(org.sales_a1, {"title": "寄样品", "due_at": now - H})
    client = web(org.sales_a1)
    page = client.get("/activities/").content.decode()
    assert "寄样品" in page  # overdue shown first
    assert client.post(f"/activities/tasks/{task.pk}/complete/").status_code == 302
    assert Task.objects.get(pk=task.pk).done_at == now
    response = client.post(f"/activities/tasks/{task.pk}/reschedule/", {"due_at": "2026-03-05T09:00"})
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).due_at.day == 5
    empty = web(org.sales_a2).get("/activities/?view=today").content.decode()
    assert "Nothing more due today." in empty or "今天" in empty


def test_case_page_changes_status(org, web, customers, now):
    case = services.open_case(org.service, {"customer": customers.mine.pk, "subject": "漏水"})
    client = web(org.sales_a1)
    page = client.get(f"/activities/cases/{case.pk}/").content.decode()
    assert f'<option value="{org.service.pk}" selected>' in page  # handled by someone outside my scope
    response = client.post(f"/activities/cases/{case.pk}/", {"status": "resolved", "resolution": ""})
    assert response.status_code == 200 and ServiceCase.objects.get(pk=case.pk).status == "open"
    response = client.post(
        f"/activities/cases/{case.pk}/",
        {"status": "resolved", "resolution": "上门维修", "assignee": str(org.service.pk)},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved" and case.assignee == org.service


def test_lists_render_empty_and_full(org, web, customers, now):
    client = web(org.sales_a1)
    for url in ("/activities/follow-ups/", "/activities/appointments/", "/activities/cases/", "/activities/"):
        assert client.get(url).status_code == 200
    services.record_follow_up(org.sales_a1, {"customer": customers.mine.pk, "content": "拜访记录"})
    assert "拜访记录" in client.get("/activities/follow-ups/").content.decode()


def test_lead_panel_lists_follow_ups_and_posts_back(org, lead, other_lead, now, rf):
    from kehu.activities.views import lead_panel

    services.record_follow_up(org.sales_a1, {"lead": lead.pk, "content": "电话介绍产品", "next_at": now + H})
    request = rf.get(f"/leads/{lead.pk}/")
    request.user = org.sales_a1
    html = lead_panel(request, lead)
    assert "电话介绍产品" in html and f"?lead={lead.pk}" in html
    assert "跟进：" in html or "Follow up:" in html  # the planned task


def test_follow_up_on_a_lead_from_the_ui(org, web, lead, other_lead, now):
    client = web(org.sales_a1)
    response = client.post(
        f"/activities/follow-ups/new/?lead={lead.pk}",
        {"kind": "call", "content": "首次电话", "next": "/leads/"},
    )
    assert response.status_code == 302 and response["Location"] == "/leads/"
    assert FollowUp.objects.get().lead == lead
    assert client.get(f"/activities/follow-ups/new/?lead={other_lead.pk}").status_code == 404
