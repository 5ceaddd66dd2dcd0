"""Keep customers' blocking keys current (the customers app knows nothing of de-duplication)."""

from django.db.models import Q

from . import store
from .models import CUSTOMER, DedupKey


def _reindex(customer_id: int) -> None:
    # Now, not on commit: the lead arriving next in the same transaction must find it. A
    # customer created with contacts is re-indexed once per contact (a few small writes).
    store.index_customers([customer_id])


def customer_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reindex(instance.pk)


def contact_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.customer_id:
        _reindex(instance.customer_id)


def customers_generated(sender, customers, contacts, **kwargs):
    """Keys of customers written in bulk (``customers.bulk``), computed where they were made."""
    items = [(c.id, store.keys_of(store.customer_record(c, contacts.get(c.id, ())))[1]) for c in customers]
    return [(DedupKey, store.KEY_FIELDS, store.key_rows(CUSTOMER, items))]


def customer_deleted(sender, instance, **kwargs):
    store.drop_keys(CUSTOMER, [instance.pk])


def match_scope_rule(user, ids):
    if ids is None:
        return None
    return Q(lead__owner_id__in=ids)


def merge_scope_rule(user, ids):
    if ids is None:
        return None
    return Q(kept__owner_id__in=ids)
