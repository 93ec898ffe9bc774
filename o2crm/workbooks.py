"""Excel workbooks laid out the way a Chinese sales office prints them: a title row, the
period or filter line, a bold frozen header, sensible column widths and number formats.

Every cell the app writes goes through here, and text is only ever text: a value that a
spreadsheet would read as a formula or a command (first character =, +, -, @, tab or CR; a
hospital's notes of `=HYPERLINK(…)`) is stored as a string with Excel's quote prefix, so it
neither runs when the file is opened nor turns into a formula when the cell is edited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from io import BytesIO
from typing import Any, BinaryIO
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# What a spreadsheet takes for the start of a formula (or, from a CSV, of a DDE command)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def text_cell(ws: Any, value: str, style: Any = None) -> WriteOnlyCell:
    """`value` as a text cell (with `style`, another cell's style array, if given)."""
    cell = WriteOnlyCell(ws, value=value)
    if style is not None:
        cell._style = copy(style)
    cell.data_type = "s"  # openpyxl makes any "=…" a formula: never
    cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def safe_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row to append to a worksheet of any mode, its risky text made text cells."""
    return [text_cell(ws, v) if risky(v) else v for v in values]


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 14
    number_format: str | None = None
    wrap: bool = False  # long text (progress, remarks): wrapped, top-aligned


class Emphasis(list[Any]):
    """A row to print bold on a tinted band: a subtotal, a total, a highlighted line."""


@dataclass
class Picture:
    """A PNG placed on a sheet at `anchor` (a cell such as "J3"), e.g. the funnel chart."""

    png: bytes
    anchor: str
    width: int  # pixels as shown
    height: int


def workbook(
    *, title: str, subtitle: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> bytes:
    """Written row by row (openpyxl's write-only mode): memory stays flat for 40,000 rows."""
    return workbook_sheets(title=title, subtitle=subtitle, sheets=[(title, columns, rows)])


def workbook_sheets(*, title: str, subtitle: str, sheets: Iterable[tuple[Any, ...]]) -> bytes:
    """One sheet per (name, columns, rows[, pictures]), each laid out as `workbook` lays out
    its one; Emphasis rows print bold on a band. In memory: for the small workbooks of a
    page or the API; a list that can be national is written to a file (`write_workbook`)."""
    buffer = BytesIO()
    write_workbook(buffer, title=title, subtitle=subtitle, sheets=sheets)
    return buffer.getvalue()


def write_workbook(
    into: BinaryIO, *, title: str, subtitle: str, sheets: Iterable[tuple[Any, ...]]
) -> None:
    """`workbook_sheets` written into a file: rows go to disk as they come (write-only mode,
    the rows a generator over a server-side cursor), so memory stays flat at any size."""
    wb = Workbook(write_only=True)
    band = PatternFill("solid", fgColor="F3F4F6")
    # a generator of sheets (written as they come) always has several
    several = not isinstance(sheets, list | tuple) or len(sheets) > 1
    for name, columns, rows, *more in sheets:
        ws = wb.create_sheet(name[:31])
        for i, column in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.freeze_panes = "B4"
        _for_paper(ws, title)
        ws.append(
            [
                _cell(
                    ws,
                    f"{title} · {name}" if several else title,
                    font=Font(size=14, bold=True),
                )
            ]
        )
        ws.append([_cell(ws, subtitle, font=Font(color="666666"))])
        header_fill = PatternFill("solid", fgColor="E6F3F6")
        center = Alignment(horizontal="center", vertical="center")
        ws.append(
            [
                _cell(ws, c.title, font=Font(bold=True), fill=header_fill, alignment=center)
                for c in columns
            ]
        )
        formats = [c.number_format for c in columns]
        wrapped = Alignment(wrap_text=True, vertical="top")
        aligns = [wrapped if c.wrap else None for c in columns]
        styled = _StyledCells(ws, formats, aligns)
        emphasis = _StyledCells(ws, formats, [None] * len(columns), Font(bold=True), band)
        count = 0
        for row in rows:
            if isinstance(row, Emphasis):
                cells = emphasis.row(list(row) + [None] * (len(columns) - len(row)))
            else:
                cells = styled.row(row)
            ws.append(cells)
            count += 1
        for picture in more[0] if more else ():
            image = Image(BytesIO(picture.png))
            image.width, image.height = picture.width, picture.height
            ws.add_image(image, picture.anchor)
        ws.auto_filter.ref = f"A3:{get_column_letter(len(columns))}{max(count, 1) + 3}"
    wb.save(into)


def _for_paper(ws: Any, title: str) -> None:
    """Printed as a Chinese office files it: A4 landscape, every column on the page's width
    (as many pages down as it takes), the header row repeated on every page, the title and
    page numbers in the header and footer."""
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "3:3"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "&P / &N"


class _StyledCells:
    """A data row's cells with their column's number format and alignment. Each column's
    style is set once on a model cell and its style indices copied to the others, as
    openpyxl copies styles itself: setting them through the descriptors looked the style up
    in the workbook's tables for every cell (a third of the time of a 36,000-row sheet)."""

    def __init__(
        self, ws: Any, formats: list[Any], aligns: list[Any], font: Any = None, fill: Any = None
    ) -> None:
        self.ws = ws
        self.models = [
            _cell(ws, 0, font=font, fill=fill, number_format=fmt, alignment=align)
            if (fmt or align or font or fill)
            else None
            for fmt, align in zip(formats, aligns, strict=True)
        ]
        self.blank_too = bool(font or fill)  # a band is drawn across empty cells as well

    def row(self, values: Sequence[Any]) -> list[Any]:
        out = []
        for value, model in zip(values, self.models, strict=False):
            if risky(value):
                out.append(text_cell(self.ws, value, model._style if model else None))
            elif model is None or (not self.blank_too and (value is None or value == "")):
                out.append(value)
            else:
                cell = WriteOnlyCell(self.ws, value=value)
                cell._style = copy(model._style)
                out.append(cell)
        return out


def _cell(
    ws: Any,
    value: Any,
    *,
    font: Any = None,
    fill: Any = None,
    alignment: Any = None,
    number_format: str | None = None,
) -> WriteOnlyCell:
    cell = text_cell(ws, value) if risky(value) else WriteOnlyCell(ws, value=value)
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if alignment:
        cell.alignment = alignment
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{filename}-{stamp}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def xlsx_file_response(file: BinaryIO, filename: str) -> FileResponse:
    """A workbook written to a file, sent from it a block at a time (`filename` is whole)."""
    file.seek(0)
    response = FileResponse(file, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
