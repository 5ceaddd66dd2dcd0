"""Activities API: follow-ups, tasks, appointments (with the conflict check), the calendar
feed address, consultations and after-sales cases. Every read starts from the scope layer."""

import datetime as dt
import re
from typing import Annotated, Literal

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, BeforeValidator, Field

from kehu.accounts.capabilities import EXPORT
from kehu.accounts.scope import can_see_user, get_scoped, scoped
from kehu.core import clock
from kehu.core.errors import Forbidden, NotFound
from kehu.core.exports import export_response
from kehu.core.pagination import paginate
from kehu.core.schemas import ErrorOut, Id, Page, PageNumber, PageSize, Text

from . import exports, services
from .models import Appointment, Consultation, FollowUp, ServiceCase, Task

router = Router(tags=["activities"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "CSV or Excel file",
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
        }
    }
}


def _iso_only(value):
    # Pydantic also reads numbers as Unix timestamps; the API documents ISO 8601 strings only.
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"\s*[-+]?[\d.eE+-]+\s*", value)
    ):
        raise ValueError("enter an ISO 8601 date and time, e.g. 2026-03-02T10:00:00+08:00")
    return value


def _utc_in_range(value: dt.datetime) -> dt.datetime:
    # PostgreSQL refuses offsets beyond ±15:59 and far-off years make no sense here: store UTC.
    if value.tzinfo is not None:
        try:
            value = value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("date and time out of range") from None
    if not 1900 <= value.year <= 2200:
        raise ValueError("enter a date between 1900 and 2200")
    return value


DateTime = Annotated[dt.datetime, BeforeValidator(_iso_only), AfterValidator(_utc_in_range)]


class ConflictDetail(Schema):
    appointment: int | None = Field(description="The conflicting appointment (null when not visible to you).")
    title: str
    start: DateTime
    end: DateTime
    user: int | None = Field(description="The attendee who is busy, for code `attendee_busy`.")
    customer: int | None = Field(description="The customer who is busy, for code `customer_busy`.")


class ConflictOut(ErrorOut):
    conflict: ConflictDetail | None = None


CONFLICT = {409: ConflictOut}


def _export(fmt, rows_pair, name, title):
    headers, rows = rows_pair
    return export_response(fmt, headers, rows, name, title)


def _can_export(request):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))


class Ref(Schema):
    id: int
    name: str


def _ref(obj):
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


# --- Follow-ups ----------------------------------------------------------------------------


class FollowUpIn(Schema):
    kind: Literal["call", "visit", "wechat", "email", "meeting"] = "call"
    customer: Id | None = None
    lead: Id | None = None
    contact: Id | None = None
    content: Text = Field(min_length=1, max_length=10_000)
    outcome: Text = Field("", max_length=200)
    at: DateTime | None = Field(None, description="When it happened; default now.")
    next_at: DateTime | None = Field(None, description="Next follow-up: becomes a task with a reminder.")


class FollowUpOut(Schema):
    id: int
    kind: str
    customer: Ref | None
    lead: Ref | None
    contact: Ref | None
    content: str
    outcome: str
    at: DateTime
    next_at: DateTime | None
    author: Ref | None
    task: int | None = Field(None, description="The task made from next_at, if any.")

    @staticmethod
    def resolve_customer(obj):
        return _ref(obj.customer)

    @staticmethod
    def resolve_lead(obj):
        return _ref(obj.lead)

    @staticmethod
    def resolve_contact(obj):
        return _ref(obj.contact)

    @staticmethod
    def resolve_author(obj):
        return _ref(obj.author)

    @staticmethod
    def resolve_task(obj):
        task = obj.tasks.order_by("id").first() if obj.next_at else None
        return task.pk if task else None


class FollowUpQuery(Schema):
    customer: Id | None = None
    lead: Id | None = None
    kind: Literal["", "call", "visit", "wechat", "email", "meeting"] = ""
    mine: bool = False


def _follow_ups(request, filters: FollowUpQuery):
    qs = scoped(request.user, FollowUp).select_related("customer", "lead", "contact", "author")
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.lead:
        qs = qs.filter(lead_id=filters.lead)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.mine:
        qs = qs.filter(author=request.user)
    return qs


@router.get("/follow-ups", response={200: Page[FollowUpOut], **ERRORS})
def list_follow_ups(request, filters: Query[FollowUpQuery], page: PageNumber = 1, page_size: PageSize = 50):
    return paginate(_follow_ups(request, filters), page, page_size)


