"""Panels: the leads panel on the customer page, and the registry of panels on the lead page.

Other domains (pool: protection time and ownership history; activities: follow-ups) add
sections to the lead page with ``register_lead_panel(order, fn)`` where
``fn(request, lead) -> html | None`` — leads never imports them.
"""

from collections.abc import Callable

from django.db.models import Q
from django.template.loader import render_to_string

from kehu.accounts.scope import scoped
from kehu.customers import panels

from .models import Lead


def customer_leads(request, customer):
    leads = list(
        scoped(request.user, Lead)
        .filter(Q(matched_customer=customer) | Q(customer=customer))
        .select_related("channel")[:20]
    )
    if not leads:
        return None
    return render_to_string(
        "leads/_customer_panel.html", {"leads": leads, "customer": customer}, request=request
    )


panels.register(30, customer_leads)


_LEAD_PANELS: list[tuple[int, Callable]] = []


def register_lead_panel(order: int, fn: Callable) -> None:
    if fn not in [f for _o, f in _LEAD_PANELS]:
        _LEAD_PANELS.append((order, fn))
        _LEAD_PANELS.sort(key=lambda item: item[0])


def lead_panels(request, lead) -> list[str]:
    return [html for _order, fn in _LEAD_PANELS if (html := fn(request, lead))]
