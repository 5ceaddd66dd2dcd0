"""Pages for managers: rule sets, the ordered rule list, the rule form, simulation; and
"why was this lead assigned" for anyone who can see the lead."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.scope import get_scoped
from kehu.core.errors import ServiceError, ValidationFailed
from kehu.leads.models import Lead

from . import explain, services
from .forms import RuleForm, RuleSetForm, new_rule_initial
from .models import Rule, RuleSet
from .services.simulation import MAX_DAYS
from .summary import describe_rules


def _manager(request):
    services.require_manager(request.user)


def _set(request, pk) -> RuleSet:
    _manager(request)
    return get_scoped(request.user, RuleSet, pk=pk)


def _rule(request, pk) -> Rule:
    _manager(request)
    return get_scoped(request.user, Rule.objects.select_related("rule_set"), pk=pk)


def _rules_context(rule_set: RuleSet) -> dict:
    rules = list(rule_set.rules.order_by("order", "id"))
    return {"rule_set": rule_set, "rows": describe_rules(rules), "count": len(rules)}


@login_required
def rule_sets(request):
    _manager(request)
    sets = list(RuleSet.objects.all().order_by("status", "-updated_at"))
    active = next((s for s in sets if s.status == RuleSet.Status.ACTIVE), None)
    context = {
        "active": active,
        "others": [s for s in sets if s is not active],
        "form": RuleSetForm(initial={"copy_from": active.pk if active else None}),
    }
    if active:
        context.update(_rules_context(active))
    return render(request, "assignment/rule_sets.html", context)


@login_required
@require_POST
def rule_set_create(request):
    _manager(request)
    form = RuleSetForm(request.POST)
    if form.is_valid():
        try:
            rule_set = services.create_rule_set(
                request.user,
                {"name": form.cleaned_data["name"], "description": form.cleaned_data["description"]},
                copy_from=form.cleaned_data["copy_from"],
            )
        except ValidationFailed as exc:
            messages.error(request, "; ".join(m for ms in exc.fields.values() for m in ms))
        else:
            messages.success(request, _("Draft “%(name)s” created.") % {"name": rule_set.name})
            return redirect("assignment:set", rule_set.pk)
    else:
        messages.error(request, _("Give the draft a name."))
    return redirect("assignment:sets")


@login_required
def rule_set_detail(request, pk: int):
    rule_set = _set(request, pk)
    if request.method == "POST":
        form = RuleSetForm(request.POST)
        form.fields["copy_from"].required = False
        if form.is_valid():
            services.update_rule_set(
                request.user,
                rule_set,
                {"name": form.cleaned_data["name"], "description": form.cleaned_data["description"]},
            )
            messages.success(request, _("Changes saved."))
            return redirect("assignment:set", pk)
    context = _rules_context(rule_set)
    context["others"] = RuleSet.objects.exclude(pk=pk)
    return render(request, "assignment/rule_set.html", context)


@login_required
@require_POST
def rule_set_activate(request, pk: int):
    rule_set = services.activate_rule_set(request.user, _set(request, pk))
    messages.success(request, _("“%(name)s” now routes new leads.") % {"name": rule_set.name})
    return redirect("assignment:set", pk)


@login_required
@require_POST
def rule_set_delete(request, pk: int):
    rule_set = _set(request, pk)
    try:
        services.delete_rule_set(request.user, rule_set)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("assignment:set", pk)
    messages.success(request, _("Rule set deleted."))
    return redirect("assignment:sets")


def _rule_form_page(request, rule_set: RuleSet, rule: Rule | None):
    extra = {} if rule else {"initial": new_rule_initial()}
    form = RuleForm(request.POST or None, instance=rule, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            if rule:
                services.update_rule(request.user, rule, form.service_data())
            else:
                rule = services.create_rule(request.user, rule_set, form.service_data())
        except ValidationFailed as exc:
            form.add_service_errors(exc.fields)
        else:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
            if "add_another" in request.POST:
                return redirect("assignment:rule_add", rule_set.pk)
            return redirect("assignment:set", rule_set.pk)
    return render(request, "assignment/rule_form.html", {"form": form, "rule_set": rule_set, "rule": rule})


@login_required
def rule_create(request, pk: int):
    return _rule_form_page(request, _set(request, pk), None)


@login_required
def rule_edit(request, pk: int):
    rule = _rule(request, pk)
    return _rule_form_page(request, rule.rule_set, rule)


def _after_change(request, rule_set: RuleSet):
    if request.htmx:
        return render(request, "assignment/_rules.html", _rules_context(rule_set))
    return redirect("assignment:set", rule_set.pk)


@login_required
@require_POST
def rule_move(request, pk: int):
    rule = _rule(request, pk)
    services.move_rule(request.user, rule, -1 if request.POST.get("direction") == "up" else 1)
    return _after_change(request, rule.rule_set)


@login_required
@require_POST
def rule_toggle(request, pk: int):
    rule = _rule(request, pk)
    services.set_rule_active(request.user, rule, not rule.active)
    return _after_change(request, rule.rule_set)


@login_required
@require_POST
def rule_delete(request, pk: int):
    rule = _rule(request, pk)
    services.delete_rule(request.user, rule)
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("assignment:set", rule.rule_set_id)


@login_required
def simulate(request, pk: int):
    rule_set = _set(request, pk)
    raw = request.GET.get("days", "30")
    days = int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_DAYS else 30
    report = services.simulate(rule_set, days=days) if "run" in request.GET else None
    top = max((row.leads for row in report.people), default=0) if report else 0
    return render(
        request,
        "assignment/simulate.html",
        {"rule_set": rule_set, "report": report, "days": days, "top": top or 1, "max_days": MAX_DAYS},
    )


@login_required
def lead_why(request, pk: int):
    """Why the lead is where it is (a fragment for the lead pages, or a page of its own)."""
    lead = get_scoped(request.user, Lead, pk=pk)
    context = {"lead": lead, "why": explain.explain(lead)}
    template = "assignment/_why.html" if request.htmx else "assignment/why.html"
    return render(request, template, context)
