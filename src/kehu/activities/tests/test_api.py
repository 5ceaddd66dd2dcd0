import datetime as dt

from kehu.activities.models import Appointment, FollowUp, ServiceCase, Task
from kehu.customers.models import TimelineEntry

H = dt.timedelta(hours=1)


def test_follow_up_api_creates_task_and_lists(org, customers, api, now):
    client = api(org.sales_a1)
    response = client.post(
        "/follow-ups",
        {
            "kind": "wechat",
            "customer": customers.mine.pk,
            "content": "发了产品手册",
            "next_at": (now + 24 * H).isoformat(),
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "wechat" and body["customer"]["name"] == "杭州绿源茶业"
    assert Task.objects.get(pk=body["task"]).due_at == now + 24 * H
    listed = client.get("/follow-ups", customer=customers.mine.pk).json()
    assert listed["count"] == 1
    tasks = client.get("/tasks", view="upcoming").json()
    assert [t["id"] for t in tasks["items"]] == [body["task"]]
    done = client.post(f"/tasks/{body['task']}/complete").json()
    assert done["done_at"] is not None
    moved = client.post(f"/tasks/{body['task']}/reschedule", {"due_at": (now + 48 * H).isoformat()})
    assert moved.status_code == 200


def test_follow_up_api_field_errors(org, customers, api, now):
    client = api(org.sales_a1)
    response = client.post("/follow-ups", {"content": "x"})
    assert response.status_code == 422 and "customer" in response.json()["fields"]
    response = client.post("/follow-ups", {"customer": customers.mine.pk, "content": ""})
    assert response.status_code == 422 and "content" in response.json()["fields"]
    response = client.post("/follow-ups", {"customer": customers.theirs.pk, "content": "x"})
    assert response.status_code == 422 and "customer" in response.json()["fields"]
    assert not FollowUp.objects.exists()


def test_appointment_conflict_is_409_with_code_and_the_other_appointment(org, customers, api, now):
    client = api(org.sales_a1)
    first = client.post(
        "/appointments",
        {
            "title": "拜访",
            "start": (now + H).isoformat(),
            "end": (now + 2 * H).isoformat(),
            "customer": customers.mine.pk,
        },
    )
    assert first.status_code == 201, first.json()
    clash = client.post(
        "/appointments",
        {"title": "另一个", "start": (now + 1.5 * H).isoformat(), "end": (now + 3 * H).isoformat()},
    )
    assert clash.status_code == 409
    body = clash.json()
    assert body["code"] == "attendee_busy" and body["conflict"]["appointment"] == first.json()["id"]
    assert "拜访" in body["message"]
    adjacent = client.post(
        "/appointments",
        {"title": "下一个", "start": (now + 2 * H).isoformat(), "end": (now + 3 * H).isoformat()},
    )
    assert adjacent.status_code == 201
    moved = client.patch(f"/appointments/{first.json()['id']}", {"end": (now + 2.5 * H).isoformat()})
    assert moved.status_code == 409 and moved.json()["conflict"]["appointment"] == adjacent.json()["id"]
    assert client.post(f"/appointments/{first.json()['id']}/cancel").json()["status"] == "cancelled"
    assert Appointment.objects.filter(status="scheduled").count() == 1


def test_case_lifecycle_via_api(org, customers, api, now):
    client = api(org.sales_a1)
    case = client.post(
        "/service-cases", {"customer": customers.mine.pk, "subject": "茶叶受潮", "kind": "return"}
    )
    assert case.status_code == 201
    case_id = case.json()["id"]
    assert (
        client.patch(f"/service-cases/{case_id}", {"status": "in_progress"}).json()["status"] == "in_progress"
    )
    refused = client.patch(f"/service-cases/{case_id}", {"status": "resolved"})
    assert refused.status_code == 422 and "resolution" in refused.json()["fields"]
    resolved = client.patch(
        f"/service-cases/{case_id}", {"status": "resolved", "resolution": "已换货"}
    ).json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    closed = client.patch(f"/service-cases/{case_id}", {"status": "closed"}).json()
    assert closed["closed_at"]
    bad = client.patch(f"/service-cases/{case_id}", {"status": "open"})
    assert bad.status_code == 422
    assert ServiceCase.objects.get(pk=case_id).status == "closed"
    kinds = list(
        TimelineEntry.objects.filter(customer=customers.mine, kind="after_sales").values_list(
            "data", flat=True
        )
    )
    assert [k["status"] for k in kinds] == ["closed", "resolved", "in_progress", "open"]
    assert client.get("/service-cases", status="active").json()["count"] == 0


def test_consultation_via_api_is_on_the_timeline(org, customers, api, now):
    client = api(org.sales_a1)
    response = client.post(
        "/consultations",
        {
            "customer": customers.mine.pk,
            "channel": "wechat",
            "subject": "问价格",
            "question": "龙井多少钱一斤？",
        },
    )
    assert response.status_code == 201
    entry = TimelineEntry.objects.get(customer=customers.mine, kind="consultation")
    assert entry.title == "问价格" and entry.ref_id == response.json()["id"]
    timeline = client.get(f"/customers/{customers.mine.pk}/timeline", kind="consultation").json()
    assert timeline["count"] == 1


def test_exports_need_the_capability_and_are_scoped(org, customers, api, now):
    assert api(org.sales_a1).get("/follow-ups/export").status_code == 403
    from kehu.activities import services

    services.record_follow_up(org.sales_a1, {"customer": customers.mine.pk, "content": "甲方跟进"})
    services.record_follow_up(org.sales_south, {"customer": customers.south.pk, "content": "南方跟进"})
    response = api(org.manager_east).get("/follow-ups/export")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert "甲方跟进" in text and "南方跟进" not in text


def test_odd_offsets_and_far_years_are_field_errors_not_server_errors(org, api, now):
    client = api(org.sales_a1)
    odd = client.get("/appointments", end="3954-02-03T04:02:07+23:57")
    assert odd.status_code == 422 and "end" in odd.json()["fields"]
    assert client.get("/appointments", start="0029-06-20T08:24:05Z").status_code == 422
    ok = client.get("/appointments", start="2026-03-02T10:00:00+14:00")
    assert ok.status_code == 200
    booked = client.post(
        "/appointments",
        {"title": "x", "start": "2026-03-02T10:00:00+15:30", "end": "2026-03-02T11:00:00+15:30"},
    )
    assert booked.status_code == 201 and booked.json()["start"].startswith("2026-03-01T18:30:00")
