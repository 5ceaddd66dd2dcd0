"""Pool pages: the pools (claim with one click), my leads with countdowns, a lead's
ownership page (ledger, release, transfer, convert), and pool settings for managers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.models import Department, User
from kehu.accounts.scope import department_subtree, get_scoped
from kehu.core.errors import Forbidden, NotFound, ServiceError, ValidationFailed
from kehu.customers.models import Customer
from kehu.leads.models import Lead

from . import services
from .capabilities import MANAGE_POOLS
from .forms import DisplayRuleFormSet, LimitFormSet, PolicyFormSet, PoolForm, ReasonForm
from .models import Limit, OwnershipEvent, Pool, SweepRun, Target, Tenure

PAGE_SIZE = 50


def _error_text(exc: ServiceError) -> str:
    if exc.fields:
        return "; ".join(message for messages_ in exc.fields.values() for message in messages_)
    return str(exc.message)


def _usage(user, target=Target.LEAD) -> dict:
    limits = services.limits_for(user, target)
    return {
        "claimed_today": services.claims_today([user.pk], target),
        "daily": limits.daily,
        "held": services.held_count([user.pk], target),
        "max_held": limits.held,
    }


def _pool_page(request, target, template):
    pools = services.visible_pools(request.user, target)
    chosen = request.GET.get("pool", "")
    pool = next((p for p in pools if str(p.pk) == chosen), pools[0] if pools else None)
    model = Lead if target == Target.LEAD else Customer
    page = None
    grade = request.GET.get("grade", "")
    if pool is not None:
        qs = model.objects.filter(services.pool_filter(request.user, target, pool)).select_related(
            "province", "city", "industry", "tenure", *(["channel"] if target == Target.LEAD else [])
        )
        if target == Target.LEAD and grade in Lead.Grade.values:
            qs = qs.filter(grade=grade)
        qs = qs.order_by(*services.order_for(request.user, pool))
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "pools": pools,
        "pool": pool,
        "page": page,
        "grade": grade,
        "grades": Lead.Grade.choices,
        "usage": _usage(request.user, target),
        "target": target,
        "can_manage": request.user.can(MANAGE_POOLS),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "pool/_pool_rows.html", context)
    return render(request, template, context)


@login_required
def pool_list(request):
    return _pool_page(request, Target.LEAD, "pool/list.html")


@login_required
def customer_pool(request):
    return _pool_page(request, Target.CUSTOMER, "pool/list.html")


def _claim_response(request, obj, target):
    """Claim, then answer the htmx row (or redirect for a plain form post)."""
    error = None
    try:
        services.claim(request.user, obj)
    except ServiceError as exc:
        error = exc
    if request.htmx:
        return render(
            request,
            "pool/_claim_result.html",
            {"obj": obj, "error": error, "target": target, "usage": _usage(request.user, target)},
            status=200,
        )
    if error:
        messages.error(request, error.message)
        return redirect("pool:list" if target == Target.LEAD else "pool:customers")
    messages.success(request, _("Claimed: %(record)s") % {"record": obj})
    if target == Target.LEAD:
        return redirect("pool:lead", obj.pk)
    return redirect("customers:detail", obj.pk)


@login_required
@require_POST
def claim_lead(request, pk: int):
    return _claim_response(request, get_scoped(request.user, Lead, pk=pk), Target.LEAD)


@login_required
@require_POST
def claim_customer(request, pk: int):
    return _claim_response(request, get_scoped(request.user, Customer, pk=pk), Target.CUSTOMER)


def _release(request, obj, back):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a reason."))
        return back
    try:
        services.release(request.user, obj, form.cleaned_data["reason"])
    except ServiceError as exc:
        messages.error(request, _error_text(exc))
        return back
    messages.success(request, _("Released to the pool: %(record)s") % {"record": obj})
    return back


@login_required
@require_POST
def release_lead(request, pk: int):
    lead = get_scoped(request.user, Lead, pk=pk)
    return _release(
        request, lead, redirect((request.POST.get("next") == "mine" and "pool:mine") or "pool:list")
    )


@login_required
@require_POST
def release_customer(request, pk: int):
    customer = get_scoped(request.user, Customer, pk=pk)
    return _release(request, customer, redirect("customers:detail", customer.pk))


@login_required
def my_leads(request):
    qs = (
        Lead.objects.filter(owner=request.user, status__in=[Lead.Status.ASSIGNED, Lead.Status.FOLLOWING])
        .select_related("channel", "tenure", "tenure__pool", "city")
        .order_by("tenure__due", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pool/mine.html",
        {"page": page, "usage": _usage(request.user), "reason_form": ReasonForm()},
    )


def ledger_rows(**subject):
    return OwnershipEvent.objects.filter(**subject).select_related("actor", "from_user", "to_user", "pool")[
        :200
    ]


@login_required
def lead_detail(request, pk: int):
    lead = get_scoped(
        request.user, Lead.objects.select_related("owner", "channel", "province", "city"), pk=pk
    )
    tenure = Tenure.objects.select_related("pool").filter(lead=lead).first()
    refusal = services.claim_refusal(request.user, lead) if lead.owner_id is None else None
    is_owner = lead.owner_id == request.user.pk
    can_manage = request.user.can(MANAGE_POOLS)
    return render(
        request,
        "pool/lead.html",
        {
            "lead": lead,
            "tenure": tenure,
            "events": ledger_rows(lead=lead),
            "refusal": refusal,
            "can_release": lead.owner_id and (is_owner or can_manage),
            "can_convert": lead.owner_id
            and (is_owner or can_manage)
            and lead.status not in (Lead.Status.CONVERTED, Lead.Status.INVALID),
            "can_transfer": lead.owner_id and can_manage,
            "people": User.objects.filter(is_active=True, on_leave=False).order_by("name")
            if can_manage
            else [],
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def convert_lead(request, pk: int):
    lead = get_scoped(request.user, Lead, pk=pk)
    opportunity = None
    if request.POST.get("opportunity_name"):
        opportunity = {"name": request.POST["opportunity_name"][:200]}
    try:
        customer = services.convert(lead, request.user, opportunity=opportunity)
    except ValidationFailed as exc:
        messages.error(
            request, "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items()) or exc.message
        )
        return redirect("pool:lead", lead.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("pool:lead", lead.pk)
    messages.success(request, _("Converted to the customer %(customer)s.") % {"customer": customer})
    return redirect("customers:detail", customer.pk)


@login_required
@require_POST
def transfer_lead(request, pk: int):
    lead = get_scoped(request.user, Lead, pk=pk)
    raw = request.POST.get("transfer_to", "")
    to_user = User.objects.filter(pk=int(raw) if raw.isdigit() and len(raw) < 18 else 0)
    to_user = to_user.filter(is_active=True).first()
    try:
        if to_user is None:
            raise ValidationFailed(fields={"to_user": [_("Unknown or inactive user.")]})
        services.transfer(lead, to_user, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Transferred to %(user)s.") % {"user": to_user})
    except ServiceError as exc:
        messages.error(request, _error_text(exc))
    return redirect("pool:lead", lead.pk)


# --- settings (managers) ---------------------------------------------------------------------


def _require_manager(user):
    if not user.can(MANAGE_POOLS):
        raise Forbidden()


def _manageable_departments(user):
    if user.is_superuser or user.scope == "all":
        return None
    ids = set()
    for dept_id in [user.department_id, *user.managed_departments.values_list("pk", flat=True)]:
        if dept_id:
            ids |= department_subtree(dept_id)
    return Department.objects.filter(pk__in=ids)


@login_required
def settings_index(request):
    _require_manager(request.user)
    return render(
        request,
        "pool/settings.html",
        {
            "pools": services.managed_pools(request.user),
            "runs": SweepRun.objects.all()[:10],
            "limits": Limit.objects.select_related("user", "team", "department"),
            "can_edit_limits": _manageable_departments(request.user) is None
            or _manageable_departments(request.user).exists(),
        },
    )


@login_required
def pool_edit(request, pk: int | None = None):
    _require_manager(request.user)
    pool = None
    if pk is not None:
        pool = next((p for p in services.managed_pools(request.user) if p.pk == pk), None)
        if pool is None:
            raise NotFound()
    departments = _manageable_departments(request.user)
    form = PoolForm(request.POST or None, instance=pool, departments=departments)
    policies = PolicyFormSet(request.POST or None, instance=pool or Pool(), prefix="policies")
    rules = DisplayRuleFormSet(request.POST or None, instance=pool or Pool(), prefix="rules")
    if request.method == "POST" and form.is_valid() and policies.is_valid() and rules.is_valid():
        with transaction.atomic():
            saved = form.save()
            policies.instance = saved
            policies.save()
            rules.instance = saved
            rules.save()
        messages.success(request, _("Pool saved."))
        return redirect("pool:settings")
    return render(
        request, "pool/pool_form.html", {"form": form, "policies": policies, "rules": rules, "pool": pool}
    )


@login_required
def limits_edit(request):
    """Limits and quotas. Whole-company managers edit every row; a department manager edits
    the rows of the departments they manage (with sub-departments), their teams and people."""
    _require_manager(request.user)
    departments = _manageable_departments(request.user)
    if departments is None:
        queryset = Limit.objects.all()
    else:
        dept_ids = list(departments.values_list("pk", flat=True))
        if not dept_ids:
            raise Forbidden()
        queryset = Limit.objects.filter(
            Q(department_id__in=dept_ids)
            | Q(team__department_id__in=dept_ids)
            | Q(user__department_id__in=dept_ids)
        )
    formset = LimitFormSet(
        request.POST or None,
        queryset=queryset.select_related("user", "team", "department"),
        prefix="limits",
        form_kwargs={"departments": departments},
    )
    if request.method == "POST" and formset.is_valid():
        formset.save()
        messages.success(request, _("Limits saved."))
        return redirect("pool:settings")
    return render(request, "pool/limits.html", {"formset": formset})
