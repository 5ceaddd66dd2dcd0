import datetime as dt

import pytest
from django.utils import translation

from kehu.activities import services
from kehu.activities.models import FollowUp, Task
from kehu.activities.signals import follow_up_recorded
from kehu.core import clock
from kehu.core.errors import ValidationFailed
from kehu.customers import timeline
from kehu.customers.models import Customer, TimelineEntry
from kehu.leads.models import Lead
from kehu.messaging.models import Notification


@pytest.fixture
def received():
    events = []

    def listener(sender, **kwargs):
        events.append(kwargs)

    follow_up_recorded.connect(listener)
    yield events
    follow_up_recorded.disconnect(listener)


def test_follow_up_on_customer_sends_signal_writes_timeline_and_makes_a_task(org, customers, now, received):
    contact = customers.mine.contacts.get()
    next_at = now + dt.timedelta(days=2)
    follow_up = services.record_follow_up(
        org.sales_a1,
        {
            "kind": "visit",
            "customer": customers.mine.pk,
            "contact": contact.pk,
            "content": "上门演示了新品，客户很感兴趣",
            "outcome": "要报价",
            "next_at": next_at,
        },
    )
    assert follow_up.contact == contact and follow_up.author == org.sales_a1 and follow_up.at == now
    # signal
    assert len(received) == 1
    assert received[0]["follow_up"] == follow_up
    assert received[0]["customer_id"] == customers.mine.pk and received[0]["lead_id"] is None
    assert received[0]["at"] == now and received[0]["actor"] == org.sales_a1
    # last contact
    assert Customer.objects.get(pk=customers.mine.pk).last_contact_at == now
    # timeline, described in the reader's language from data
    entry = TimelineEntry.objects.get(customer=customers.mine, kind="follow_up")
    assert entry.ref_type == "follow_up" and entry.ref_id == follow_up.pk
    assert entry.body == "上门演示了新品，客户很感兴趣"
    with translation.override("en"):
        assert timeline.describe(entry) == "visit — 要报价"
    with translation.override("zh-hans"):
        assert timeline.describe(entry) == "拜访 — 要报价"
    # task with a reminder 15 minutes before
    task = Task.objects.get(follow_up=follow_up)
    assert task.owner == org.sales_a1 and task.customer == customers.mine
    assert task.due_at == next_at and task.remind_at == next_at - dt.timedelta(minutes=15)
    assert customers.mine.name in task.title


def test_follow_up_on_lead_updates_last_follow_up(org, lead, now, received):
    services.record_follow_up(org.sales_a1, {"kind": "call", "lead": lead.pk, "content": "电话无人接听"})
    assert Lead.objects.get(pk=lead.pk).last_follow_up_at == now
    assert received[0]["lead_id"] == lead.pk and received[0]["customer_id"] is None
    assert not TimelineEntry.objects.filter(kind="follow_up").exists()  # no customer yet
    assert not Task.objects.exists()


def test_older_follow_up_does_not_move_last_contact_back(org, customers, now):
    services.record_follow_up(org.sales_a1, {"customer": customers.mine.pk, "content": "a"})
    services.record_follow_up(
        org.sales_a1, {"customer": customers.mine.pk, "content": "b", "at": now - dt.timedelta(days=3)}
    )
    assert Customer.objects.get(pk=customers.mine.pk).last_contact_at == now


