"""Activity rules: every path (UI, API, tasks, demo) records follow-ups, tasks, appointments,
consultations and after-sales cases through these functions."""

import datetime as dt

from django.db import transaction
from django.db.models import BigIntegerField, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts import scope
from kehu.accounts.models import User
from kehu.core import audit, clock
from kehu.core.errors import Conflict, NotFound, ValidationFailed
from kehu.customers import services as customer_services
from kehu.customers import timeline
from kehu.customers.models import Contact, Customer
from kehu.leads import services as lead_services
from kehu.leads.models import Lead
from kehu.messaging import services as messaging

from . import kinds
from .models import Appointment, Attendance, CalendarFeed, Consultation, FollowUp, ServiceCase, Task
from .signals import follow_up_recorded

# Appointments longer than this are refused: it bounds the window the conflict check scans.
MAX_APPOINTMENT = dt.timedelta(days=7)
DEFAULT_TASK_REMINDER = dt.timedelta(minutes=15)
MAX_TEXT = 10_000
REMINDER_BATCH = 500


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _required_text(data: dict, field: str, errors: dict, limit: int) -> str:
    value = (data.get(field) or "").strip()
    if not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > limit:
        errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    return value


def _optional_text(data: dict, field: str, errors: dict, limit: int) -> str:
    value = (data.get(field) or "").strip()
    if len(value) > limit:
        errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    return value


def _choice(data: dict, field: str, choices, default, errors: dict) -> str:
    value = data.get(field) or default
    if value not in choices.values:
        errors[field] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}]
    return value


def _datetime(data: dict, field: str, errors: dict, *, required: bool = False) -> dt.datetime | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors[field] = [_("This field is required.")]
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            errors[field] = [_("Enter a date and time.")]
            return None
    if not isinstance(value, dt.datetime):
        errors[field] = [_("Enter a date and time.")]
        return None
    try:
        value = timezone.make_aware(value) if timezone.is_naive(value) else value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        errors[field] = [_("Enter a date between 2000 and 2200.")]
        return None
    if not 2000 <= value.year <= 2200:
        errors[field] = [_("Enter a date between 2000 and 2200.")]
        return None
    return value


def _visible_customer(actor, customer_id, errors: dict, field: str = "customer") -> Customer | None:
    if customer_id in (None, ""):
        return None
    try:
        return scope.get_scoped(actor, Customer, pk=_as_id(customer_id) or 0)
    except NotFound:
        errors[field] = [_("No such customer, or not visible to you.")]
        return None


def _visible_lead(actor, lead_id, errors: dict) -> Lead | None:
    if lead_id in (None, ""):
        return None
    try:
        return scope.get_scoped(actor, Lead, pk=_as_id(lead_id) or 0)
    except NotFound:
        errors["lead"] = [_("No such lead, or not visible to you.")]
        return None


def _contact_of(customer: Customer | None, contact_id, errors: dict) -> Contact | None:
    if contact_id in (None, ""):
        return None
    contact_id = _as_id(contact_id)
    contact = (
        Contact.objects.filter(pk=contact_id, customer=customer).first() if customer and contact_id else None
    )
    if contact is None:
        errors["contact"] = [_("Choose a contact of this customer.")]
    return contact


def _as_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit() and len(value) < 18):
        value = int(value)
        return value if 0 < value < 2**63 else None
    return None


def _active_user(user_id, errors: dict, field: str) -> User | None:
    user_id = _as_id(user_id)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        errors[field] = [_("Choose an active colleague.")]
    return user


def _active_visible_user(actor, user_id, errors: dict, field: str) -> User | None:
    user_id = _as_id(user_id)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not scope.can_see_user(actor, user.pk):
        errors[field] = [_("Choose an active colleague you can see.")]
        return None
    return user


# --- Follow-ups ----------------------------------------------------------------------------


