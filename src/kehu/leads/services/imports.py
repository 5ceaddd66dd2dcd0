"""Importing lead files (CSV, .xlsx): read, map columns, run through intake, report.

The same code serves the upload page and ``kehu leads import``. Each row gets an intake key
made of the channel, the row's mapped values and how many times the same values occurred
before in the file: re-importing a file (or the same rows saved in another format) finds
every row already imported and creates nothing; a row repeated inside one file becomes a
linked duplicate. Every row is accounted for in the run's counts, and every rejected row
is listed with its reasons in the error report.
"""

import csv
import hashlib
import io
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import ValidationFailed
from kehu.core.normalize.text import fold_width
from kehu.dedup.engine import DUPLICATE_LEAD, EXISTING_CUSTOMER, NEW

from ..models import Channel, ImportRun
from . import parallel
from .intake import ALREADY_IMPORTED, CHUNK, REJECTED, Pipeline, row_key

MAX_ROWS = 1_000_000
logger = logging.getLogger(__name__)
PROGRESS_FIELDS = ["total", "created", "duplicates", "existing", "skipped", "rejected"]
ERRORS_EVERY = 5.0  # seconds: the growing list of rejected rows is rewritten at most this often
TARGETS = [
    "name",
    "company",
    "title",
    "phone",
    "email",
    "wechat",
    "id_number",
    "credit_code",
    "address",
    "province",
    "city",
    "district",
    "industry",
    "company_size",
    "demand_type",
    "urgency",
    "notes",
    "kind",
]
# Header words (lower-case, width-folded) that name a lead field.
GUESSES = {
    "name": ["name", "contact", "contact name", "姓名", "联系人", "客户姓名", "名字"],
    "company": ["company", "company name", "公司", "公司名称", "企业", "企业名称", "单位", "客户名称"],
    "title": ["title", "job title", "职位", "职务"],
    "phone": [
        "phone",
        "mobile",
        "tel",
        "telephone",
        "手机",
        "手机号",
        "电话",
        "联系电话",
        "手机号码",
        "座机",
    ],
    "email": ["email", "e-mail", "mail", "邮箱", "电子邮箱", "电子邮件"],
    "wechat": ["wechat", "weixin", "微信", "微信号"],
    "id_number": ["id_number", "id number", "身份证", "身份证号"],
    "credit_code": ["credit_code", "credit code", "uscc", "统一社会信用代码", "信用代码"],
    "address": ["address", "地址", "详细地址", "公司地址"],
    "province": ["province", "省", "省份"],
    "city": ["city", "市", "城市"],
    "district": ["district", "区", "区县"],
    "industry": ["industry", "行业"],
    "company_size": ["company_size", "size", "company size", "规模", "企业规模", "公司规模"],
    "demand_type": ["demand_type", "demand", "需求", "需求类型"],
    "urgency": ["urgency", "紧急程度", "紧急度"],
    "notes": ["notes", "note", "remark", "remarks", "备注", "说明"],
    "kind": ["kind", "type", "类型", "客户类型"],
}


