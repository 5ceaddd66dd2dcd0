from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.capabilities import EXPORT
from kehu.accounts.scope import get_scoped, scoped
from kehu.core import clock
from kehu.core.errors import Conflict, Forbidden, ValidationFailed
from kehu.core.exports import export_response
from kehu.customers.models import Customer
from kehu.leads.models import Lead

from . import exports, services
from .forms import (
    AppointmentForm,
    CaseForm,
    CaseUpdateForm,
    ConsultationForm,
    FollowUpForm,
    RescheduleForm,
    TaskForm,
)
from .models import Appointment, FollowUp, ServiceCase, Task

PAGE_SIZE = 50


def _apply_errors(form, exc: ValidationFailed):
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=False):
        return target
    return fallback


def _int_param(request, name) -> int | None:
    value = request.GET.get(name) or request.POST.get(name) or ""
    return int(value) if value.isdigit() and len(value) < 18 else None


def _customer_param(request) -> Customer | None:
    pk = _int_param(request, "customer")
    return get_scoped(request.user, Customer, pk=pk) if pk else None


def _form_page(request, form, heading, *, customer=None, lead=None, conflict=None, back=""):
    back = back or (
        reverse("customers:detail", args=[customer.pk]) if customer else reverse("activities:tasks")
    )
    context = {
        "form": form,
        "heading": heading,
        "customer": customer,
        "lead": lead,
        "conflict": conflict,
        "back": back,
        "next": _next(request, ""),
    }
    status = 409 if conflict else 200
    return render(request, "activities/form.html", context, status=status)


def _export(request, fmt_rows, name, title):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    headers, rows = fmt_rows
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(fmt, headers, rows, name, title)


# --- Tasks ---------------------------------------------------------------------------------


@login_required
def task_list(request):
    view = request.GET.get("view", "")
    counts = {v: services.tasks_for(request.user, v).count() for v in ("overdue", "today", "upcoming")}
    if view not in services.TASK_VIEWS:
        view = "overdue" if counts["overdue"] else "today" if counts["today"] else "upcoming"
    page = Paginator(services.tasks_for(request.user, view), PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    appointments = services.appointments_for(request.user, start=now, mine=True).exclude(
        status=Appointment.Status.CANCELLED
    )[:5]
    return render(
        request,
        "activities/tasks.html",
        {
            "view": view,
            "counts": counts,
            "page": page,
            "now": now,
            "form": TaskForm(),
            "reschedule_form": RescheduleForm(),
            "appointments": appointments,
            "can_export": request.user.can(EXPORT),
        },
    )


@login_required
def task_create(request):
    customer = _customer_param(request)
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data, customer=customer.pk if customer else None)
        try:
            services.create_task(request.user, data)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Task added."))
            return redirect(_next(request, reverse("activities:tasks")))
    return _form_page(request, form, _("New task"), customer=customer)


@login_required
def task_export(request):
    view = request.GET.get("view", "open")
    qs = services.tasks_for(request.user, view if view in services.TASK_VIEWS else "open")
    return _export(request, exports.task_rows(qs), "tasks", _("Tasks"))


@login_required
@require_POST
def task_complete(request, pk: int):
    task = get_scoped(request.user, Task, pk=pk)
    services.complete_task(request.user, task)
    messages.success(request, _("Done: %(title)s") % {"title": task.title})
    return redirect(_next(request, reverse("activities:tasks")))


@login_required
@require_POST
def task_reopen(request, pk: int):
    task = get_scoped(request.user, Task, pk=pk)
    services.reopen_task(request.user, task)
    return redirect(_next(request, reverse("activities:tasks")))


@login_required
def task_reschedule(request, pk: int):
    task = get_scoped(request.user, Task, pk=pk)
    form = RescheduleForm(request.POST or None, initial={"due_at": task.due_at})
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule_task(request.user, task, {"due_at": form.cleaned_data["due_at"]})
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Task moved."))
            return redirect(_next(request, reverse("activities:tasks")))
    return _form_page(request, form, _("Move “%(title)s”") % {"title": task.title})


# --- Follow-ups ----------------------------------------------------------------------------


def _follow_ups(request):
    qs = scoped(request.user, FollowUp).select_related("customer", "lead", "author")
    if request.GET.get("mine"):
        qs = qs.filter(author=request.user)
    kind = request.GET.get("kind", "")
    if kind in FollowUp.Kind.values:
        qs = qs.filter(kind=kind)
    return qs


