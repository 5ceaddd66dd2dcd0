import datetime as dt

import pytest
from django.utils import timezone

from kehu.activities import services
from kehu.activities.models import Appointment, Attendance
from kehu.core import clock
from kehu.core.errors import Conflict, ValidationFailed
from kehu.customers.models import TimelineEntry
from kehu.messaging.models import Notification

H = dt.timedelta(hours=1)


def book(user, start, end, **data):
    return services.book_appointment(
        user, {"title": data.pop("title", "拜访"), "start": start, "end": end, **data}
    )


def test_attendee_double_booking_is_refused_naming_the_other_appointment(org, customers, now):
    first = book(org.sales_a1, now + H, now + 2 * H, title="方案演示", customer=customers.mine.pk)
    with pytest.raises(Conflict) as exc:
        book(org.sales_a1, now + 1.5 * H, now + 3 * H, title="内部会议")
    error = exc.value
    assert error.code == "attendee_busy" and error.status == 409
    assert error.extra["conflict"]["appointment"] == first.pk
    assert error.extra["conflict"]["user"] == org.sales_a1.pk
    assert "方案演示" in str(error.message) and "sales_a1" in str(error.message)
    assert Appointment.objects.count() == 1


def test_any_attendee_being_busy_is_a_conflict(org, now):
    book(org.sales_a2, now + H, now + 2 * H)
    with pytest.raises(Conflict) as exc:
        book(org.sales_a1, now + H, now + 2 * H, attendees=[org.sales_a1.pk, org.sales_a2.pk])
    assert exc.value.extra["conflict"]["user"] == org.sales_a2.pk


def test_customer_double_booking_is_refused(org, customers, now):
    manager = org.manager_east
    first = book(org.sales_a1, now + H, now + 2 * H, customer=customers.mine.pk)
    with pytest.raises(Conflict) as exc:
        book(manager, now + 1.5 * H, now + 2.5 * H, customer=customers.mine.pk)
    assert exc.value.code == "customer_busy"
    assert exc.value.extra["conflict"] == {
        "appointment": first.pk,
        "title": "拜访",
        "start": timezone.localtime(first.start).isoformat(),
        "end": timezone.localtime(first.end).isoformat(),
        "user": None,
        "customer": customers.mine.pk,
    }
    assert customers.mine.name in str(exc.value.message)


@pytest.mark.parametrize("offset", [-1, 1])
def test_adjacent_slots_are_allowed(org, customers, now, offset):
    book(org.sales_a1, now + 2 * H, now + 3 * H, customer=customers.mine.pk)
    start = now + (1 if offset < 0 else 3) * H
    book(org.sales_a1, start, start + H, customer=customers.mine.pk)
    assert Appointment.objects.count() == 2


def test_containing_and_contained_slots_conflict(org, now):
    book(org.sales_a1, now + 2 * H, now + 3 * H)
    for start, end in ((now + H, now + 4 * H), (now + 2.25 * H, now + 2.5 * H), (now + 2 * H, now + 3 * H)):
        with pytest.raises(Conflict):
            book(org.sales_a1, start, end)


def test_long_appointment_found_through_the_bounded_window(org, now):
    book(org.sales_a1, now, now + dt.timedelta(days=6))  # a trade fair
    with pytest.raises(Conflict):
        book(org.sales_a1, now + dt.timedelta(days=5), now + dt.timedelta(days=5, hours=1))
    with pytest.raises(ValidationFailed) as exc:
        book(org.sales_a2, now, now + dt.timedelta(days=8))
    assert "end" in exc.value.fields


def test_cancelled_appointment_frees_the_slot(org, customers, now):
    first = book(org.sales_a1, now + H, now + 2 * H, customer=customers.mine.pk)
    services.cancel_appointment(org.sales_a1, first)
    assert not Attendance.objects.filter(active=True).exists()
    book(org.sales_a1, now + H, now + 2 * H, customer=customers.mine.pk)


def test_moving_an_appointment_checks_again_but_not_against_itself(org, now):
    first = book(org.sales_a1, now + H, now + 2 * H)
    second = book(org.sales_a1, now + 3 * H, now + 4 * H)
    moved = services.update_appointment(org.sales_a1, first, {"start": now + 1.5 * H, "end": now + 2.5 * H})
    assert moved.sequence == 1 and Attendance.objects.get(appointment=first).start == now + 1.5 * H
    with pytest.raises(Conflict) as exc:
        services.update_appointment(org.sales_a1, first, {"end": now + 3.5 * H})
    assert exc.value.extra["conflict"]["appointment"] == second.pk


