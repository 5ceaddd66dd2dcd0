import datetime as dt
import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from kehu.accounts.capabilities import EXPORT, VIEW_AUDIT
from kehu.accounts.masking import mask_changes, phone_for
from kehu.accounts.models import User
from kehu.accounts.scope import get_scoped, scoped, visible_user_ids
from kehu.core import audit
from kehu.core.errors import Forbidden, ServiceError, ValidationFailed
from kehu.core.exports import export_response
from kehu.core.tasks import worker_seen_within
from kehu.dedup import services as dedup_services
from kehu.dedup.models import DedupMatch, Merge
from kehu.dedup.reasons_text import describe_reasons

from . import services
from .capabilities import IMPORT_LEADS, MERGE_LEADS
from .forms import ImportUploadForm, LeadForm
from .models import Channel, ImportRun, Lead
from .panels import lead_panels
from .queries import SORTS, LeadFilter, find_leads
from .services import capture as capture_service
from .services import imports

PAGE_SIZE = 50
FILTER_FIELDS = ("q", "status", "grade", "channel", "owner", "created_from", "created_to", "dedup")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filter_from(get) -> LeadFilter:
    flt = LeadFilter(
        q=get.get("q", "")[:100],
        status=get.get("status", "") if get.get("status") in Lead.Status.values else "",
        grade=get.get("grade", "") if get.get("grade") in Lead.Grade.values else "",
        owner=get.get("owner", ""),
        created_from=_date(get.get("created_from", "")),
        created_to=_date(get.get("created_to", "")),
        dedup=get.get("dedup", "") if get.get("dedup") in ("unique", "duplicate", "customer") else "",
        sort=get.get("sort", "") if get.get("sort") in SORTS else "-created",
    )
    channel = get.get("channel", "")
    flt.channel = int(channel) if channel.isdigit() and len(channel) < 18 else None
    if flt.owner not in ("", "me", "none") and not (flt.owner.isdigit() and len(flt.owner) < 18):
        flt.owner = ""
    return flt


