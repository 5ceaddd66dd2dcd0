from django.core.management.base import BaseCommand
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kehu.customers.models import Customer
from kehu.demo import customers as customer_data
from kehu.demo import org


class Command(BaseCommand):
    help = "Load realistic demo data: an organisation with ~20 users, then N customers. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, customers: int, seed: int, **options):
        org.build()
        existing = Customer.all_objects.count()
        missing = max(customers - existing, 0)
        if not missing:
            self.stdout.write(f"{existing} customers already present; nothing to add.")
            return
        with Progress(
            TextColumn("[bold]customers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=False,
        ) as bar:
            task = bar.add_task("customers", total=missing)
            # A different seed per top-up keeps a re-run after an interruption from repeating rows.
            done = customer_data.generate(
                missing, seed * 1_000_003 + existing, progress=lambda n: bar.advance(task, n)
            )
        self.stdout.write(f"Added {done} customers ({existing + done} in all).")