@transaction.atomic
def record_follow_up(actor, data: dict) -> FollowUp:
    """Save a follow-up; the next follow-up time becomes a task with a reminder.

    Updates the customer's last contact (or the lead's last follow-up), writes the customer
    timeline and sends ``follow_up_recorded`` for the pool's deadlines.
    """
    errors: dict = {}
    now = clock.now()
    kind = _choice(data, "kind", FollowUp.Kind, FollowUp.Kind.CALL, errors)
    content = _required_text(data, "content", errors, MAX_TEXT)
    outcome = _optional_text(data, "outcome", errors, 200)
    customer = _visible_customer(actor, data.get("customer"), errors)
    lead = _visible_lead(actor, data.get("lead"), errors)
    if not errors and customer is None and lead is None:
        errors["customer"] = [_("Choose a customer or a lead.")]
    if customer is None and lead is not None and lead.customer_id:
        customer = Customer.objects.filter(pk=lead.customer_id).first()  # a converted lead's customer
    contact = _contact_of(customer, data.get("contact"), errors)
    at = _datetime(data, "at", errors) or now
    if at > now + dt.timedelta(minutes=5):
        errors["at"] = [_("A follow-up cannot happen in the future; plan it as the next follow-up.")]
    next_at = _datetime(data, "next_at", errors)
    if next_at is not None and next_at <= at:
        errors["next_at"] = [_("The next follow-up must be after this one.")]
    if errors:
        raise ValidationFailed(fields=errors)

    follow_up = FollowUp.objects.create(
        kind=kind,
        customer=customer,
        lead=lead,
        contact=contact,
        content=content,
        outcome=outcome,
        next_at=next_at,
        author=actor,
        at=at,
        created_at=now,
    )
    if customer is not None:
        customer_services.touch_contact(customer.pk, at)
        timeline.record(
            customer,
            kinds.FOLLOW_UP,
            actor=actor,
            body=content,
            data={"kind": kind, "outcome": outcome},
            at=at,
            ref_type="follow_up",
            ref_id=follow_up.pk,
        )
    if lead is not None:
        lead_services.touch_follow_up(lead.pk, at)
    if next_at is not None:
        subject = customer or lead
        Task.objects.create(
            title=(_("Follow up: %(subject)s") % {"subject": subject})[:200],
            notes=outcome,
            owner=actor,
            due_at=next_at,
            remind_at=next_at - DEFAULT_TASK_REMINDER,
            customer=customer,
            lead=lead,
            follow_up=follow_up,
            created_by=actor,
            created_at=now,
        )
    audit.record(actor, follow_up, "create", audit.diff({}, audit.snapshot(follow_up)))
    follow_up_recorded.send(
        sender=FollowUp,
        follow_up=follow_up,
        lead_id=lead.pk if lead else None,
        customer_id=customer.pk if customer else None,
        at=at,
        actor=actor,
    )
    return follow_up


# --- Tasks ---------------------------------------------------------------------------------

TASK_VIEWS = ("today", "overdue", "upcoming", "done", "open")


