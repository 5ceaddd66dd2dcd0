"""Lead → customer (+ contact, + an optional opportunity through ``lead_converted``)."""

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import Conflict, Forbidden

from ..capabilities import MANAGE_POOLS
from ..models import OwnershipEvent, Target, Tenure


def customer_values(lead) -> dict:
    """The customer fields a lead carries over (its channel and history stay linked)."""
    company = lead.kind == "company" or bool(lead.company)
    values = {
        "kind": "company" if company else "person",
        "name": (lead.company if company else lead.name) or lead.name or lead.company or str(lead),
        "phone": lead.phone,
        "email": lead.email,
        "address": lead.address,
        "province": lead.province_id,
        "city": lead.city_id,
        "district": lead.district_id,
        "industry": lead.industry_id,
        "notes": lead.notes,
    }
    if company:
        values["credit_code"] = lead.credit_code
        if lead.company_size:
            values["size"] = lead.company_size
    else:
        values["id_number"] = lead.id_number
    return {k: v for k, v in values.items() if v not in (None, "")}


def contact_values(lead) -> dict | None:
    if not lead.name or not (lead.kind == "company" or lead.company):
        return None
    return {
        "name": lead.name,
        "title": lead.title,
        "mobile": lead.phone,
        "email": lead.email,
        "wechat": lead.wechat,
        "is_key_person": True,
    }


@transaction.atomic
def convert(lead, actor, *, customer=None, overrides: dict | None = None, opportunity: dict | None = None):
    """Turn an owned lead into a customer (or attach it to ``customer``), keep the link and
    its channel, record the conversion in the ledger and on the customer's timeline, and
    send ``lead_converted`` (the sales domain opens ``opportunity`` if given).

    Only the lead's owner or a pool manager may convert. Returns the customer.
    """
    from kehu.customers import services as customers
    from kehu.customers import timeline
    from kehu.leads.models import Lead
    from kehu.leads.signals import lead_converted

    from .notify import record_url  # noqa: F401 - keeps URL names checked at import

    now = clock.now()
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == Lead.Status.CONVERTED:
        raise Conflict(_("This lead is already converted."), code="already_converted")
    if lead.status == Lead.Status.INVALID or lead.archived_at:
        raise Conflict(_("An invalid or merged lead cannot be converted."), code="lead_closed")
    if lead.owner_id != getattr(actor, "pk", None) and not (actor and actor.can(MANAGE_POOLS)):
        raise Forbidden(_("Only the lead's owner or a pool manager may convert it."))
    owner_id = lead.owner_id or getattr(actor, "pk", None)
    if customer is None:
        data = {**customer_values(lead), **(overrides or {}), "owner": owner_id}
        customer = customers.create_customer(actor, data)
        contact = contact_values(lead)
        if contact:
            customers.add_contact(actor, customer, {k: v for k, v in contact.items() if v not in (None, "")})
    Lead.objects.filter(pk=lead.pk).update(
        status=Lead.Status.CONVERTED, customer=customer, converted_at=now, updated_at=now
    )
    lead.status, lead.customer, lead.converted_at = Lead.Status.CONVERTED, customer, now
    Tenure.objects.filter(lead_id=lead.pk).update(
        follow_up_due=None, convert_due=None, due=None, reminder_stage=0
    )
    OwnershipEvent.objects.create(
        kind=OwnershipEvent.Kind.CONVERT,
        lead_id=lead.pk,
        customer_id=customer.pk,
        actor=actor if getattr(actor, "pk", None) else None,
        from_user_id=lead.owner_id,
        to_user_id=customer.owner_id,
        at=now,
        data={"channel": lead.channel_id},
    )
    timeline.record(
        customer,
        CONVERTED,
        actor=actor,
        at=now,
        data={"lead": str(lead), "channel": str(lead.channel)},
        ref_type="lead",
        ref_id=lead.pk,
    )
    if customer.owner_id:
        _start_customer_tenure(customer, now)
    lead_converted.send(sender=Lead, lead=lead, customer=customer, actor=actor, opportunity=opportunity)
    return customer


def _start_customer_tenure(customer, now) -> None:
    """A converted customer falls under the customer pool's rules from now on."""
    from .ownership import _start_tenure, default_pool

    pool = default_pool(Target.CUSTOMER, customer)
    tenure, _created = Tenure.objects.get_or_create(customer_id=customer.pk)
    if pool is not None:
        _start_tenure(tenure, customer, customer.owner, now, pool)


def _register_timeline():
    from django.utils.translation import gettext_lazy

    from kehu.customers import timeline

    return timeline.register_kind(
        "lead_converted",
        gettext_lazy("From a lead"),
        gettext_lazy("Converted from the lead %(lead)s (%(channel)s)"),
    )


CONVERTED = _register_timeline()
