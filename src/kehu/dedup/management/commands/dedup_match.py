"""``kehu dedup match --existing E.csv --incoming I.csv --out matches.csv`` (the list check)."""

import time

from django.core.management.base import BaseCommand, CommandError

from ...engine import match_files


class Command(BaseCommand):
    help = (
        "Check an incoming list against an existing one with the de-duplication engine and write "
        "left_id,right_id pairs (incoming-to-existing and incoming-to-incoming)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--existing", required=True, help="CSV of existing customers/leads")
        parser.add_argument("--incoming", required=True, help="CSV of the incoming list")
        parser.add_argument("--out", required=True, help="where to write the matching pairs")
        parser.add_argument("--workers", type=int, default=None, help="1 forces one process")

    def handle(self, *args, existing, incoming, out, workers, **options):
        started = time.perf_counter()
        try:
            result = match_files(existing, incoming, out, workers=workers)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{result.incoming_count} incoming against {result.existing_count} existing: "
            f"{len(result.pairs)} pairs written to {out} in {seconds:.1f} s",
            self.style.SUCCESS,
        )