@pytest.mark.parametrize(
    "data, field",
    [
        ({"content": "x"}, "customer"),
        ({"customer": "mine", "content": ""}, "content"),
        ({"customer": "mine", "content": "x", "kind": "fax"}, "kind"),
        ({"customer": "theirs", "content": "x"}, "customer"),
        ({"customer": "mine", "content": "x", "next_at": "2026-03-01T08:00"}, "next_at"),
        ({"customer": "mine", "content": "x", "at": "2026-03-09T08:00"}, "at"),
        ({"customer": "mine", "content": "x", "next_at": "not a date"}, "next_at"),
        ({"customer": "mine", "content": "x", "contact": 999999}, "contact"),
    ],
)
def test_bad_follow_ups_are_refused_with_field_errors(org, customers, now, received, data, field):
    data = dict(data)
    if data.get("customer") in ("mine", "theirs"):
        data["customer"] = getattr(customers, data["customer"]).pk
    with pytest.raises(ValidationFailed) as exc:
        services.record_follow_up(org.sales_a1, data)
    assert field in exc.value.fields
    assert not FollowUp.objects.exists() and not received


def test_follow_up_on_hidden_lead_is_refused(org, other_lead, now):
    with pytest.raises(ValidationFailed) as exc:
        services.record_follow_up(org.sales_a1, {"lead": other_lead.pk, "content": "x"})
    assert "lead" in exc.value.fields


def test_my_tasks_today_overdue_upcoming(org, now):
    def task(title, due):
        return services.create_task(org.sales_a1, {"title": title, "due_at": due})

    overdue = task("overdue", now - dt.timedelta(hours=1))
    today = task("today", now + dt.timedelta(hours=5))
    upcoming = task("upcoming", now + dt.timedelta(days=1))
    services.create_task(org.sales_a2, {"title": "someone else's", "due_at": now + dt.timedelta(hours=1)})
    assert list(services.tasks_for(org.sales_a1, "overdue")) == [overdue]
    assert list(services.tasks_for(org.sales_a1, "today")) == [today]
    assert list(services.tasks_for(org.sales_a1, "upcoming")) == [upcoming]
    services.complete_task(org.sales_a1, today)
    assert list(services.tasks_for(org.sales_a1, "today")) == []
    assert list(services.tasks_for(org.sales_a1, "done")) == [today]
    services.reschedule_task(org.sales_a1, overdue, {"due_at": now + dt.timedelta(days=3)})
    assert set(services.tasks_for(org.sales_a1, "upcoming")) == {overdue, upcoming}


def test_task_reminder_is_sent_once_when_due_with_frozen_clock(org, now):
    task = services.create_task(
        org.sales_a1, {"title": "回电话", "due_at": now + dt.timedelta(hours=1), "remind_minutes": 10}
    )
    assert services.send_due_reminders() == 0
    with clock.frozen(now + dt.timedelta(minutes=49)):
        assert services.send_due_reminders() == 0
    with clock.frozen(now + dt.timedelta(minutes=50)):
        assert services.send_due_reminders() == 1
        assert services.send_due_reminders() == 0
    note = Notification.objects.get(recipient=org.sales_a1)
    assert note.kind == "task_due" and note.data["title"] == "回电话"
    assert note.data["due"] == "2026-03-02 10:00"
    task.refresh_from_db()
    assert task.reminded_at == now + dt.timedelta(minutes=50)
    # Moving the task arms a new reminder.
    services.reschedule_task(org.sales_a1, task, {"due_at": now + dt.timedelta(days=1), "remind_minutes": 0})
    with clock.frozen(now + dt.timedelta(days=1)):
        assert services.send_due_reminders() == 1
    assert Notification.objects.filter(recipient=org.sales_a1).count() == 2


def test_done_task_is_not_reminded(org, now):
    task = services.create_task(org.sales_a1, {"title": "x", "due_at": now + dt.timedelta(minutes=5)})
    services.complete_task(org.sales_a1, task)
    with clock.frozen(now + dt.timedelta(hours=1)):
        assert services.send_due_reminders() == 0


def test_periodic_task_uses_the_clock(org, now):
    from kehu.activities.tasks import send_reminders

    services.create_task(org.sales_a1, {"title": "x", "due_at": now + dt.timedelta(minutes=5)})
    with clock.frozen(now + dt.timedelta(minutes=5)):
        send_reminders.call_local()
    assert Notification.objects.filter(kind="task_due").count() == 1