def test_inactive_people_and_hidden_customers_cannot_be_booked(org, customers, now):
    org.sales_b.is_active = False
    org.sales_b.save()
    with pytest.raises(ValidationFailed) as exc:
        book(org.sales_a1, now + H, now + 2 * H, attendees=[org.sales_b.pk], customer=customers.south.pk)
    assert set(exc.value.fields) == {"attendees", "customer"}


def test_conflict_with_an_appointment_the_organiser_cannot_see_hides_its_title(org, now):
    book(org.sales_south, now + H, now + 2 * H, title="机密谈判")
    with pytest.raises(Conflict) as exc:
        book(org.sales_a1, now + H, now + 2 * H, attendees=[org.sales_a1.pk, org.sales_south.pk])
    assert "机密谈判" not in str(exc.value.message)
    assert exc.value.extra["conflict"]["appointment"] is None


@pytest.mark.parametrize(
    "start, end, field",
    [
        ("2026-03-02T10:00", "2026-03-02T10:00", "end"),
        ("2026-03-02T10:00", "2026-03-02T09:00", "end"),
        ("", "2026-03-02T09:00", "start"),
        ("tomorrow", "2026-03-02T09:00", "start"),
    ],
)
def test_bad_times_are_field_errors(org, now, start, end, field):
    with pytest.raises(ValidationFailed) as exc:
        book(org.sales_a1, start, end)
    assert field in exc.value.fields


def test_reminder_goes_to_every_attendee_before_the_start(org, now):
    appointment = book(
        org.sales_a1,
        now + 2 * H,
        now + 3 * H,
        attendees=[org.sales_a1.pk, org.sales_a2.pk],
        remind_minutes=30,
    )
    assert Notification.objects.filter(kind="appointment_invited", recipient=org.sales_a2).count() == 1
    with clock.frozen(now + 1.4 * H):
        assert services.send_due_reminders() == 0
    with clock.frozen(now + 1.5 * H):
        assert services.send_due_reminders() == 2
        assert services.send_due_reminders() == 0
    recipients = set(Notification.objects.filter(kind="appointment_soon").values_list("recipient", flat=True))
    assert recipients == {org.sales_a1.pk, org.sales_a2.pk}
    # Moved to later: a new reminder is due before the new start.
    services.update_appointment(org.sales_a1, appointment, {"start": now + 5 * H, "end": now + 6 * H})
    with clock.frozen(now + 4.5 * H):
        assert services.send_due_reminders() == 2


def test_no_reminder_for_cancelled_or_finished_appointments(org, now):
    cancelled = book(org.sales_a1, now + 2 * H, now + 3 * H)
    services.cancel_appointment(org.sales_a1, cancelled)
    book(org.sales_a2, now + 2 * H, now + 3 * H)
    with clock.frozen(now + 10 * H):  # the worker was down until after the meeting
        assert services.send_due_reminders() == 0


def test_attendees_hear_of_moves_and_cancellations(org, customers, now):
    appointment = book(
        org.sales_a1,
        now + H,
        now + 2 * H,
        title="方案评审",
        attendees=[org.sales_a1.pk, org.sales_a2.pk],
        customer=customers.mine.pk,
    )
    services.update_appointment(org.sales_a1, appointment, {"start": now + 3 * H, "end": now + 4 * H})
    services.update_appointment(org.sales_a1, appointment, {"place": "会议室 B"})  # not moved: no notice
    services.cancel_appointment(org.sales_a1, appointment)
    kinds = list(
        Notification.objects.filter(recipient=org.sales_a2).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["appointment_invited", "appointment_changed", "appointment_cancelled"]
    assert not Notification.objects.filter(recipient=org.sales_a1).exists()  # the one who acted
    events = [
        e["event"]
        for e in TimelineEntry.objects.filter(customer=customers.mine, kind="appointment")
        .order_by("id")
        .values_list("data", flat=True)
    ]
    assert events == ["booked", "moved", "cancelled"]
