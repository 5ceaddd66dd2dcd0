"""``kehu dedup reindex``: rebuild the blocking keys of every lead and customer.

Needed after bulk loads that bypass the services (demo data, benchmarks, restores).
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from ... import store
from ...models import CUSTOMER, LEAD, DedupKey

CHUNK = 5000


class Command(BaseCommand):
    help = "Rebuild the de-duplication keys of all leads and customers."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, quiet, **options):
        from kehu.customers.models import Customer
        from kehu.leads.models import Lead

        DedupKey.objects.all().delete()
        for label, model, record_type, loader in (
            ("customers", Customer, CUSTOMER, store.load_customers),
            ("leads", Lead, LEAD, store.load_leads),
        ):
            ids = list(model.objects.values_list("pk", flat=True).order_by("pk"))
            for start in range(0, len(ids), CHUNK):
                with transaction.atomic():
                    records = loader(ids[start : start + CHUNK])
                    store.write_keys(
                        record_type, [(pk, store.keys_of(r)[1]) for pk, r in records.items()], replace=False
                    )
                if not quiet:
                    self.stdout.write(f"{label}: {min(start + CHUNK, len(ids))}/{len(ids)}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {DedupKey._meta.db_table}")
