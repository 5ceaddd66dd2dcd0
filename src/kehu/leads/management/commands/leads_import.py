"""``kehu leads import FILE --channel CODE [--map column=field …]``"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kehu.accounts.models import User
from kehu.core import audit
from kehu.core.bulk import bulk_job
from kehu.core.errors import ValidationFailed
from kehu.core.exports import FORMATS

from ...models import Channel
from ...services import imports


class Command(BaseCommand):
    help = "Import leads from a CSV or .xlsx file through the intake pipeline (with de-duplication)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--channel", required=True, help="channel code, e.g. purchased_list")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="map a column to a lead field (repeatable); unmapped columns are guessed from headers",
        )
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument("--errors", help="write the rejected rows to this .csv or .xlsx file")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--workers",
            type=int,
            help="processes (default: 2 for files over ~2,000 rows where fork() exists, on 2 cores)",
        )

    def handle(self, *args, file, channel, map, user, errors, quiet, workers=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        found = Channel.objects.filter(code=channel).first()
        if found is None:
            codes = ", ".join(Channel.objects.values_list("code", flat=True))
            raise CommandError(f"No channel {channel!r}; choose one of: {codes}")
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user {user!r}")
        try:
            run = imports.start_run(actor, path, path.name, found)
            for item in map:
                column, sep, field = item.partition("=")
                if not sep or field not in imports.TARGETS:
                    raise CommandError(
                        f"--map wants COLUMN=FIELD with FIELD one of {', '.join(imports.TARGETS)}"
                    )
                run.mapping = {h: f for h, f in run.mapping.items() if f != field and h != column}
                run.mapping[column] = field
            run.save(update_fields=["mapping"])
            self.stdout.write("Columns: " + ", ".join(f"{h} → {f}" for h, f in run.mapping.items()))
            total = self._count(path)
            with (
                bulk_job(),
                audit.source("cli"),
                Progress(
                    TextColumn("[bold]Importing"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]} rows/s"),
                    TimeRemainingColumn(),
                    disable=quiet,
                    transient=False,
                    auto_refresh=False,  # no refresh thread: the import forks a worker process
                ) as progress,
            ):
                task = progress.add_task("import", total=total, rate="–")

                def advance(n):
                    progress.advance(task, n)
                    elapsed = progress.tasks[task].elapsed or 0
                    if elapsed:
                        progress.update(task, rate=f"{progress.tasks[task].completed / elapsed:,.0f}")
                    progress.refresh()

                imports.run_import(run, path, actor, progress=advance, workers=workers)
        except ValidationFailed as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())) from exc
        self.stdout.write(
            f"{run.total} rows: {run.created} new, {run.duplicates} duplicates of leads, "
            f"{run.existing} existing customers, {run.skipped} already imported, {run.rejected} rejected"
        )
        if errors and run.rejected:
            headers, rows = imports.error_report(run)
            fmt = "xlsx" if errors.endswith(".xlsx") else "csv"
            assert fmt in FORMATS
            _write(errors, fmt, headers, rows)
            self.stdout.write(f"Rejected rows and reasons: {errors}")
        elif run.rejected:
            for item in run.errors[:20]:
                reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in item["errors"].items())
                self.stdout.write(f"  row {item['row']}: {reasons}")
            if run.rejected > 20:
                self.stdout.write(f"  … and {run.rejected - 20} more (use --errors FILE for all)")

    @staticmethod
    def _count(path: Path) -> int:
        _headers, rows = imports.read_table(path)
        return sum(1 for _ in rows)


def _write(target: str, fmt: str, headers, rows) -> None:
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append([str(h) for h in headers])
        for row in rows:
            sheet.append(row)
        workbook.save(target)
        return
    import csv

    with open(target, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow([str(h) for h in headers])
        writer.writerows(rows)