@login_required
def follow_up_list(request):
    page = Paginator(_follow_ups(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/follow_ups.html",
        {
            "page": page,
            "kinds": FollowUp.Kind.choices,
            "kind": request.GET.get("kind", ""),
            "mine": bool(request.GET.get("mine")),
            "can_export": request.user.can(EXPORT),
            "querystring": request.GET.urlencode(),
        },
    )


@login_required
def follow_up_export(request):
    return _export(request, exports.follow_up_rows(_follow_ups(request)), "follow-ups", _("Follow-ups"))


@login_required
def follow_up_create(request):
    customer = _customer_param(request)
    lead_id = _int_param(request, "lead")
    lead = get_scoped(request.user, Lead, pk=lead_id) if lead_id else None
    if customer is None and lead is None:
        raise Http404
    form = FollowUpForm(request.POST or None, customer=customer)
    fallback = reverse("customers:detail", args=[customer.pk]) if customer else reverse("activities:tasks")
    if request.method == "POST" and form.is_valid():
        data = dict(
            form.cleaned_data, customer=customer.pk if customer else None, lead=lead.pk if lead else None
        )
        try:
            services.record_follow_up(request.user, data)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect(_next(request, fallback))
    return _form_page(request, form, _("New follow-up"), customer=customer, lead=lead)


# --- Appointments --------------------------------------------------------------------------


def _appointments(request):
    qs = services.appointments_for(request.user, mine=request.GET.get("all") != "1")
    if request.GET.get("past") == "1":
        return qs.filter(start__lt=clock.now()).order_by("-start", "-id")
    return qs.filter(end__gte=clock.now()).exclude(status=Appointment.Status.CANCELLED)


@login_required
def appointment_list(request):
    page = Paginator(_appointments(request), PAGE_SIZE).get_page(request.GET.get("page"))
    feed = services.calendar_feed(request.user)
    return render(
        request,
        "activities/appointments.html",
        {
            "page": page,
            "past": request.GET.get("past") == "1",
            "all": request.GET.get("all") == "1",
            "feed_url": request.build_absolute_uri(reverse("activities:calendar_ics", args=[feed.token])),
            "can_export": request.user.can(EXPORT),
            "querystring": request.GET.urlencode(),
        },
    )


@login_required
def appointment_export(request):
    return _export(
        request, exports.appointment_rows(_appointments(request)), "appointments", _("Appointments")
    )


@login_required
def appointment_detail(request, pk: int):
    appointment = get_scoped(
        request.user, Appointment.objects.select_related("customer", "organizer", "contact"), pk=pk
    )
    return render(
        request,
        "activities/appointment.html",
        {"appointment": appointment, "attendees": appointment.attendees.order_by("name")},
    )


@login_required
def appointment_form(request, pk: int | None = None):
    appointment = get_scoped(request.user, Appointment, pk=pk) if pk else None
    customer = appointment.customer if appointment else _customer_param(request)
    initial = {"attendees": [request.user.pk], "remind_minutes": 30}
    if appointment:
        initial = {
            "title": appointment.title,
            "start": appointment.start,
            "end": appointment.end,
            "place": appointment.place,
            "notes": appointment.notes,
            "remind_minutes": appointment.remind_minutes,
            "contact": appointment.contact_id,
            "attendees": list(appointment.attendance.values_list("user_id", flat=True)),
        }
    form = AppointmentForm(request.POST or None, user=request.user, customer=customer, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["attendees"] = [int(v) for v in data["attendees"]] or [request.user.pk]
        if customer:
            data["customer"] = customer.pk
        try:
            if appointment:
                appointment = services.update_appointment(request.user, appointment, data)
            else:
                appointment = services.book_appointment(request.user, data)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        except Conflict as exc:
            conflict = exc
        else:
            messages.success(request, _("Appointment saved."))
            return redirect(_next(request, reverse("activities:appointment", args=[appointment.pk])))
    heading = _("Edit appointment") if appointment else _("New appointment")
    back = reverse("activities:appointment", args=[appointment.pk]) if appointment else ""
    return _form_page(request, form, heading, customer=customer, conflict=conflict, back=back)


@login_required
@require_POST
def appointment_cancel(request, pk: int):
    appointment = get_scoped(request.user, Appointment, pk=pk)
    services.cancel_appointment(request.user, appointment)
    messages.success(request, _("Appointment cancelled."))
    return redirect("activities:appointment", pk)


@login_required
@require_POST
def calendar_reset(request):
    services.calendar_feed(request.user, reset=True)
    messages.success(request, _("A new calendar address was made; the old one no longer works."))
    return redirect("activities:appointments")


def calendar_ics(request, token: str):
    """The iCalendar feed: no sign-in, the secret address is the key."""
    user = services.feed_owner(token)
    if user is None:
        raise Http404
    response = HttpResponse(services.ics_for(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kehu.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Consultations and after-sales cases ---------------------------------------------------


@login_required
def consultation_create(request):
    customer = _customer_param(request)
    if customer is None:
        raise Http404
    form = ConsultationForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consultation(request.user, dict(form.cleaned_data, customer=customer.pk))
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Consultation saved."))
            return redirect(_next(request, reverse("customers:detail", args=[customer.pk])))
    return _form_page(request, form, _("New consultation"), customer=customer)


def _cases(request):
    qs = scoped(request.user, ServiceCase).select_related("customer", "assignee")
    status = request.GET.get("status", "active")
    if status == "active":
        qs = qs.filter(status__in=[ServiceCase.Status.OPEN, ServiceCase.Status.IN_PROGRESS])
    elif status in ServiceCase.Status.values:
        qs = qs.filter(status=status)
    if request.GET.get("mine"):
        qs = qs.filter(assignee=request.user)
    return qs


@login_required
def case_list(request):
    page = Paginator(_cases(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/cases.html",
        {
            "page": page,
            "status": request.GET.get("status", "active"),
            "statuses": ServiceCase.Status.choices,
            "mine": bool(request.GET.get("mine")),
            "can_export": request.user.can(EXPORT),
            "querystring": request.GET.urlencode(),
        },
    )


@login_required
def case_export(request):
    return _export(request, exports.case_rows(_cases(request)), "after-sales", _("After-sales cases"))


@login_required
def case_create(request):
    customer = _customer_param(request)
    if customer is None:
        raise Http404
    form = CaseForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(request.user, dict(form.cleaned_data, customer=customer.pk))
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("After-sales case opened."))
            return redirect(_next(request, reverse("activities:case", args=[case.pk])))
    return _form_page(request, form, _("New after-sales case"), customer=customer)


@login_required
def case_detail(request, pk: int):
    case = get_scoped(
        request.user, ServiceCase.objects.select_related("customer", "assignee", "contact"), pk=pk
    )
    form = CaseUpdateForm(
        request.POST or None,
        user=request.user,
        current=case.assignee,
        initial={"status": case.status, "assignee": case.assignee_id, "resolution": case.resolution},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["assignee"] = data["assignee"] or None
        try:
            services.update_case(request.user, case, data)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("activities:case", pk)
    return render(request, "activities/case.html", {"case": case, "form": form})


# --- The customer page ---------------------------------------------------------------------


def customer_panel(request, customer):
    """Quick-add forms and what is open for this customer, on the customer page."""
    user = request.user
    now = clock.now()
    context = {
        "customer": customer,
        "next": reverse("customers:detail", args=[customer.pk]),
        "follow_up_form": FollowUpForm(customer=customer, auto_id="fu_%s"),
        "consultation_form": ConsultationForm(customer=customer, auto_id="co_%s"),
        "case_form": CaseForm(customer=customer, auto_id="ca_%s"),
        "tasks": scoped(user, Task).filter(customer=customer, done_at__isnull=True).order_by("due_at")[:10],
        "appointments": scoped(user, Appointment)
        .filter(customer=customer, end__gte=now)
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("start")[:10],
        "cases": scoped(user, ServiceCase)
        .filter(customer=customer)
        .exclude(status=ServiceCase.Status.CLOSED)
        .select_related("assignee")[:10],
        "now": now,
    }
    return render_to_string("activities/_customer_panel.html", context, request=request)


def lead_panel(request, lead):
    """Follow-ups of a lead and a quick form to record one, for the lead page to include:
    ``{{ activities_panel }}`` with ``activities_panel = activities.views.lead_panel(request, lead)``."""
    context = {
        "lead": lead,
        "next": request.get_full_path(),
        "form": FollowUpForm(auto_id="lf_%s"),
        "follow_ups": scoped(request.user, FollowUp).filter(lead=lead).select_related("author")[:20],
        "tasks": scoped(request.user, Task).filter(lead=lead, done_at__isnull=True).order_by("due_at")[:5],
    }
    return render_to_string("activities/_lead_panel.html", context, request=request)
