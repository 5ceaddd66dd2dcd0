"""Customer rules: every path (UI, API, CLI, tasks) creates and changes customers here."""

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.accounts import scope
from kehu.accounts.capabilities import DELETE_CUSTOMERS, MANAGE_CATALOGUES
from kehu.accounts.models import Scope
from kehu.core import audit, clock
from kehu.core.errors import Forbidden, ValidationFailed

from . import timeline
from .models import Collaborator, Contact, Customer, Tag
from .validation import clean_contact, clean_customer

AUDITED_M2M = ["tags", "collaborators"]


def _check_assignable(actor, user_id: int | None, field: str) -> None:
    """Owners and collaborators must be active people the actor can see."""
    if user_id is None:
        return
    from kehu.accounts.models import User

    if not User.objects.filter(pk=user_id, is_active=True).exists() or not scope.can_see_user(actor, user_id):
        raise ValidationFailed(fields={field: [_("You cannot give customers to this user.")]})


@transaction.atomic
def create_customer(actor, data: dict) -> Customer:
    values = clean_customer(data)
    tags = values.pop("tags", [])
    owner_id = data.get("owner", actor.pk if actor else None) or None
    if owner_id is None and actor is not None and actor.scope == Scope.OWN:
        raise ValidationFailed(fields={"owner": [_("Choose an owner: you only see your own customers.")]})
    _check_assignable(actor, owner_id, "owner")
    now = clock.now()
    customer = Customer.objects.create(
        owner_id=owner_id, created_by=actor, created_at=now, updated_at=now, **values
    )
    if tags:
        customer.tags.set(tags)
    for user_id in data.get("collaborators") or []:
        _check_assignable(actor, user_id, "collaborators")
        Collaborator.objects.get_or_create(customer=customer, user_id=user_id)
    for contact in data.get("contacts") or []:
        add_contact(actor, customer, contact, log=False)
    audit.record(actor, customer, "create", audit.diff({}, audit.snapshot(customer, m2m=AUDITED_M2M)))
    timeline.record(customer, timeline.CREATED, actor=actor, at=now)
    return customer


@transaction.atomic
def update_customer(actor, customer: Customer, data: dict) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = audit.snapshot(customer, m2m=AUDITED_M2M)
    values = clean_customer(data, instance=customer)
    tags = values.pop("tags", None)
    if "owner" in data and (data["owner"] or None) != customer.owner_id:
        _check_assignable(actor, data["owner"] or None, "owner")
        old_owner = str(customer.owner or "—")
        customer.owner_id = data["owner"] or None
        customer.save(update_fields=["owner"])
        timeline.record(
            customer,
            timeline.OWNER_CHANGE,
            actor=actor,
            data={"old": old_owner, "new": str(customer.owner or "—")},
        )
    if values.get("type") and values["type"] != Customer.Type.LOST:
        values.setdefault("lost_reason", None)
    for field, value in values.items():
        setattr(customer, field, value)
    customer.updated_at = clock.now()
    customer.save()
    if tags is not None:
        customer.tags.set(tags)
    if "collaborators" in data:
        wanted = set(data["collaborators"] or [])
        for user_id in wanted - set(customer.collaborator_links.values_list("user_id", flat=True)):
            _check_assignable(actor, user_id, "collaborators")
        customer.collaborator_links.exclude(user_id__in=wanted).delete()
        for user_id in wanted:
            Collaborator.objects.get_or_create(customer=customer, user_id=user_id)
    audit.record(actor, customer, "update", audit.diff(before, audit.snapshot(customer, m2m=AUDITED_M2M)))
    return customer


@transaction.atomic
def delete_customer(actor, customer: Customer) -> None:
    """Soft delete: the record disappears from every list but its history stays."""
    if not actor.can(DELETE_CUSTOMERS):
        raise Forbidden(_("Your role may not delete customers."))
    Customer.all_objects.filter(pk=customer.pk).update(deleted_at=clock.now())
    audit.record(actor, customer, "delete", {})


@transaction.atomic
def restore_customer(actor, customer_id: int) -> Customer:
    if not actor.can(DELETE_CUSTOMERS):
        raise Forbidden(_("Your role may not restore customers."))
    customer = Customer.all_objects.get(pk=customer_id)
    customer.deleted_at = None
    customer.save(update_fields=["deleted_at"])
    audit.record(actor, customer, "restore", {})
    return customer


def touch_contact(customer_id: int, at=None) -> None:
    """Another domain (follow-ups, calls) tells us the customer was just contacted."""
    at = at or clock.now()
    Customer.all_objects.filter(pk=customer_id).exclude(last_contact_at__gt=at).update(last_contact_at=at)


# --- Contacts ------------------------------------------------------------------------------


def add_contact(actor, customer: Customer, data: dict, *, log: bool = True) -> Contact:
    values = clean_contact(data)
    contact = Contact.objects.create(customer=customer, **values)
    if log:
        audit.record(actor, contact, "create", audit.diff({}, audit.snapshot(contact)))
    return contact


@transaction.atomic
def update_contact(actor, contact: Contact, data: dict) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)  # the caller's copy may be edited
    before = audit.snapshot(contact)
    for field, value in clean_contact(data, instance=contact).items():
        setattr(contact, field, value)
    contact.save()
    audit.record(actor, contact, "update", audit.diff(before, audit.snapshot(contact)))
    return contact


@transaction.atomic
def delete_contact(actor, contact: Contact) -> None:
    audit.record(actor, contact, "delete", audit.snapshot(contact))
    contact.delete()


# --- Tags ----------------------------------------------------------------------------------


def create_tag(actor, name: str, color: str = "") -> Tag:
    if not actor.can(MANAGE_CATALOGUES):
        raise Forbidden()
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    if Tag.objects.filter(name=name).exists():
        raise ValidationFailed(fields={"name": [_("A tag with this name already exists.")]})
    return Tag.objects.create(name=name, color=color or "#5b6b7f")


def add_note(actor, customer: Customer, kind: str, title: str, body: str = ""):
    """A note or consultation written by a person on the customer's timeline."""
    if kind not in (timeline.NOTE, timeline.CONSULTATION):
        raise ValidationFailed(fields={"kind": [_("Choose note or consultation.")]})
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(fields={"title": [_("This field is required.")]})
    return timeline.record(customer, kind, title[:200], actor=actor, body=(body or "").strip())


def set_value_tiers(source_sql: str, params=(), *, clear_missing: bool = False) -> int:
    """Set customers' value tiers from ``source_sql`` rows (customer_id, tier), set-based.

    Called by the sales domain with the tiers that changed when it recomputes RFM figures
    ('' for a customer who no longer has a tier). Only rows whose tier differs are written;
    returns their count. With ``clear_missing`` the source is complete: customers not in it
    lose their tier.
    """
    from django.db import connection

    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value_tier = s.tier FROM ({source_sql}) AS s "  # noqa: S608 - internal SQL
            f"WHERE {table}.id = s.customer_id AND {table}.value_tier <> s.tier",
            params,
        )
        changed = cursor.rowcount
        if clear_missing:
            cursor.execute(
                f"UPDATE {table} SET value_tier = '' WHERE value_tier <> '' AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM ({source_sql}) AS s WHERE s.customer_id = {table}.id)",
                params,
            )
            changed += cursor.rowcount
        return changed
