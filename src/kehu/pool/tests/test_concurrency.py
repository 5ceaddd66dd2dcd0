"""Many people claiming at once, each thread on its own database connection."""

import random
import threading
from collections import Counter

import pytest
from django.db import connection

from kehu.accounts.models import Role, User
from kehu.core.errors import Conflict
from kehu.leads.models import Lead
from kehu.pool import services
from kehu.pool.models import Limit, OwnershipEvent

WORKERS = 50
LEADS = 100
KNOWN_REFUSALS = {"already_claimed", "already_yours", "daily_limit", "quota_exceeded", "not_in_pool"}


@pytest.mark.django_db(transaction=True)
def test_fifty_workers_claim_a_hundred_leads(make_lead, lead_pool):
    role = Role.objects.get(code="salesperson")
    people = [User.objects.create_user(f"racer{i}", role=role, name=f"Racer {i}") for i in range(10)]
    caps = {}
    for i, person in enumerate(people):
        if i % 2:
            Limit.objects.create(user=person, daily_claims=7)
        else:
            Limit.objects.create(user=person, max_held=6)
        caps[person.pk] = 7 if i % 2 else 6
    lead_ids = [make_lead(lead_pool).pk for _ in range(LEADS)]
    outcomes: list[tuple[int, int, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def worker(n: int):
        person = people[n % len(people)]
        order = lead_ids[:]
        random.Random(n).shuffle(order)
        try:
            if connection.vendor == "sqlite":
                # Correctness, not speed: on a loaded machine 50 writers may queue longer
                # than the default 30 s for SQLite's write lock.
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 300000")
            start.wait()
            at_cap = 0
            for lead_id in order:
                if at_cap > 2:  # a person at their limit stops after a few more refused tries
                    break
                # Like a person looking at the list: skip what is visibly taken (races remain
                # between this read and the claim).
                if not Lead.objects.filter(pk=lead_id, owner__isnull=True).exists():
                    continue
                try:
                    services.claim(person, Lead.objects.get(pk=lead_id))
                    outcomes.append((person.pk, lead_id, "won"))
                except Conflict as refusal:
                    assert refusal.message, "a refusal must say why"
                    outcomes.append((person.pk, lead_id, refusal.code))
                    at_cap += refusal.code in ("daily_limit", "quota_exceeded")
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

    wins = [(p, lead) for p, lead, what in outcomes if what == "won"]
    # Zero leads with two owners: each lead won at most once, and the ledger agrees.
    assert len({lead for _, lead in wins}) == len(wins)
    claims = OwnershipEvent.objects.filter(kind="claim")
    assert claims.count() == len(wins)
    assert Counter(claims.values_list("lead_id", flat=True)).most_common(1)[0][1] == 1
    owners = dict(Lead.objects.filter(pk__in=lead_ids, owner__isnull=False).values_list("pk", "owner_id"))
    assert owners == {lead: p for p, lead in wins}
    # Zero cap violations, and every cap was reached (there are more leads than caps allow).
    per_person = Counter(p for p, _ in wins)
    for person in people:
        assert per_person[person.pk] == caps[person.pk]
    # Every refusal explained with a known code.
    codes = Counter(what for _, _, what in outcomes if what != "won")
    assert set(codes) <= KNOWN_REFUSALS, codes
    assert codes["already_claimed"] > 0  # the race really happened