def _norm_header(text: str) -> str:
    return fold_width(str(text or "")).strip().lower().replace("_", " ")


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Column header -> lead field, for the columns whose header names a field."""
    words = {_norm_header(w): field for field, ws in GUESSES.items() for w in ws}
    mapping, used = {}, set()
    for header in headers:
        field = words.get(_norm_header(header))
        if field and field not in used:
            mapping[header] = field
            used.add(field)
    return mapping


def read_table(path: str | Path, filename: str = "") -> tuple[list[str], Iterator[list[str]]]:
    """Headers and rows of a CSV (UTF-8 or GB18030) or .xlsx file."""
    name = (filename or str(path)).lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise ValidationFailed(fields={"file": [_("This is not a readable Excel file.")]}) from exc
        rows = workbook.active.iter_rows(values_only=True)
        header = next(rows, None) or []
        headers = [str(h).strip() if h is not None else "" for h in header]

        def xlsx_rows():
            for row in rows:
                values = ["" if v is None else str(v).strip() for v in row]
                if any(values):
                    yield values
            workbook.close()

        return headers, xlsx_rows()
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(fields={"file": [_("The file is neither UTF-8 nor GB18030 text.")]})
    reader = csv.reader(io.StringIO(text, newline=""))
    headers = [h.strip() for h in next(reader, [])]
    if not any(headers):
        raise ValidationFailed(fields={"file": [_("The file has no header row.")]})
    return headers, (row for row in reader if any(cell.strip() for cell in row))


def file_hash(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_mapping(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    clean = {h: f for h, f in mapping.items() if h in headers and f in TARGETS}
    counts = Counter(clean.values())
    twice = [f for f, n in counts.items() if n > 1]
    if twice:
        raise ValidationFailed(
            fields={
                "mapping": [_("Each field can take one column: %(fields)s.") % {"fields": ", ".join(twice)}]
            }
        )
    if not clean:
        raise ValidationFailed(fields={"mapping": [_("Map at least one column to a lead field.")]})
    return clean


def run_import(
    run: ImportRun,
    path: str | Path,
    actor,
    *,
    progress: Callable[[int], None] | None = None,
    batch: int = 5000,
    workers: int | None = None,
) -> ImportRun:
    """Import every row of the file with the run's channel and mapping; fills the run's counts.

    With ``workers=2`` (the default for files of more than a few thousand rows where
    ``fork`` exists, there are two cores and the caller runs no threads) a forked child
    reads, validates and prepares the rows while this process de-duplicates and writes
    them (see ``parallel``); the outcome is the same.
    """
    headers, rows = read_table(path, run.filename)
    mapping = check_mapping(headers, run.mapping)
    positions = [(headers.index(h), f) for h, f in mapping.items()]
    unmapped = [(i, h) for i, h in enumerate(headers) if h and h not in mapping]
    channel = run.channel
    pipeline = Pipeline(actor, path="import", channel=channel)
    run.status = ImportRun.Status.RUNNING
    run.total = run.created = run.duplicates = run.existing = run.skipped = run.rejected = 0
    run.errors = []
    run.save()

    def items():
        """(row number, mapped values, intake key, the row as read) for every row."""
        seen: Counter = Counter()
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            row = row + [""] * (len(headers) - len(row))
            data = {field: row[i] for i, field in positions}
            extra = {h: row[i] for i, h in unmapped if row[i]}
            if extra:
                data["extra"] = extra
            content = tuple(sorted((f, str(v).strip()) for f, v in data.items() if f != "extra"))
            seen[content] += 1
            raw = {h: row[i] for i, h in enumerate(headers) if h}
            yield number, data, row_key(channel.code, content, seen[content]), raw

    errors_saved = [time.monotonic()]

    def flush(chunk, found=None):  # [((number, data, key, raw), ready or None)], intake.Found
        results = pipeline.run(
            [item[1] for item, _ready in chunk],
            [item[2] for item, _ready in chunk],
            progress,
            ready=[ready for _item, ready in chunk],
            found=found,
        )
        for result, (item, _ready) in zip(results, chunk, strict=True):
            if result.outcome == NEW:
                run.created += 1
            elif result.outcome == DUPLICATE_LEAD:
                run.duplicates += 1
            elif result.outcome == EXISTING_CUSTOMER:
                run.existing += 1
            elif result.outcome == ALREADY_IMPORTED:
                run.skipped += 1
            elif result.outcome == REJECTED:
                run.rejected += 1
                run.errors.append({"row": item[0], "values": item[3], "errors": result.errors})
        # The import page shows progress while it runs; the rejected rows (a list that grows
        # with the file) are saved every few seconds and at the end, not after every chunk.
        fields = PROGRESS_FIELDS
        if run.errors and time.monotonic() - errors_saved[0] > ERRORS_EVERY:
            fields, errors_saved[0] = [*PROGRESS_FIELDS, "errors"], time.monotonic()
        run.save(update_fields=fields)

    def count(n: int) -> None:
        run.total += n
        if run.total > MAX_ROWS:
            raise ValidationFailed(fields={"file": [_("At most %(n)d rows per file.") % {"n": MAX_ROWS}]})

    if workers is None:
        workers = parallel.default_workers(path)
    if workers > 1:
        # Rows travel back with the raw values only when the parent may need them (a
        # rejected row's report): the child drops them for rows it validated.
        for chunk, found in parallel.prepared_rows(items, pipeline, CHUNK):
            count(len(chunk))
            flush(chunk, found)
    else:
        chunk = []
        for item in items():
            count(1)
            chunk.append((item, None))
            if len(chunk) >= batch:
                flush(chunk)
                chunk = []
        if chunk:
            flush(chunk)
    run.status = ImportRun.Status.DONE
    run.finished_at = clock.now()
    run.save()
    return run


def queue_import(run: ImportRun, actor) -> None:
    """Run the import in the worker (a big file takes minutes); the run shows its progress."""
    from ..tasks import import_file

    run.status = ImportRun.Status.RUNNING
    run.total = run.created = run.duplicates = run.existing = run.skipped = run.rejected = 0
    run.errors = []
    run.finished_at = None
    run.save()
    # Row errors are stored as text: written in the language of the person who started it.
    import_file(run.pk, getattr(actor, "pk", None), translation.get_language())


def run_or_fail(run: ImportRun, actor) -> ImportRun:
    """``run_import`` for the worker: a file that cannot be imported marks the run failed with
    the reason, shown on the run's page (rows imported before the failure stay, and running the
    file again skips them)."""
    try:
        return run_import(run, run.stored_path, actor)
    except ValidationFailed as exc:
        reasons = exc.fields or {"file": [str(exc.message)]}
    except OSError:
        reasons = {"file": [_("The uploaded file can no longer be read; please upload it again.")]}
    except Exception:  # the run must not stay "running" for ever; the worker's log has the trace
        logger.exception("lead import %s failed", run.pk)
        reasons = {
            "file": [_("An unexpected error stopped the import; the administrator's log has the details.")]
        }
    run.status = ImportRun.Status.FAILED
    run.errors = [*run.errors, {"row": 0, "values": {}, "errors": reasons}]
    run.finished_at = clock.now()
    run.save()
    return run


def start_run(
    actor, path: str | Path, filename: str, channel: Channel, mapping: dict | None = None
) -> ImportRun:
    headers, _rows = read_table(path, filename)
    return ImportRun.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        channel=channel,
        filename=filename[:255],
        file_hash=file_hash(path),
        stored_path=str(path),
        headers=headers,
        mapping=mapping if mapping is not None else guess_mapping(headers),
        created_at=clock.now(),
    )


def field_label(name: str) -> str:
    from django.core.exceptions import FieldDoesNotExist

    from ..models import Lead

    try:
        return str(Lead._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name if name != "__all__" else ""


def readable_errors(errors: dict) -> list[tuple[str, list[str]]]:
    return [(field_label(field), messages) for field, messages in errors.items()]


def error_report(run: ImportRun) -> tuple[list[str], list[list]]:
    """Headers and rows of the rejected-rows report: row number, reasons, then the row as read."""
    columns = list(run.headers)
    headers = [_("Row"), _("Reasons"), *columns]
    rows = []
    for item in run.errors:
        reasons = "; ".join(f"{label}: {' '.join(msgs)}" for label, msgs in readable_errors(item["errors"]))
        rows.append([item["row"], reasons, *[item["values"].get(c, "") for c in columns]])
    return headers, rows
