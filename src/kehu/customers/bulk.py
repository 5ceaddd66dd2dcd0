"""Customers written in bulk (demo data, benchmarks), without a model save per customer.

No ``post_save`` fires for them, so an app that keeps rows derived from customers (the
de-duplication keys) listens to ``generated`` instead. It is sent where the customers are
generated, which may be a forked process without a database connection, with the new
customers as plain records (the fields of ``RECORD_FIELDS``, ``owner_id``, and ``city`` with
a ``name``) and their contacts (``name``, ``mobile``, ``phone``, ``email``,
``is_key_person``; key people first) by customer id. Each receiver answers with the rows to
insert beside the customers, in the same transaction: a list of ``(model, fields, rows)``.
"""

from django.dispatch import Signal

RECORD_FIELDS = ("id", "kind", "name", "phone", "email", "id_number", "credit_code", "address")

generated = Signal()


def derived_rows(customers: list, contacts: dict[int, list]) -> list[tuple]:
    """What the receivers of ``generated`` want written for these customers."""
    out: list[tuple] = []
    for _receiver, rows in generated.send(sender=None, customers=customers, contacts=contacts):
        out.extend(rows or ())
    return out