@router.get("/follow-ups/export", response={200: None, **ERRORS}, openapi_extra=FILE_RESPONSE)
def export_follow_ups(request, filters: Query[FollowUpQuery], format: Literal["csv", "xlsx"] = "csv"):
    _can_export(request)
    return _export(
        format, exports.follow_up_rows(_follow_ups(request, filters)), "follow-ups", _("Follow-ups")
    )


@router.post("/follow-ups", response={201: FollowUpOut, **ERRORS})
def create_follow_up(request, payload: FollowUpIn):
    follow_up = services.record_follow_up(request.user, payload.dict())
    return Status(201, follow_up)


@router.get("/follow-ups/{follow_up_id}", response={200: FollowUpOut, **ERRORS})
def get_follow_up(request, follow_up_id: Id):
    return get_scoped(
        request.user, FollowUp.objects.select_related("customer", "lead", "author"), pk=follow_up_id
    )


# --- Tasks ---------------------------------------------------------------------------------


class TaskIn(Schema):
    title: Text = Field(min_length=1, max_length=200)
    due_at: DateTime
    remind_minutes: int | None = Field(15, ge=0, le=43200, description="null: no reminder.")
    notes: Text = Field("", max_length=10_000)
    owner: Id | None = Field(None, description="Assignee; default you.")
    customer: Id | None = None
    lead: Id | None = None


class RescheduleIn(Schema):
    due_at: DateTime
    remind_minutes: int | None = Field(15, ge=0, le=43200)


class TaskOut(Schema):
    id: int
    title: str
    notes: str
    owner: Ref
    due_at: DateTime
    remind_at: DateTime | None
    done_at: DateTime | None
    overdue: bool
    customer: Ref | None
    lead: Ref | None
    follow_up: int | None

    @staticmethod
    def resolve_owner(obj):
        return _ref(obj.owner)

    @staticmethod
    def resolve_customer(obj):
        return _ref(obj.customer)

    @staticmethod
    def resolve_lead(obj):
        return _ref(obj.lead)

    @staticmethod
    def resolve_follow_up(obj):
        return obj.follow_up_id

    @staticmethod
    def resolve_overdue(obj):
        return obj.done_at is None and obj.due_at < clock.now()


TaskView = Literal["today", "overdue", "upcoming", "done", "open"]


@router.get("/tasks", response={200: Page[TaskOut], **ERRORS})
def list_tasks(
    request,
    view: TaskView = Query("open", description="today: due later today; overdue; upcoming: after today."),
    owner: Id | None = Query(None, description="Someone whose tasks you may see; default you."),
    page: PageNumber = 1,
    page_size: PageSize = 50,
):
    person = request.user
    if owner and owner != request.user.pk:
        from kehu.accounts.models import User

        person = User.objects.filter(pk=owner).first()
        if person is None or not can_see_user(request.user, owner):
            raise NotFound()
    qs = services.tasks_for(request.user, view, owner=person).select_related("owner")
    return paginate(qs, page, page_size)


@router.get("/tasks/export", response={200: None, **ERRORS}, openapi_extra=FILE_RESPONSE)
def export_tasks(request, view: TaskView = "open", format: Literal["csv", "xlsx"] = "csv"):
    _can_export(request)
    return _export(format, exports.task_rows(services.tasks_for(request.user, view)), "tasks", _("Tasks"))


@router.post("/tasks", response={201: TaskOut, **ERRORS})
def create_task(request, payload: TaskIn):
    return Status(201, services.create_task(request.user, payload.dict()))


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS})
def get_task(request, task_id: Id):
    return get_scoped(request.user, Task.objects.select_related("owner", "customer", "lead"), pk=task_id)


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **ERRORS})
def complete_task(request, task_id: Id):
    return services.complete_task(request.user, get_scoped(request.user, Task, pk=task_id))


@router.post("/tasks/{task_id}/reopen", response={200: TaskOut, **ERRORS})
def reopen_task(request, task_id: Id):
    return services.reopen_task(request.user, get_scoped(request.user, Task, pk=task_id))


@router.post("/tasks/{task_id}/reschedule", response={200: TaskOut, **ERRORS})
def reschedule_task(request, task_id: Id, payload: RescheduleIn):
    return services.reschedule_task(request.user, get_scoped(request.user, Task, pk=task_id), payload.dict())


# --- Appointments --------------------------------------------------------------------------


class AppointmentIn(Schema):
    title: Text = Field(min_length=1, max_length=200)
    start: DateTime
    end: DateTime
    place: Text = Field("", max_length=255)
    notes: Text = Field("", max_length=10_000)
    customer: Id | None = None
    contact: Id | None = None
    attendees: list[Id] = Field(default_factory=list, max_length=50, description="User ids; default you.")
    remind_minutes: int = Field(30, ge=0, le=10080)


