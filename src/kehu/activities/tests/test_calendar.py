import datetime as dt

from django.test import Client
from django.urls import reverse

from kehu.activities import ical, services

H = dt.timedelta(hours=1)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_feed_lists_my_appointments_as_valid_vevents(org, customers, now, api):
    mine = services.book_appointment(
        org.sales_a1,
        {
            "title": "演示; 报价, 签约",
            "start": now + H,
            "end": now + 2 * H,
            "place": "杭州市西湖区文三路 1 号",
            "notes": "带样品\n带合同",
            "customer": customers.mine.pk,
        },
    )
    services.book_appointment(org.sales_a2, {"title": "别人的会", "start": now + H, "end": now + 2 * H})
    url = api(org.sales_a1).get("/calendar-feed").json()["url"]
    response = Client().get(url)  # no sign-in: the token is the key
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    lines = unfold(body)
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert f"UID:appointment-{mine.pk}@kehu" in lines
    assert "DTSTART:20260302T020000Z" in lines and "DTEND:20260302T030000Z" in lines
    assert "SUMMARY:演示\\; 报价\\, 签约" in lines
    assert "LOCATION:杭州市西湖区文三路 1 号" in lines
    assert any(line.startswith("DESCRIPTION:杭州绿源茶业\\n") and "带样品\\n带合同" in line for line in lines)
    assert "STATUS:CONFIRMED" in lines and any(line.startswith("DTSTAMP:") for line in lines)
    assert "别人的会" not in body


def test_cancelled_appointments_stay_in_the_feed_as_cancelled(org, now):
    appointment = services.book_appointment(
        org.sales_a1, {"title": "x", "start": now + H, "end": now + 2 * H}
    )
    services.cancel_appointment(org.sales_a1, appointment)
    lines = unfold(services.ics_for(org.sales_a1))
    assert "STATUS:CANCELLED" in lines and "SEQUENCE:1" in lines


def test_attendee_sees_the_appointment_in_their_feed(org, now):
    services.book_appointment(
        org.manager_east,
        {"title": "联合拜访", "start": now + H, "end": now + 2 * H, "attendees": [org.sales_a2.pk]},
    )
    assert "SUMMARY:联合拜访" in unfold(services.ics_for(org.sales_a2))
    assert "SUMMARY:联合拜访" in unfold(services.ics_for(org.manager_east))  # the organiser too


def test_wrong_or_reset_token_is_refused(org, now):
    feed = services.calendar_feed(org.sales_a1)
    old = reverse("activities:calendar_ics", args=[feed.token])
    assert Client().get(old).status_code == 200
    assert Client().get(reverse("activities:calendar_ics", args=["x" * 43])).status_code == 404
    services.calendar_feed(org.sales_a1, reset=True)
    assert Client().get(old).status_code == 404
    org.sales_a1.is_active = False
    org.sales_a1.save()
    new = reverse("activities:calendar_ics", args=[services.calendar_feed(org.sales_a1).token])
    assert Client().get(new).status_code == 404


def test_folding_never_splits_a_character():
    line = "SUMMARY:" + "客户拜访" * 40
    folded = ical.fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in parts[:1]) and all(len(p.encode()) <= 74 for p in parts[1:])
    assert "".join(parts) == line
