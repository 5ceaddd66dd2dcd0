"""The pool panel on the customer page: protection time, claim/release, ownership history."""

from django.template.loader import render_to_string

from .capabilities import MANAGE_POOLS
from .models import OwnershipEvent, Tenure
from .services import claim_refusal


def customer_panel(request, customer):
    tenure = Tenure.objects.select_related("pool").filter(customer=customer).first()
    events = list(
        OwnershipEvent.objects.filter(customer=customer).select_related(
            "actor", "from_user", "to_user", "pool"
        )[:50]
    )
    if tenure is None and not events:
        return None
    user = request.user
    refusal = claim_refusal(user, customer) if customer.owner_id is None else None
    return render_to_string(
        "pool/_customer_panel.html",
        {
            "customer": customer,
            "tenure": tenure,
            "events": events,
            "refusal": refusal,
            "can_claim": customer.owner_id is None and refusal is None,
            "can_release": customer.owner_id and (customer.owner_id == user.pk or user.can(MANAGE_POOLS)),
        },
        request=request,
    )


def lead_panel(request, lead):
    """Protection time and ownership history of a lead, for the leads app's lead page.

    (The leads app can register this wherever its page collects panels; the pool's own lead
    page at ``pool:lead`` shows the same plus the actions.)
    """
    tenure = Tenure.objects.select_related("pool").filter(lead=lead).first()
    events = list(
        OwnershipEvent.objects.filter(lead=lead).select_related("actor", "from_user", "to_user", "pool")[:50]
    )
    return render_to_string(
        "pool/_lead_panel.html", {"lead": lead, "tenure": tenure, "events": events}, request=request
    )