class AppointmentPatch(Schema):
    title: Text | None = Field(None, min_length=1, max_length=200)
    start: DateTime | None = None
    end: DateTime | None = None
    place: Text | None = Field(None, max_length=255)
    notes: Text | None = Field(None, max_length=10_000)
    customer: Id | None = None
    contact: Id | None = None
    attendees: list[Id] | None = Field(None, min_length=1, max_length=50)
    remind_minutes: int | None = Field(None, ge=0, le=10080)


class AppointmentOut(Schema):
    id: int
    title: str
    start: DateTime
    end: DateTime
    place: str
    notes: str
    status: str
    customer: Ref | None
    contact: Ref | None
    organizer: Ref | None
    attendees: list[Ref]
    remind_minutes: int

    @staticmethod
    def resolve_customer(obj):
        return _ref(obj.customer)

    @staticmethod
    def resolve_contact(obj):
        return _ref(obj.contact)

    @staticmethod
    def resolve_organizer(obj):
        return _ref(obj.organizer)

    @staticmethod
    def resolve_attendees(obj):
        return [_ref(u) for u in obj.attendees.all()]


class AppointmentQuery(Schema):
    start: DateTime | None = Field(None, description="Appointments ending after this time.")
    end: DateTime | None = Field(None, description="Appointments starting before this time.")
    mine: bool = Field(False, description="Only those you organise or attend.")
    customer: Id | None = None
    status: Literal["", "scheduled", "done", "cancelled"] = ""


def _appointments(request, filters: AppointmentQuery):
    qs = services.appointments_for(request.user, start=filters.start, end=filters.end, mine=filters.mine)
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.prefetch_related("attendees")


@router.get("/appointments", response={200: Page[AppointmentOut], **ERRORS})
def list_appointments(
    request, filters: Query[AppointmentQuery], page: PageNumber = 1, page_size: PageSize = 50
):
    return paginate(_appointments(request, filters), page, page_size)


@router.get("/appointments/export", response={200: None, **ERRORS}, openapi_extra=FILE_RESPONSE)
def export_appointments(request, filters: Query[AppointmentQuery], format: Literal["csv", "xlsx"] = "csv"):
    _can_export(request)
    rows = exports.appointment_rows(_appointments(request, filters))
    return _export(format, rows, "appointments", _("Appointments"))


@router.post(
    "/appointments",
    response={201: AppointmentOut, **ERRORS, **CONFLICT},
    description="Refused with 409 `attendee_busy` or `customer_busy` when an attendee or the customer "
    "already has an overlapping appointment; `conflict` names it. Touching slots are allowed.",
)
def create_appointment(request, payload: AppointmentIn):
    return Status(201, services.book_appointment(request.user, payload.dict()))


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS})
def get_appointment(request, appointment_id: Id):
    return get_scoped(request.user, Appointment, pk=appointment_id)


