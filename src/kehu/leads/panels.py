"""The leads panel on the customer page: leads that matched or became this customer."""

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
