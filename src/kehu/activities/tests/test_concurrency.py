"""Two people booking the same salesperson at the same moment: exactly one wins."""

import datetime as dt
import threading

import pytest
from django.db import connection

from kehu.activities import services
from kehu.activities.models import Appointment
from kehu.core.errors import Conflict

H = dt.timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_person_cannot_both_succeed(org, customers, now):
    barrier = threading.Barrier(2)
    outcomes = []

    def book(actor, title):
        try:
            barrier.wait(timeout=10)
            services.book_appointment(
                actor,
                {"title": title, "start": now + H, "end": now + 2 * H, "attendees": [org.sales_a1.pk]},
            )
            outcomes.append("booked")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=book, args=(org.manager_east, "经理约的")),
        threading.Thread(target=book, args=(org.sales_a1, "自己约的")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["booked", "conflict"]
    assert Appointment.objects.count() == 1
