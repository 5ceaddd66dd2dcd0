"""Several workers routing at once share one fair rotation (the cursor row is locked)."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection

from kehu.accounts.models import Role, User
from kehu.assignment import services
from kehu.assignment.models import StrategyCursor
from kehu.leads.models import Lead
from kehu.pool.models import OwnershipEvent

WORKERS = 4
BATCHES = 5
BATCH = 3  # not a multiple of the people: only a shared rotation gives everyone the same


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_take_turns_on_one_cursor(org, make_lead, monkeypatch):
    role = Role.objects.get(code="salesperson")
    people = [User.objects.create_user(f"turn{i}", role=role, name=f"轮{i}") for i in range(4)]
    manager = org.manager_east
    rule_set = services.activate_rule_set(manager, services.create_rule_set(manager, {"name": "并发"}))
    rule = services.create_rule(manager, rule_set, {"name": "轮流", "users": [p.pk for p in people]})
    batches = [[make_lead().pk for _ in range(BATCH)] for _ in range(WORKERS * BATCHES)]
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)
    # Widen the window between reading the cursor and writing it back, so that workers
    # really overlap: only the row lock keeps them from reading the same turn.
    from kehu.assignment.services import routing

    save = routing._save_cursors

    def slow_save(store):
        time.sleep(0.05)
        save(store)

    monkeypatch.setattr(routing, "_save_cursors", slow_save)

    def worker(n: int):
        try:
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 300000")
            for ids in batches[n::WORKERS]:
                leads = list(Lead.objects.filter(pk__in=ids).order_by("pk"))
                start.wait()  # every round, all workers route at the same moment
                services.route_leads(leads)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    total = WORKERS * BATCHES * BATCH
    owners = Counter(Lead.objects.filter(owner__isnull=False).values_list("owner_id", flat=True))
    # Every lead routed once, and the shared rotation gave everyone exactly the same number.
    assert sum(owners.values()) == total
    assert owners == dict.fromkeys((p.pk for p in people), total // len(people))
    assert OwnershipEvent.objects.filter(kind="assign").count() == total
    assert StrategyCursor.objects.get(rule=rule, group="").served == total