def _apply_form_errors(form, exc: ValidationFailed):
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
def lead_list(request):
    flt = filter_from(request.GET)
    qs = find_leads(request.user, flt).select_related(
        "channel", "owner", "city", "duplicate_of", "matched_customer"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = visible_user_ids(request.user)
    owners = User.objects.filter(is_active=True) if ids is None else User.objects.filter(pk__in=ids)
    context = {
        "page": page,
        "filter": flt,
        "owners": owners.order_by("name"),
        "show_owner_filter": ids is None or len(ids) > 1,
        "statuses": Lead.Status.choices,
        "grades": Lead.Grade.choices,
        "channels": Channel.objects.filter(active=True),
        "filtered": any(request.GET.get(f) for f in FILTER_FIELDS),
        "can_export": request.user.can(EXPORT),
        "can_import": request.user.can(IMPORT_LEADS),
        "can_review": request.user.can(MERGE_LEADS),
        "querystring": request.GET.urlencode(),
    }
    template = "leads/_results.html" if request.htmx and not request.htmx.boosted else "leads/list.html"
    return render(request, template, context)


def lead_rows(user, qs):
    headers = [_("ID"), _("Contact name"), _("Company"), _("Phone"), _("E-mail"), _("Channel"), _("Status")]
    headers += [
        _("Grade"),
        _("Score"),
        _("City"),
        _("Owner"),
        _("Duplicate of"),
        _("Existing customer"),
        _("Created"),
    ]

    def rows():
        for lead in qs.select_related("channel", "city", "owner").iterator(chunk_size=2000):
            yield [
                lead.pk, lead.name, lead.company, phone_for(user, lead.phone), lead.email, str(lead.channel),
                lead.get_status_display(), lead.grade, lead.score, lead.city.name if lead.city else "",
                str(lead.owner or ""), lead.duplicate_of_id or "", lead.matched_customer_id or "",
                lead.created_at.strftime("%Y-%m-%d %H:%M"),
            ]  # fmt: skip

    return headers, rows()


@login_required
def lead_export(request):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    headers, rows = lead_rows(request.user, find_leads(request.user, filter_from(request.GET)))
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(fmt, headers, rows, "leads", _("Leads"))


@login_required
def lead_create(request):
    form = LeadForm(request.POST or None, initial={"channel": Channel.objects.filter(code="events").first()})
    if request.method == "POST" and form.is_valid():
        try:
            with audit.source("ui"):
                result = services.intake_one(request.user, form.service_data(), path="form")
        except ValidationFailed as exc:
            _apply_form_errors(form, exc)
        else:
            lead = result.lead
            if result.outcome == "duplicate_lead":
                messages.warning(
                    request, _("Saved, as a duplicate of lead #%(id)s.") % {"id": lead.duplicate_of_id}
                )
            elif result.outcome == "existing_customer":
                messages.warning(request, _("Saved; this is an existing customer — its owner has been told."))
            else:
                messages.success(request, _("Lead “%(name)s” saved.") % {"name": lead})
            if "add_another" in request.POST:
                return redirect("leads:create")
            if scoped(request.user, Lead).filter(pk=lead.pk).exists():
                return redirect("leads:detail", lead.pk)
            return redirect("leads:list")
    return render(request, "leads/form.html", {"form": form, "creating": True})


@login_required
def lead_edit(request, pk: int):
    lead = get_scoped(request.user, Lead, pk=pk)
    form = LeadForm(request.POST or None, initial=LeadForm.initial_from(lead))
    if request.method == "POST" and form.is_valid():
        try:
            with audit.source("ui"):
                services.update_lead(request.user, lead, form.service_data())
        except ValidationFailed as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("leads:detail", lead.pk)
    return render(request, "leads/form.html", {"form": form, "lead": lead, "creating": False})


@login_required
def lead_detail(request, pk: int):
    qs = Lead.objects.select_related(
        "channel", "owner", "province", "city", "district", "industry", "demand_type", "created_by",
        "duplicate_of", "matched_customer", "customer",
    )  # fmt: skip
    lead = get_scoped(request.user, qs, pk=pk)
    visible = scoped(request.user, Lead).values("pk")
    matches = [
        (m, describe_reasons(m.reasons))
        for m in DedupMatch.objects.filter(lead=lead)
        .select_related("other_lead", "customer")
        .order_by("-deciding", "-score")
    ]
    duplicates = scoped(request.user, Lead).filter(duplicate_of=lead, archived_at__isnull=True)[:50]
    merges = Merge.objects.filter(kept=lead).select_related("merged", "actor")[:20]
    history = None
    if request.user.can(VIEW_AUDIT):
        history = list(audit.history(lead)[:50])
        for entry in history:
            entry.rows = audit.readable_changes(Lead, mask_changes(request.user, entry.changes))
    context = {
        "lead": lead,
        "matches": matches,
        "visible_ids": set(
            Lead.objects.filter(pk__in=[m.other_lead_id for m, _r in matches if m.other_lead_id])
            .filter(pk__in=visible)
            .values_list("pk", flat=True)
        ),
        "duplicates": duplicates,
        "merges": merges,
        "history": history,
        "can_merge": request.user.can(MERGE_LEADS),
        "extra": sorted(lead.extra.items()) if isinstance(lead.extra, dict) else [],
        "panels": lead_panels(request, lead),
    }
    return render(request, "leads/detail.html", context)


# --- Import --------------------------------------------------------------------------------


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "lead-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@login_required
def import_upload(request):
    if not request.user.can(IMPORT_LEADS):
        raise Forbidden(_("Your role may not import leads."))
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
        with tempfile.NamedTemporaryFile(dir=_import_dir(), suffix=suffix, delete=False) as f:
            for chunk in upload.chunks():
                f.write(chunk)
        try:
            run = imports.start_run(request.user, f.name, upload.name, form.cleaned_data["channel"])
        except ValidationFailed as exc:
            _apply_form_errors(form, exc)
        else:
            return redirect("leads:import_map", run.pk)
    runs = ImportRun.objects.filter(created_by=request.user)[:10]
    return render(request, "leads/import_upload.html", {"form": form, "runs": runs})


def _own_run(request, pk) -> ImportRun:
    if not request.user.can(IMPORT_LEADS):
        raise Forbidden(_("Your role may not import leads."))
    return get_scoped(request.user, ImportRun, pk=pk)


@login_required
def import_map(request, pk: int):
    run = _own_run(request, pk)
    if run.status != ImportRun.Status.MAPPING:
        return redirect("leads:import_done", run.pk)
    error = ""
    if request.method == "POST":
        mapping = {h: request.POST.get(f"col-{i}", "") for i, h in enumerate(run.headers)}
        run.mapping = {h: f for h, f in mapping.items() if f}
        run.save(update_fields=["mapping"])
        try:
            imports.check_mapping(run.headers, run.mapping)
            imports.queue_import(run, request.user)
        except ValidationFailed as exc:
            error = "; ".join(m for msgs in exc.fields.values() for m in msgs) or str(exc.message)
        else:
            return redirect("leads:import_done", run.pk)
    _headers, rows = imports.read_table(run.stored_path, run.filename)
    sample = [r for _i, r in zip(range(3), rows, strict=False)]
    columns = [
        (i, h, run.mapping.get(h, ""), [r[i] if i < len(r) else "" for r in sample])
        for i, h in enumerate(run.headers)
    ]
    targets = [(f, Lead._meta.get_field(f).verbose_name) for f in imports.TARGETS]
    return render(
        request, "leads/import_map.html", {"run": run, "columns": columns, "targets": targets, "error": error}
    )


@login_required
def import_done(request, pk: int):
    run = _own_run(request, pk)
    fmt = request.GET.get("report")
    if fmt in ("csv", "xlsx"):
        headers, rows = imports.error_report(run)
        return export_response(fmt, headers, rows, f"rejected-rows-{run.pk}", _("Rejected rows"))
    if request.method == "POST" and run.status == ImportRun.Status.FAILED:
        imports.queue_import(run, request.user)  # again: rows imported before are skipped
        return redirect("leads:import_done", run.pk)
    if request.htmx and run.status != ImportRun.Status.RUNNING:
        return HttpResponseClientRefresh()  # finished while the page was polling: show the result
    failure = [e for e in run.errors if not e["row"]]
    rows = [e for e in run.errors if e["row"]][:50]
    context = {
        "run": run,
        # A run that has not started while no worker beats: say so instead of spinning for ever.
        "worker_missing": run.status == ImportRun.Status.RUNNING
        and not run.total
        and not worker_seen_within(),
        "errors": [{"row": e["row"], "errors": imports.readable_errors(e["errors"])} for e in rows],
        "failure": [m for e in failure for _f, msgs in imports.readable_errors(e["errors"]) for m in msgs],
    }
    return render(request, "leads/import_done.html", context)


# --- Duplicates ------------------------------------------------------------------------------


@login_required
def review(request):
    if not request.user.can(MERGE_LEADS):
        raise Forbidden(_("Your role may not merge leads."))
    page = Paginator(dedup_services.review_queue(request.user), 30).get_page(request.GET.get("page"))
    items = [(m, describe_reasons(m.reasons)) for m in page.object_list]
    merges = scoped(request.user, Merge).select_related("kept", "merged", "actor")[:20]
    return render(request, "leads/review.html", {"page": page, "items": items, "merges": merges})


@login_required
@require_POST
def merge(request):
    match_id = request.POST.get("match", "")
    match = None
    try:
        if match_id.isdigit():
            match = get_scoped(request.user, DedupMatch, pk=int(match_id))
            kept_id, merged_id = (
                (match.other_lead_id, match.lead_id)
                if request.POST.get("keep") != "lead"
                else (match.lead_id, match.other_lead_id)
            )
        else:
            kept_id, merged_id = int(request.POST.get("kept", "0")), int(request.POST.get("merged", "0"))
        with audit.source("ui"):
            dedup_services.merge(request.user, kept_id, merged_id, match)
    except (ServiceError, ValueError) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
    else:
        messages.success(request, _("Merged. The other lead is archived; you can undo this."))
        return redirect("leads:detail", kept_id)
    return redirect(request.POST.get("next") or "leads:review")


@login_required
@require_POST
def unmerge(request, pk: int):
    try:
        with audit.source("ui"):
            record = dedup_services.undo(request.user, pk)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("leads:review")
    messages.success(request, _("Merge undone."))
    return redirect("leads:detail", record.merged_id)


@login_required
@require_POST
def dismiss(request, pk: int):
    match = get_scoped(request.user, DedupMatch, pk=pk)
    try:
        dedup_services.dismiss(request.user, match)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    return redirect("leads:review")


# --- Public capture endpoint -----------------------------------------------------------------


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _cors(response, form, origin: str):
    if form is not None and capture_service.origin_allowed(form, origin):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "3600"
        response["Vary"] = "Origin"
    return response


@csrf_exempt
def capture(request, key: str):
    """POST a lead from a website form (JSON or form-encoded); OPTIONS answers CORS preflight."""
    origin = request.headers.get("Origin", "")
    try:
        form = capture_service.form_for(key)
    except ServiceError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    if request.method == "OPTIONS":
        allowed = capture_service.origin_allowed(form, origin)
        return _cors(HttpResponse(status=204 if allowed else 403), form, origin)
    if request.method != "POST":
        return _cors(
            JsonResponse({"code": "method_not_allowed", "message": _("Use POST.")}, status=405), form, origin
        )
    if origin and not capture_service.origin_allowed(form, origin):
        return JsonResponse(
            {"code": "forbidden", "message": _("This site may not post to this form.")}, status=403
        )
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body.decode("utf-8") or "{}")
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            body = {"code": "bad_request", "message": _("Send a JSON object.")}
            return _cors(JsonResponse(body, status=400), form, origin)
    else:
        data = {k: request.POST.get(k) for k in request.POST}
    try:
        result = capture_service.capture(form, data, _client_ip(request))
    except ServiceError as exc:
        return _cors(JsonResponse(exc.as_dict(), status=exc.status), form, origin)
    body = {"ok": True, "message": _("Thank you, we will be in touch.")}
    if result is not None:
        body["reference"] = result.lead.pk
    return _cors(JsonResponse(body, status=201), form, origin)