@router.patch("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS, **CONFLICT})
def update_appointment(request, appointment_id: Id, payload: AppointmentPatch):
    appointment = get_scoped(request.user, Appointment, pk=appointment_id)
    data = {
        k: v
        for k, v in payload.dict(exclude_unset=True).items()
        if v is not None or k in ("customer", "contact")
    }
    return services.update_appointment(request.user, appointment, data)


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
def cancel_appointment(request, appointment_id: Id):
    return services.cancel_appointment(request.user, get_scoped(request.user, Appointment, pk=appointment_id))


@router.post("/appointments/{appointment_id}/done", response={200: AppointmentOut, **ERRORS, **CONFLICT})
def complete_appointment(request, appointment_id: Id):
    return services.complete_appointment(
        request.user, get_scoped(request.user, Appointment, pk=appointment_id)
    )


class FeedOut(Schema):
    url: str = Field(description="Secret iCalendar (text/calendar) address of your appointments.")
    created_at: DateTime


def _feed_out(request, feed):
    return {
        "url": request.build_absolute_uri(reverse("activities:calendar_ics", args=[feed.token])),
        "created_at": feed.created_at,
    }


@router.get("/calendar-feed", response={200: FeedOut, **ERRORS})
def get_calendar_feed(request):
    return _feed_out(request, services.calendar_feed(request.user))


@router.post("/calendar-feed/reset", response={200: FeedOut, **ERRORS})
def reset_calendar_feed(request):
    return _feed_out(request, services.calendar_feed(request.user, reset=True))


# --- Consultations -------------------------------------------------------------------------


class ConsultationIn(Schema):
    customer: Id
    contact: Id | None = None
    channel: Literal["phone", "online", "wechat", "email", "visit"] = "phone"
    subject: Text = Field(min_length=1, max_length=200)
    question: Text = Field("", max_length=10_000)
    answer: Text = Field("", max_length=10_000)
    at: DateTime | None = None


class ConsultationOut(Schema):
    id: int
    customer: Ref
    contact: Ref | None
    channel: str
    subject: str
    question: str
    answer: str
    author: Ref | None
    at: DateTime

    @staticmethod
    def resolve_customer(obj):
        return _ref(obj.customer)

    @staticmethod
    def resolve_contact(obj):
        return _ref(obj.contact)

    @staticmethod
    def resolve_author(obj):
        return _ref(obj.author)


@router.get("/consultations", response={200: Page[ConsultationOut], **ERRORS})
def list_consultations(request, customer: Id | None = None, page: PageNumber = 1, page_size: PageSize = 50):
    qs = scoped(request.user, Consultation).select_related("customer", "contact", "author")
    if customer:
        qs = qs.filter(customer_id=customer)
    return paginate(qs, page, page_size)


@router.post("/consultations", response={201: ConsultationOut, **ERRORS})
def create_consultation(request, payload: ConsultationIn):
    return Status(201, services.record_consultation(request.user, payload.dict()))


@router.get("/consultations/{consultation_id}", response={200: ConsultationOut, **ERRORS})
def get_consultation(request, consultation_id: Id):
    return get_scoped(request.user, Consultation, pk=consultation_id)


# --- After-sales cases ---------------------------------------------------------------------

CaseStatus = Literal["open", "in_progress", "resolved", "closed"]


class CaseIn(Schema):
    customer: Id
    contact: Id | None = None
    kind: Literal["repair", "complaint", "return", "question", "other"] = "repair"
    priority: Literal["high", "normal", "low"] = "normal"
    subject: Text = Field(min_length=1, max_length=200)
    description: Text = Field("", max_length=10_000)
    assignee: Id | None = None


class CasePatch(Schema):
    status: CaseStatus | None = None
    priority: Literal["high", "normal", "low"] | None = None
    subject: Text | None = Field(None, min_length=1, max_length=200)
    description: Text | None = Field(None, max_length=10_000)
    resolution: Text | None = Field(None, max_length=10_000)
    assignee: Id | None = None


class CaseOut(Schema):
    id: int
    customer: Ref
    contact: Ref | None
    kind: str
    priority: str
    subject: str
    description: str
    resolution: str
    status: str
    assignee: Ref | None
    opened_at: DateTime
    resolved_at: DateTime | None
    closed_at: DateTime | None

    @staticmethod
    def resolve_customer(obj):
        return _ref(obj.customer)

    @staticmethod
    def resolve_contact(obj):
        return _ref(obj.contact)

    @staticmethod
    def resolve_assignee(obj):
        return _ref(obj.assignee)


class CaseQuery(Schema):
    customer: Id | None = None
    status: Literal["", "active", "open", "in_progress", "resolved", "closed"] = Field(
        "", description="active: open or in progress."
    )
    mine: bool = Field(False, description="Only cases you handle.")


def _cases(request, filters: CaseQuery):
    qs = scoped(request.user, ServiceCase).select_related("customer", "contact", "assignee")
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.status == "active":
        qs = qs.filter(status__in=["open", "in_progress"])
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.mine:
        qs = qs.filter(assignee=request.user)
    return qs


@router.get("/service-cases", response={200: Page[CaseOut], **ERRORS})
def list_cases(request, filters: Query[CaseQuery], page: PageNumber = 1, page_size: PageSize = 50):
    return paginate(_cases(request, filters), page, page_size)


@router.get("/service-cases/export", response={200: None, **ERRORS}, openapi_extra=FILE_RESPONSE)
def export_cases(request, filters: Query[CaseQuery], format: Literal["csv", "xlsx"] = "csv"):
    _can_export(request)
    return _export(format, exports.case_rows(_cases(request, filters)), "after-sales", _("After-sales cases"))


@router.post("/service-cases", response={201: CaseOut, **ERRORS})
def create_case(request, payload: CaseIn):
    return Status(201, services.open_case(request.user, payload.dict()))


@router.get("/service-cases/{case_id}", response={200: CaseOut, **ERRORS})
def get_case(request, case_id: Id):
    return get_scoped(request.user, ServiceCase, pk=case_id)


@router.patch("/service-cases/{case_id}", response={200: CaseOut, **ERRORS})
def update_case(request, case_id: Id, payload: CasePatch):
    case = get_scoped(request.user, ServiceCase, pk=case_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.update_case(request.user, case, data)
