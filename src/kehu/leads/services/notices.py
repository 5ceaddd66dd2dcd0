"""What intake tells people: the owner of an existing customer a new lead matched."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.customers import timeline
from kehu.messaging import services as messaging

LEAD_MATCHED = timeline.register_kind(
    "lead_matched",
    _("Lead received"),
    _("A new lead from %(channel)s matches this customer: %(lead)s (score %(score)s)"),
)
CUSTOMER_LEAD = messaging.register_kind(
    "lead_matches_customer",
    _("Lead for your customer"),
    _("A new lead %(lead)s from %(channel)s matches your customer %(customer)s"),
)


def customer_matched(lead, result, actor) -> None:
    customer = lead.matched_customer
    data = {
        "lead": str(lead),
        "channel": lead.channel.name,
        "score": f"{round((result.score or 0) * 100)}%",
        "reasons": result.reasons,
    }
    timeline.record(customer, LEAD_MATCHED, actor=actor, data=data, ref_type="lead", ref_id=lead.pk)
    if customer.owner_id:
        messaging.notify(
            [customer.owner_id],
            CUSTOMER_LEAD,
            data={"lead": str(lead), "channel": lead.channel.name, "customer": customer.name},
            url=reverse("leads:detail", args=[lead.pk]),
        )
