from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.capabilities import DELETE_CUSTOMERS, EXPORT, VIEW_AUDIT
from kehu.accounts.masking import mask_changes
from kehu.accounts.models import User
from kehu.accounts.scope import get_scoped, visible_user_ids
from kehu.core import audit
from kehu.core.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from kehu.core.exports import export_response
from kehu.core.models import Region

from . import panels, services, timeline
from .exports import customer_rows
from .forms import ContactForm, CustomerForm, NoteForm
from .models import Contact, Customer, Tag
from .queries import SORTS, CustomerFilter, find_customers

PAGE_SIZE = 50
FILTER_FIELDS = ("q", "owner", "type", "kind", "value_tier", "tag", "province", "city", "sort")


def _filter_from(request) -> CustomerFilter:
    get = request.GET
    flt = CustomerFilter(
        q=get.get("q", "")[:100],
        owner=get.get("owner", ""),
        type=get.get("type", ""),
        kind=get.get("kind", ""),
        value_tier=get.get("value_tier", ""),
        sort=get.get("sort", "") if get.get("sort") in SORTS else "last_contact",
    )
    for name in ("tag", "province", "city"):
        value = get.get(name, "")
        setattr(flt, name, int(value) if value.isdigit() and len(value) < 18 else None)
    if flt.owner not in ("", "me", "none") and not (flt.owner.isdigit() and len(flt.owner) < 18):
        flt.owner = ""
    for name, choices in (
        ("type", Customer.Type),
        ("kind", Customer.Kind),
        ("value_tier", Customer.ValueTier),
    ):
        if getattr(flt, name) not in choices.values:
            setattr(flt, name, "")
    return flt


def _apply_form_errors(form, exc: ValidationFailed):
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
def customer_list(request):
    flt = _filter_from(request)
    qs = (
        find_customers(request.user, flt).select_related("owner", "city", "district").prefetch_related("tags")
    )
    paginator = Paginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ids = visible_user_ids(request.user)
    owners = User.objects.filter(is_active=True) if ids is None else User.objects.filter(pk__in=ids)
    context = {
        "page": page,
        "filter": flt,
        "sorts": SORTS,
        "owners": owners.order_by("name"),
        # Someone who only sees their own customers has nothing to choose between.
        "show_owner_filter": ids is None or len(ids) > 1,
        "types": Customer.Type.choices,
        "kinds": Customer.Kind.choices,
        "tiers": Customer.ValueTier.choices,
        "tags": Tag.objects.all(),
        "provinces": Region.objects.filter(level=1),
        "filtered": any(request.GET.get(f) for f in FILTER_FIELDS if f != "sort"),
        "can_export": request.user.can(EXPORT),
        "querystring": request.GET.urlencode(),
    }
    template = (
        "customers/_results.html" if request.htmx and not request.htmx.boosted else "customers/list.html"
    )
    return render(request, template, context)


@login_required
def customer_export(request):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    fmt = request.GET.get("format", "csv")
    headers, rows = customer_rows(request.user, find_customers(request.user, _filter_from(request)))
    return export_response("xlsx" if fmt == "xlsx" else "csv", headers, rows, "customers", _("Customers"))


@login_required
def customer_create(request):
    form = CustomerForm(
        request.POST or None,
        user=request.user,
        initial={"kind": request.GET.get("kind", "person"), "type": "potential", "owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.create_customer(request.user, form.service_data())
        except ValidationFailed as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("Customer “%(name)s” created.") % {"name": customer.name})
            if "add_another" in request.POST:
                return redirect("customers:create")
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/form.html", {"form": form, "creating": True})


@login_required
def customer_edit(request, pk: int):
    customer = get_scoped(request.user, Customer, pk=pk)
    form = CustomerForm(request.POST or None, user=request.user, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_customer(request.user, customer, form.service_data())
        except ValidationFailed as exc:
            _apply_form_errors(form, exc)
        except (Conflict, Forbidden) as exc:  # the new owner's quota, leave, cooling-off …
            form.add_error("owner", exc.message)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer, "creating": False})


@login_required
def customer_detail(request, pk: int):
    qs = Customer.objects.select_related(
        "owner",
        "province",
        "city",
        "district",
        "industry",
        "dealer",
        "sales_region",
        "lost_reason",
        "created_by",
    ).prefetch_related("tags", "collaborators", Prefetch("contacts", queryset=Contact.objects.all()))
    customer = get_scoped(request.user, qs, pk=pk)
    kind = request.GET.get("kind", "")
    entries = customer.timeline.select_related("actor")
    if kind:
        entries = entries.filter(kind=kind)
    # order_by(): the default ordering would make DISTINCT repeat kinds
    kinds_present = customer.timeline.order_by().values_list("kind", flat=True).distinct()
    context = {
        "customer": customer,
        "entries": [(e, timeline.describe(e), timeline.label(e.kind)) for e in entries[:100]],
        "kinds": [(k, timeline.label(k)) for k in kinds_present],
        "kind": kind,
        "history": _history(request.user, customer),
        "note_form": NoteForm(),
        "contact_form": ContactForm(),
        "can_delete": request.user.can(DELETE_CUSTOMERS),
        "panels": panels.render_all(request, customer),
    }
    if request.htmx and request.htmx.target == "timeline":
        return render(request, "customers/_timeline.html", context)
    return render(request, "customers/detail.html", context)


def _history(user, customer):
    if not user.can(VIEW_AUDIT):
        return None
    entries = list(audit.history(customer)[:50])
    for entry in entries:
        entry.rows = audit.readable_changes(Customer, mask_changes(user, entry.changes))
    return entries


@login_required
@require_POST
def customer_delete(request, pk: int):
    customer = get_scoped(request.user, Customer, pk=pk)
    try:
        services.delete_customer(request.user, customer)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("customers:detail", pk)
    messages.success(request, _("Customer “%(name)s” deleted.") % {"name": customer.name})
    return redirect("customers:list")


@login_required
@require_POST
def note_add(request, pk: int):
    customer = get_scoped(request.user, Customer, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.add_note(
            request.user,
            customer,
            form.cleaned_data["kind"],
            form.cleaned_data["title"],
            form.cleaned_data["body"],
        )
        messages.success(request, _("Added to the timeline."))
    else:
        messages.error(request, _("Write a summary first."))
    return redirect("customers:detail", pk)


@login_required
def contact_form(request, pk: int, contact_id: int | None = None):
    customer = get_scoped(request.user, Customer, pk=pk)
    contact = get_scoped(request.user, Contact, pk=contact_id, customer=customer) if contact_id else None
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            if contact:
                services.update_contact(request.user, contact, data)
            else:
                services.add_contact(request.user, customer, data)
        except ValidationFailed as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("customers:detail", pk)
    return render(
        request, "customers/contact_form.html", {"form": form, "customer": customer, "contact": contact}
    )


@login_required
@require_POST
def contact_delete(request, pk: int, contact_id: int):
    customer = get_scoped(request.user, Customer, pk=pk)
    contact = get_scoped(request.user, Contact, pk=contact_id, customer=customer)
    services.delete_contact(request.user, contact)
    messages.success(request, _("Contact removed."))
    return redirect("customers:detail", pk)


@login_required
def region_options(request):
    """<option>s for the city or district select after the parent region changes (htmx)."""
    parent = request.GET.get("province") or request.GET.get("city") or ""
    level = 2 if "province" in request.GET else 3
    regions = (
        Region.objects.filter(parent_id=parent, level=level) if parent.isdigit() and len(parent) < 18 else []
    )
    return render(request, "customers/_region_options.html", {"regions": regions})
