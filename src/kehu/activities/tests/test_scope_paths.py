"""A salesperson cannot reach a colleague's activities by any path: API, UI, export, customer page."""

import datetime as dt

import pytest

from kehu.activities import services
from kehu.activities.models import Appointment, FollowUp, ServiceCase, Task

H = dt.timedelta(hours=1)


@pytest.fixture
def theirs(org, customers, other_lead, now):
    """sales_a2's follow-up, task, appointment, consultation and case on sales_a2's records."""
    a2 = org.sales_a2

    class Theirs:
        follow_up = services.record_follow_up(
            a2, {"customer": customers.theirs.pk, "content": "同事的跟进", "next_at": now + 2 * H}
        )
        lead_follow_up = services.record_follow_up(a2, {"lead": other_lead.pk, "content": "同事的线索跟进"})
        task = Task.objects.get(follow_up=follow_up)
        appointment = services.book_appointment(
            a2, {"title": "同事的预约", "start": now + H, "end": now + 2 * H, "customer": customers.theirs.pk}
        )
        consultation = services.record_consultation(
            a2, {"customer": customers.theirs.pk, "subject": "同事的咨询"}
        )
        case = services.open_case(a2, {"customer": customers.theirs.pk, "subject": "同事的售后"})

    return Theirs


def test_api_lists_and_details_hide_colleagues_activities(org, api, theirs):
    client = api(org.sales_a1)
    for path in ("/follow-ups", "/tasks", "/appointments", "/consultations", "/service-cases"):
        assert client.get(path).json()["count"] == 0, path
    assert client.get("/tasks", owner=org.sales_a2.pk).status_code == 404
    assert client.get("/appointments", customer=theirs.appointment.customer_id).json()["count"] == 0
    for path in (
        f"/follow-ups/{theirs.follow_up.pk}",
        f"/follow-ups/{theirs.lead_follow_up.pk}",
        f"/tasks/{theirs.task.pk}",
        f"/appointments/{theirs.appointment.pk}",
        f"/consultations/{theirs.consultation.pk}",
        f"/service-cases/{theirs.case.pk}",
    ):
        assert client.get(path).status_code == 404, path


def test_api_writes_cannot_touch_colleagues_activities(org, api, theirs, now):
    client = api(org.sales_a1)
    assert client.post(f"/tasks/{theirs.task.pk}/complete").status_code == 404
    assert client.post(f"/tasks/{theirs.task.pk}/reschedule", {"due_at": now.isoformat()}).status_code == 404
    assert client.patch(f"/appointments/{theirs.appointment.pk}", {"title": "x"}).status_code == 404
    assert client.post(f"/appointments/{theirs.appointment.pk}/cancel").status_code == 404
    assert client.patch(f"/service-cases/{theirs.case.pk}", {"status": "closed"}).status_code == 404
    assert (
        client.post("/follow-ups", {"customer": theirs.case.customer_id, "content": "x"}).status_code == 422
    )
    assert (
        client.post("/service-cases", {"customer": theirs.case.customer_id, "subject": "x"}).status_code
        == 422
    )
    assert (
        client.post("/consultations", {"customer": theirs.case.customer_id, "subject": "x"}).status_code
        == 422
    )
    assert Task.objects.get(pk=theirs.task.pk).done_at is None
    assert Appointment.objects.get(pk=theirs.appointment.pk).status == "scheduled"
    assert ServiceCase.objects.get(pk=theirs.case.pk).status == "open"


def test_ui_pages_hide_colleagues_activities(org, web, theirs):
    client = web(org.sales_a1)
    for name in (
        "/activities/",
        "/activities/follow-ups/",
        "/activities/appointments/?all=1",
        "/activities/cases/?status=all",
    ):
        page = client.get(name).content.decode()
        assert "同事的" not in page, name
    for url in (
        f"/activities/appointments/{theirs.appointment.pk}/",
        f"/activities/appointments/{theirs.appointment.pk}/edit/",
        f"/activities/cases/{theirs.case.pk}/",
        f"/activities/tasks/{theirs.task.pk}/reschedule/",
        f"/activities/follow-ups/new/?customer={theirs.case.customer_id}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/activities/tasks/{theirs.task.pk}/complete/").status_code == 404
    assert client.post(f"/activities/appointments/{theirs.appointment.pk}/cancel/").status_code == 404
    assert client.get(f"/customers/{theirs.case.customer_id}/").status_code == 404


def test_ui_export_is_scoped(org, web, theirs, customers):
    services.record_follow_up(org.sales_south, {"customer": customers.south.pk, "content": "南方跟进"})
    response = web(org.manager_east).get("/activities/follow-ups/export/?format=csv")
    text = b"".join(response.streaming_content).decode()
    assert "同事的跟进" in text and "南方跟进" not in text  # the manager sees the east only


def test_manager_sees_the_teams_activities_and_the_author_keeps_seeing_their_own(org, api, theirs, customers):
    manager = api(org.manager_east)
    assert manager.get(f"/follow-ups/{theirs.follow_up.pk}").status_code == 200
    assert manager.get("/service-cases").json()["count"] == 1
    assert api(org.sales_south).get("/follow-ups").json()["count"] == 0
    # A follow-up written by sales_a1 on a colleague's customer (e.g. as collaborator who left):
    follow_up = FollowUp.objects.create(
        kind="call",
        customer=customers.theirs,
        content="我写的",
        author=org.sales_a1,
        at=theirs.follow_up.at,
        created_at=theirs.follow_up.at,
    )
    assert api(org.sales_a1).get(f"/follow-ups/{follow_up.pk}").status_code == 200


def test_attendee_sees_an_appointment_on_a_customer_they_cannot_see(org, api, customers, now):
    appointment = services.book_appointment(
        org.sales_a2,
        {
            "title": "联合拜访",
            "start": now + H,
            "end": now + 2 * H,
            "customer": customers.theirs.pk,
            "attendees": [org.sales_a2.pk, org.sales_a1.pk],
        },
    )
    assert api(org.sales_a1).get(f"/appointments/{appointment.pk}").status_code == 200