def _reminder(data: dict, due_at: dt.datetime | None, errors: dict) -> dt.datetime | None:
    minutes = data.get("remind_minutes", DEFAULT_TASK_REMINDER.total_seconds() // 60)
    if minutes is None or minutes == "":
        return None
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= 60 * 24 * 30:
        errors["remind_minutes"] = [_("Enter minutes between 0 and 43200.")]
        return None
    return due_at - dt.timedelta(minutes=minutes) if due_at else None


@transaction.atomic
def create_task(actor, data: dict) -> Task:
    errors: dict = {}
    title = _required_text(data, "title", errors, 200)
    notes = _optional_text(data, "notes", errors, MAX_TEXT)
    due_at = _datetime(data, "due_at", errors, required=True)
    owner = actor
    if data.get("owner") not in (None, "") and _as_id(data.get("owner")) != actor.pk:
        owner = _active_visible_user(actor, data.get("owner"), errors, "owner")
    customer = _visible_customer(actor, data.get("customer"), errors)
    lead = _visible_lead(actor, data.get("lead"), errors)
    remind_at = _reminder(data, due_at, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    task = Task.objects.create(
        title=title,
        notes=notes,
        owner=owner,
        due_at=due_at,
        remind_at=remind_at,
        customer=customer,
        lead=lead,
        created_by=actor,
        created_at=clock.now(),
    )
    audit.record(actor, task, "create", audit.diff({}, audit.snapshot(task)))
    return task


def tasks_for(user, view: str = "open", owner=None):
    """A person's tasks: today (due later today), overdue, upcoming (after today), done, open."""
    now = clock.now()
    end_of_today = timezone.make_aware(
        dt.datetime.combine(timezone.localdate(now) + dt.timedelta(days=1), dt.time.min)
    )
    qs = scope.scoped(user, Task).filter(owner=owner or user).select_related("customer", "lead")
    if view == "done":
        return qs.filter(done_at__isnull=False).order_by("-done_at", "-id")
    qs = qs.filter(done_at__isnull=True)
    if view == "today":
        return qs.filter(due_at__gte=now, due_at__lt=end_of_today)
    if view == "overdue":
        return qs.filter(due_at__lt=now)
    if view == "upcoming":
        return qs.filter(due_at__gte=end_of_today)
    return qs


@transaction.atomic
def complete_task(actor, task: Task) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done_at is None:
        task.done_at = clock.now()
        task.save(update_fields=["done_at"])
        audit.record(actor, task, "update", {"done_at": [None, str(task.done_at)]})
    return task


@transaction.atomic
def reopen_task(actor, task: Task) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        task.done_at = None
        task.save(update_fields=["done_at"])
        audit.record(actor, task, "update", {"done_at": ["done", None]})
    return task


@transaction.atomic
def reschedule_task(actor, task: Task, data: dict) -> Task:
    errors: dict = {}
    due_at = _datetime(data, "due_at", errors, required=True)
    remind_at = _reminder(data, due_at, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    task = Task.objects.select_for_update().get(pk=task.pk)
    before = audit.snapshot(task)
    task.due_at, task.remind_at, task.reminded_at = due_at, remind_at, None
    task.save(update_fields=["due_at", "remind_at", "reminded_at"])
    audit.record(actor, task, "update", audit.diff(before, audit.snapshot(task)))
    return task


# --- Appointments --------------------------------------------------------------------------


def find_conflict(start, end, user_ids, customer_id=None, exclude_id=None):
    """The first live appointment that overlaps [start, end) for one of the people or the customer.

    Returns (appointment, user_id or None). Touching slots (one ends when the other starts) do
    not overlap. The lower bound on ``start`` keeps each probe a short index range scan, and
    both probes go to the database as one UNION ALL statement (one round trip).
    """
    window = Q(start__lt=end, end__gt=start, start__gt=start - MAX_APPOINTMENT)
    probes = []
    if user_ids:
        people = Attendance.objects.filter(window, user_id__in=list(user_ids), active=True)
        if exclude_id:
            people = people.exclude(appointment_id=exclude_id)
        probes.append(people.order_by().values_list("start", "appointment_id", "user_id"))
    if customer_id:
        customer = Appointment.objects.filter(window, customer_id=customer_id).exclude(
            status=Appointment.Status.CANCELLED
        )
        if exclude_id:
            customer = customer.exclude(pk=exclude_id)
        probes.append(
            customer.order_by()
            .annotate(busy_user=Value(None, output_field=BigIntegerField()))
            .values_list("start", "pk", "busy_user")
        )
    if not probes:
        return None, None
    query = probes[0].union(*probes[1:], all=True) if len(probes) > 1 else probes[0]
    # values_list: a free slot (the usual case) builds no model instances.
    hit = query.order_by("start")[:1]
    hit = next(iter(hit), None)
    if hit is None:
        return None, None
    return Appointment.objects.get(pk=hit[1]), hit[2]


def _conflict_error(actor, other: Appointment, user_id: int | None) -> Conflict:
    visible = scope.scoped(actor, Appointment).filter(pk=other.pk).exists()
    title = other.title if visible else _("another appointment")
    if user_id is not None:
        who = str(User.objects.get(pk=user_id))
        code = "attendee_busy"
    else:
        who = str(other.customer)
        code = "customer_busy"
    message = _("%(who)s already has “%(title)s” from %(start)s to %(end)s.") % {
        "who": who,
        "title": title,
        "start": _local(other.start),
        "end": _local(other.end),
    }
    return Conflict(
        message,
        code=code,
        conflict={
            "appointment": other.pk if visible else None,
            "title": title,
            "start": timezone.localtime(other.start).isoformat(),
            "end": timezone.localtime(other.end).isoformat(),
            "user": user_id,
            "customer": other.customer_id if user_id is None else None,
        },
    )


def _clean_appointment(actor, data: dict, instance: Appointment | None = None) -> dict:
    errors: dict = {}

    def pick(field):
        return data.get(field) if field in data or instance is None else getattr(instance, field)

    values = {
        "title": _required_text({"title": pick("title")}, "title", errors, 200),
        "place": _optional_text({"place": pick("place")}, "place", errors, 255),
        "notes": _optional_text({"notes": pick("notes")}, "notes", errors, MAX_TEXT),
        "start": _datetime({"start": pick("start")}, "start", errors, required=True),
        "end": _datetime({"end": pick("end")}, "end", errors, required=True),
    }
    if values["start"] and values["end"]:
        if values["end"] <= values["start"]:
            errors["end"] = [_("The end must be after the start.")]
        elif values["end"] - values["start"] > MAX_APPOINTMENT:
            errors["end"] = [_("An appointment lasts at most 7 days.")]
    remind = pick("remind_minutes") if "remind_minutes" in data or instance else 30
    try:
        remind = int(remind)
    except (TypeError, ValueError):
        remind = -1
    if not 0 <= remind <= 60 * 24 * 7:
        errors["remind_minutes"] = [_("Enter minutes between 0 and 10080.")]
    values["remind_minutes"] = remind
    if "customer" in data or instance is None:
        values["customer"] = _visible_customer(actor, data.get("customer"), errors)
    else:
        values["customer"] = instance.customer
    if "contact" in data:
        values["contact"] = _contact_of(values["customer"], data.get("contact"), errors)
    if "attendees" in data or instance is None:
        wanted = data.get("attendees") or [actor.pk]
        if not isinstance(wanted, list | tuple) or len(wanted) > 50:
            errors["attendees"] = [_("Choose up to 50 attendees.")]
            wanted = []
        attendees = []
        # Anyone active may be invited (an engineer from another department, say); the
        # conflict message hides the title of appointments the organiser cannot see.
        for user_id in dict.fromkeys(wanted):
            user = _active_user(user_id, errors, "attendees")
            if user:
                attendees.append(user)
        values["attendees"] = attendees
    if errors:
        raise ValidationFailed(fields=errors)
    return values


def _lock_parties(user_ids, customer_id) -> None:
    # Serialise bookings per person and customer across processes (PostgreSQL row locks;
    # SQLite runs write transactions one at a time already).
    list(User.objects.select_for_update().filter(pk__in=sorted(user_ids)).order_by("pk").values_list("pk"))
    if customer_id:
        list(Customer.all_objects.select_for_update().filter(pk=customer_id).values_list("pk"))


@transaction.atomic
def book_appointment(actor, data: dict) -> Appointment:
    values = _clean_appointment(actor, data)
    attendees = values.pop("attendees")
    customer = values["customer"]
    user_ids = [u.pk for u in attendees]
    _lock_parties(user_ids, customer.pk if customer else None)
    other, user_id = find_conflict(
        values["start"], values["end"], user_ids, customer.pk if customer else None
    )
    if other:
        raise _conflict_error(actor, other, user_id)
    now = clock.now()
    appointment = Appointment.objects.create(
        organizer=actor,
        remind_at=values["start"] - dt.timedelta(minutes=values["remind_minutes"]),
        created_at=now,
        updated_at=now,
        **values,
    )
    Attendance.objects.bulk_create(
        [
            Attendance(appointment=appointment, user=u, start=appointment.start, end=appointment.end)
            for u in attendees
        ]
    )
    others = [u for u in attendees if u.pk != actor.pk]
    if others:
        messaging.notify(
            others,
            kinds.APPOINTMENT_INVITED,
            data={"organizer": str(actor), "title": appointment.title, "start": _local(appointment.start)},
            url=reverse("activities:appointment", args=[appointment.pk]),
        )
    if customer:
        timeline.record(
            customer,
            kinds.APPOINTMENT,
            actor=actor,
            data={"event": "booked", "title": appointment.title, "when": _local(appointment.start)},
            ref_type="appointment",
            ref_id=appointment.pk,
        )
    audit.record(actor, appointment, "create", audit.diff({}, audit.snapshot(appointment, m2m=["attendees"])))
    return appointment


def _tell_attendees(actor, appointment: Appointment, kind: str) -> None:
    """Everyone on the appointment but the person who changed it hears of the change."""
    people = set(appointment.attendance.values_list("user_id", flat=True))
    if appointment.organizer_id:
        people.add(appointment.organizer_id)
    people.discard(actor.pk)
    if people:
        messaging.notify(
            sorted(people),
            kind,
            data={"title": appointment.title, "start": _local(appointment.start)},
            url=reverse("activities:appointment", args=[appointment.pk]),
        )


@transaction.atomic
def update_appointment(actor, appointment: Appointment, data: dict) -> Appointment:
    """Change or move an appointment; the conflict check runs again for the new time."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == Appointment.Status.CANCELLED:
        raise Conflict(_("This appointment is cancelled."), code="appointment_cancelled")
    before = audit.snapshot(appointment, m2m=["attendees"])
    values = _clean_appointment(actor, data, instance=appointment)
    attendees = values.pop("attendees", None)
    user_ids = (
        [u.pk for u in attendees]
        if attendees is not None
        else list(appointment.attendance.values_list("user_id", flat=True))
    )
    customer = values["customer"]
    _lock_parties(user_ids, customer.pk if customer else None)
    other, user_id = find_conflict(
        values["start"], values["end"], user_ids, customer.pk if customer else None, exclude_id=appointment.pk
    )
    if other:
        raise _conflict_error(actor, other, user_id)
    moved = values["start"] != appointment.start
    for field, value in values.items():
        setattr(appointment, field, value)
    appointment.remind_at = appointment.start - dt.timedelta(minutes=appointment.remind_minutes)
    if moved:
        appointment.reminded_at = None
    appointment.sequence += 1
    appointment.updated_at = clock.now()
    appointment.save()
    if attendees is not None:
        appointment.attendance.exclude(user_id__in=user_ids).delete()
        existing = set(appointment.attendance.values_list("user_id", flat=True))
        Attendance.objects.bulk_create(
            [
                Attendance(appointment=appointment, user=u, start=appointment.start, end=appointment.end)
                for u in attendees
                if u.pk not in existing
            ]
        )
    appointment.attendance.update(start=appointment.start, end=appointment.end)
    if moved:
        _tell_attendees(actor, appointment, kinds.APPOINTMENT_CHANGED)
        if appointment.customer_id:
            timeline.record(
                appointment.customer_id,
                kinds.APPOINTMENT,
                actor=actor,
                data={"event": "moved", "title": appointment.title, "when": _local(appointment.start)},
                ref_type="appointment",
                ref_id=appointment.pk,
            )
    audit.record(
        actor, appointment, "update", audit.diff(before, audit.snapshot(appointment, m2m=["attendees"]))
    )
    return appointment


@transaction.atomic
def cancel_appointment(actor, appointment: Appointment) -> Appointment:
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == Appointment.Status.CANCELLED:
        return appointment
    appointment.status = Appointment.Status.CANCELLED
    appointment.sequence += 1
    appointment.updated_at = clock.now()
    appointment.save(update_fields=["status", "sequence", "updated_at"])
    appointment.attendance.update(active=False)
    _tell_attendees(actor, appointment, kinds.APPOINTMENT_CANCELLED)
    if appointment.customer_id:
        timeline.record(
            appointment.customer_id,
            kinds.APPOINTMENT,
            actor=actor,
            data={"event": "cancelled", "title": appointment.title, "when": _local(appointment.start)},
            ref_type="appointment",
            ref_id=appointment.pk,
        )
    audit.record(actor, appointment, "update", {"status": ["scheduled", "cancelled"]})
    return appointment


@transaction.atomic
def complete_appointment(actor, appointment: Appointment) -> Appointment:
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.SCHEDULED:
        raise Conflict(
            _("Only a scheduled appointment can be marked done."), code="appointment_not_scheduled"
        )
    appointment.status = Appointment.Status.DONE
    appointment.updated_at = clock.now()
    appointment.save(update_fields=["status", "updated_at"])
    audit.record(actor, appointment, "update", {"status": ["scheduled", "done"]})
    return appointment


def appointments_for(user, *, start=None, end=None, mine: bool = False):
    qs = scope.scoped(user, Appointment)
    if mine:
        qs = qs.filter(Q(organizer=user) | Q(attendance__user=user)).distinct()
    if start:
        qs = qs.filter(end__gt=start)
    if end:
        qs = qs.filter(start__lt=end)
    return qs.select_related("customer", "organizer")


# --- Calendar feed -------------------------------------------------------------------------


def calendar_feed(user, *, reset: bool = False) -> CalendarFeed:
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=CalendarFeed.new_token(), created_at=clock.now())
    if reset:
        feed.token = CalendarFeed.new_token()
        feed.created_at = clock.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


def feed_owner(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    return feed.user if feed and feed.user.is_active else None


def feed_appointments(user):
    """Appointments in a person's feed: the last 90 days and the next year, cancelled ones included
    (so calendar apps remove them)."""
    now = clock.now()
    ids = Attendance.objects.filter(user=user).values("appointment_id")
    return (
        Appointment.objects.filter(Q(pk__in=ids) | Q(organizer=user))
        .filter(start__gte=now - dt.timedelta(days=90), start__lt=now + dt.timedelta(days=366))
        .select_related("customer", "organizer")
        .order_by("start")[:5000]
    )


# --- Reminders -----------------------------------------------------------------------------


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Notify people of tasks and appointments whose reminder time has come; returns how many.

    Idempotent: each reminder carries a dedupe key, and rows are marked as reminded.
    """
    now = now or clock.now()
    sent = 0
    while True:
        batch = list(
            Task.objects.filter(remind_at__lte=now, reminded_at__isnull=True, done_at__isnull=True)
            .order_by("remind_at")
            .select_related("owner")[:REMINDER_BATCH]
        )
        for task in batch:
            with transaction.atomic():
                sent += len(
                    messaging.notify(
                        [task.owner],
                        kinds.TASK_DUE,
                        data={"title": task.title, "due": _local(task.due_at)},
                        url=reverse("activities:tasks"),
                        level="strong",
                        dedupe_key=f"task:{task.pk}:{int(task.due_at.timestamp())}",
                    )
                )
                Task.objects.filter(pk=task.pk).update(reminded_at=now)
        if len(batch) < REMINDER_BATCH:
            break
    while True:
        batch = list(
            Appointment.objects.filter(
                remind_at__lte=now, reminded_at__isnull=True, status=Appointment.Status.SCHEDULED
            ).order_by("remind_at")[:REMINDER_BATCH]
        )
        for appointment in batch:
            with transaction.atomic():
                if appointment.end > now:  # nobody needs a reminder of a meeting that is over
                    people = set(appointment.attendance.values_list("user_id", flat=True))
                    if appointment.organizer_id:
                        people.add(appointment.organizer_id)
                    sent += len(
                        messaging.notify(
                            sorted(people),
                            kinds.APPOINTMENT_SOON,
                            data={"title": appointment.title, "start": _local(appointment.start)},
                            url=reverse("activities:appointment", args=[appointment.pk]),
                            level="strong",
                            dedupe_key=f"appt:{appointment.pk}:{int(appointment.start.timestamp())}",
                        )
                    )
                Appointment.objects.filter(pk=appointment.pk).update(reminded_at=now)
        if len(batch) < REMINDER_BATCH:
            break
    return sent


# --- Consultations and after-sales cases ---------------------------------------------------


@transaction.atomic
def record_consultation(actor, data: dict) -> Consultation:
    errors: dict = {}
    customer = _visible_customer(actor, data.get("customer"), errors)
    if customer is None and "customer" not in errors:
        errors["customer"] = [_("This field is required.")]
    values = {
        "channel": _choice(data, "channel", Consultation.Channel, Consultation.Channel.PHONE, errors),
        "subject": _required_text(data, "subject", errors, 200),
        "question": _optional_text(data, "question", errors, MAX_TEXT),
        "answer": _optional_text(data, "answer", errors, MAX_TEXT),
        "contact": _contact_of(customer, data.get("contact"), errors),
    }
    at = _datetime(data, "at", errors) or clock.now()
    if errors:
        raise ValidationFailed(fields=errors)
    consultation = Consultation.objects.create(customer=customer, author=actor, at=at, **values)
    body = "\n\n".join(part for part in (values["question"], values["answer"]) if part)
    timeline.record(
        customer,
        kinds.CONSULTATION,
        values["subject"],
        actor=actor,
        body=body,
        data={"channel": values["channel"]},
        at=at,
        ref_type="consultation",
        ref_id=consultation.pk,
    )
    audit.record(actor, consultation, "create", audit.diff({}, audit.snapshot(consultation)))
    return consultation


CASE_TRANSITIONS = {
    ServiceCase.Status.OPEN: {
        ServiceCase.Status.IN_PROGRESS,
        ServiceCase.Status.RESOLVED,
        ServiceCase.Status.CLOSED,
    },
    ServiceCase.Status.IN_PROGRESS: {
        ServiceCase.Status.OPEN,
        ServiceCase.Status.RESOLVED,
        ServiceCase.Status.CLOSED,
    },
    ServiceCase.Status.RESOLVED: {ServiceCase.Status.IN_PROGRESS, ServiceCase.Status.CLOSED},
    ServiceCase.Status.CLOSED: {ServiceCase.Status.IN_PROGRESS},
}


@transaction.atomic
def open_case(actor, data: dict) -> ServiceCase:
    errors: dict = {}
    customer = _visible_customer(actor, data.get("customer"), errors)
    if customer is None and "customer" not in errors:
        errors["customer"] = [_("This field is required.")]
    values = {
        "kind": _choice(data, "kind", ServiceCase.Kind, ServiceCase.Kind.REPAIR, errors),
        "priority": _choice(data, "priority", ServiceCase.Priority, ServiceCase.Priority.NORMAL, errors),
        "subject": _required_text(data, "subject", errors, 200),
        "description": _optional_text(data, "description", errors, MAX_TEXT),
        "contact": _contact_of(customer, data.get("contact"), errors),
    }
    assignee = actor
    if data.get("assignee") not in (None, "") and _as_id(data.get("assignee")) != actor.pk:
        assignee = _active_visible_user(actor, data.get("assignee"), errors, "assignee")
    if errors:
        raise ValidationFailed(fields=errors)
    now = clock.now()
    case = ServiceCase.objects.create(
        customer=customer, assignee=assignee, created_by=actor, opened_at=now, updated_at=now, **values
    )
    timeline.record(
        customer,
        kinds.AFTER_SALES,
        actor=actor,
        body=values["description"],
        data={"subject": case.subject, "status": case.status, "kind": case.kind},
        at=now,
        ref_type="service_case",
        ref_id=case.pk,
    )
    audit.record(actor, case, "create", audit.diff({}, audit.snapshot(case)))
    return case


@transaction.atomic
def update_case(actor, case: ServiceCase, data: dict) -> ServiceCase:
    """Move a case along open → in progress → resolved → closed (or reopen it); edit its text."""
    case = ServiceCase.objects.select_for_update().get(pk=case.pk)
    before = audit.snapshot(case)
    errors: dict = {}
    status = data.get("status") or case.status
    if status not in ServiceCase.Status.values:
        errors["status"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(ServiceCase.Status.values)}
        ]
    elif status != case.status and status not in CASE_TRANSITIONS[case.status]:
        errors["status"] = [
            _("A case that is %(old)s cannot become %(new)s.")
            % {"old": case.get_status_display(), "new": ServiceCase.Status(status).label}
        ]
    for field, limit in (("subject", 200), ("description", MAX_TEXT), ("resolution", MAX_TEXT)):
        if field in data:
            value = (
                _required_text(data, field, errors, limit)
                if field == "subject"
                else _optional_text(data, field, errors, limit)
            )
            setattr(case, field, value)
    if "priority" in data:
        case.priority = _choice(data, "priority", ServiceCase.Priority, case.priority, errors)
    if data.get("assignee") not in (None, "") and _as_id(data.get("assignee")) != case.assignee_id:
        case.assignee = _active_visible_user(actor, data.get("assignee"), errors, "assignee")
    if (
        status == ServiceCase.Status.RESOLVED
        and status != case.status
        and not (case.resolution or "").strip()
    ):
        errors["resolution"] = [_("Say how the case was resolved.")]
    if errors:
        raise ValidationFailed(fields=errors)
    now = clock.now()
    changed_status = status != case.status
    if changed_status:
        case.status = status
        if status == ServiceCase.Status.RESOLVED:
            case.resolved_at = now
        elif status == ServiceCase.Status.CLOSED:
            case.closed_at = now
        else:
            case.resolved_at = case.closed_at = None
    case.updated_at = now
    case.save()
    if changed_status:
        timeline.record(
            case.customer_id,
            kinds.AFTER_SALES,
            actor=actor,
            body=case.resolution if status == ServiceCase.Status.RESOLVED else "",
            data={"subject": case.subject, "status": status, "kind": case.kind},
            at=now,
            ref_type="service_case",
            ref_id=case.pk,
        )
    audit.record(actor, case, "update", audit.diff(before, audit.snapshot(case)))
    return case


def ics_for(user) -> str:
    from . import ical

    events = []
    for appointment in feed_appointments(user):
        description = "\n".join(
            part
            for part in (
                str(appointment.customer) if appointment.customer_id else "",
                _("Organizer: %(name)s") % {"name": appointment.organizer}
                if appointment.organizer_id
                else "",
                appointment.notes,
            )
            if part
        )
        events.append(
            {
                "uid": f"appointment-{appointment.pk}@kehu",
                "start": appointment.start,
                "end": appointment.end,
                "summary": appointment.title,
                "location": appointment.place,
                "description": description,
                "status": "CANCELLED" if appointment.status == Appointment.Status.CANCELLED else "CONFIRMED",
                "sequence": appointment.sequence,
                "updated": appointment.updated_at,
            }
        )
    return ical.calendar(_("Kehu: %(name)s") % {"name": user}, events, clock.now())
