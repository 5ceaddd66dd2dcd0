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
