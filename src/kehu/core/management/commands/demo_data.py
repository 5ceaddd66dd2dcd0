from django.core.management.base import BaseCommand

from kehu.demo import DemoOptions, run


class Command(BaseCommand):
    help = "Load realistic demo data (organisation, customers, and every domain's records). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000, help="how many customers in all")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args, customers: int, seed: int, quiet: bool, **options):
        run(DemoOptions(customers=customers, seed=seed, say=self.stdout.write, quiet=quiet))
