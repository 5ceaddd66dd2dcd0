"""What intake tells people: the owner of an existing customer a new lead matched."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.customers import timeline
from kehu.messaging import services as messaging
from kehu.messaging.models import Notification

NORMAL = Notification.Level.NORMAL

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


CUSTOMER_LEADS = messaging.register_kind(
    "leads_match_customers",
    _("Leads for your customers"),
    _("%(count)s new leads match your customers"),
)


def customers_matched(pairs, actor) -> None:
    """Leads that turned out to be existing customers: a timeline entry on each customer, and
    a notification to each owner (one per batch when an import brings several)."""
    from kehu.customers.models import Customer

    customers = {
        c["pk"]: c
        for c in Customer.objects.filter(pk__in={lead.matched_customer_id for lead, _r in pairs}).values(
            "pk", "name", "owner_id"
        )
    }
    by_owner: dict[int, list] = {}
    entries = []
    for lead, result in pairs:
        customer = customers.get(lead.matched_customer_id)
        if customer is None:
            continue
        data = {
            "lead": str(lead),
            "channel": lead.channel.name,
            "score": f"{round((result.score or 0) * 100)}%",
            "reasons": result.reasons,
        }
        entries.append({"customer": customer["pk"], "data": data, "ref_type": "lead", "ref_id": lead.pk})
        if customer["owner_id"]:
            by_owner.setdefault(customer["owner_id"], []).append((lead, customer))
    timeline.record_many(LEAD_MATCHED, entries, actor=actor)
    now = clock.now()
    notices = []
    for owner_id, items in by_owner.items():
        if len(items) == 1:
            lead, customer = items[0]
            data = {"lead": str(lead), "channel": lead.channel.name, "customer": customer["name"]}
            notices.append(
                (owner_id, CUSTOMER_LEAD, NORMAL, data, reverse("leads:detail", args=[lead.pk]), now)
            )
        else:
            url = reverse("leads:list") + "?dedup=customer&owner=me"
            notices.append((owner_id, CUSTOMER_LEADS, NORMAL, {"count": len(items)}, url, now))
    messaging.notify_many(notices)  # one insert for every owner told by this batch
