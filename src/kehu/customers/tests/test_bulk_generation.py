"""Demo customers generated in bulk: in a second process, in one transaction with the
indexes built at the end, and with the de-duplication keys a save would have given them."""

from django.db import connection

from kehu.accounts import demo as accounts_demo
from kehu.core import forked
from kehu.customers import demo
from kehu.customers.models import Contact, Customer
from kehu.dedup import store
from kehu.dedup.models import CUSTOMER, DedupKey

real_from_children = forked.from_children


def _keys() -> set[tuple[int, int]]:
    return set(DedupKey.objects.filter(record_type=CUSTOMER).values_list("record_id", "key"))


def _snapshot() -> list[tuple]:
    return list(Customer.objects.order_by("pk").values_list("pk", "name", "phone", "owner_id", "city_id"))


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        return {
            name
            for model in (Customer, Contact, DedupKey)
            for name, info in connection.introspection.get_constraints(cursor, model._meta.db_table).items()
            if info["index"]
        }


def test_forked_one_transaction_load_writes_what_a_plain_load_does_with_the_keys(db, monkeypatch):
    accounts_demo.build()
    indexes = _indexes()
    monkeypatch.setattr(demo, "FORK_FROM", 1)
    monkeypatch.setattr(demo, "ONE_GO_FROM", 1)
    monkeypatch.setattr(demo, "CHUNK", 70)  # several chunks
    children = []
    monkeypatch.setattr(
        forked,
        "from_children",
        lambda produces: children.append(len(produces)) or real_from_children(produces),
    )
    assert demo.generate(300, seed=11) == 300
    assert children == ([2] if forked.two_processes() else [])
    forked_rows, forked_keys = _snapshot(), _keys()
    assert len(forked_rows) == 300 and _indexes() == indexes  # every index is back
    assert Contact.objects.filter(customer__kind="company").exists()

    # The keys are exactly those the engine writes for a saved customer and its contacts.
    DedupKey.objects.filter(record_type=CUSTOMER).delete()
    store.index_customers([row[0] for row in forked_rows], new=True)
    assert forked_keys == _keys() and len({pk for pk, _ in forked_keys}) == 300

    # The same seed in this process, chunk by chunk, makes the same customers.
    Customer.all_objects.all().delete()
    DedupKey.objects.all().delete()
    monkeypatch.setattr(demo, "FORK_FROM", 10**9)
    monkeypatch.setattr(demo, "ONE_GO_FROM", 10**9)
    assert demo.generate(300, seed=11) == 300
    plain = _snapshot()
    offset = plain[0][0] - forked_rows[0][0]
    assert [(pk - offset, *rest) for pk, *rest in plain] == forked_rows
    assert {(pk - offset, key) for pk, key in _keys()} == forked_keys
