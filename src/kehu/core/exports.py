"""Tabular exports (CSV and Excel) shared by every list that can be exported.

Rows are streamed: a CSV of a million rows never sits in memory; Excel uses openpyxl's
write-only mode. Callers pass rows already filtered by scope and masked for the viewer.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.encoding import escape_uri_path

FORMATS = ("csv", "xlsx")


class _Echo:
    def write(self, value):
        return value


def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"


def _safe_cell(value):
    # Spreadsheet formula injection: a cell starting with = + - @ is shown as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not value[1:2].isdigit():
        return "'" + value
    return "" if value is None else value


def csv_response(headers: Sequence[str], rows: Iterable[Sequence], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # BOM so that Excel opens UTF-8 Chinese text correctly
        yield writer.writerow([str(h) for h in headers])
        for row in rows:
            yield writer.writerow([_safe_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename + ".csv")
    return response


def xlsx_response(headers: Sequence[str], rows: Iterable[Sequence], filename: str, title: str = "Sheet1"):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([_safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = _disposition(filename + ".xlsx")
    return response


def export_response(
    fmt: str, headers: Sequence[str], rows: Iterable[Sequence], filename: str, title: str = ""
):
    if fmt == "xlsx":
        return xlsx_response(headers, rows, filename, title or filename)
    return csv_response(headers, rows, filename)
