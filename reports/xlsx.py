"""Excel workbooks laid out the way a Chinese sales office prints them: a title row, the
period or filter line, a bold frozen header, sensible column widths and number formats."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 14
    number_format: str | None = None


def workbook(
    *, title: str, subtitle: str, columns: Sequence[Column], rows: Iterable[Sequence]
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([title])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append([subtitle])
    ws["A2"].font = Font(color="666666")
    ws.append([c.title for c in columns])
    header_fill = PatternFill("solid", fgColor="E6F3F6")
    for i, column in enumerate(columns, start=1):
        cell = ws.cell(row=3, column=i)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = column.width
    for row in rows:
        ws.append(list(row))
    for i, column in enumerate(columns, start=1):
        if column.number_format:
            for (cell,) in ws.iter_rows(min_row=4, min_col=i, max_col=i):
                cell.number_format = column.number_format
    ws.freeze_panes = "B4"
    ws.auto_filter.ref = f"A3:{get_column_letter(len(columns))}{max(ws.max_row, 3)}"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{filename}-{stamp}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
