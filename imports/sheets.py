"""Reading an uploaded sheet, streamed: Excel (.xlsx) through openpyxl's read-only mode and
CSV (UTF-8 or GB18030, Excel's "CSV" on a Chinese Windows) through the csv module, one row
at a time, so a 40,000-row sheet never sits in memory as Python rows (decision 0026). Column
headers are matched leniently: Chinese or English, with the synonyms people use, full-width
or half-width, with or without spaces and the template's required-mark (*)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from openpyxl import load_workbook

T = TypeVar("T")


class SheetError(ValueError):
    """The file cannot be read as a sheet at all (said in the user's language)."""


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the template's Chinese header
    synonyms: Sequence[str] = ()
    required: bool = False
    hint: str = ""  # allowed values or format, for the template's notes


@dataclass
class Sheet:
    columns: dict[int, str]  # position in the sheet -> field
    unknown: list[str]  # headers matched to nothing
    rows: Iterator[tuple[int, dict[str, str]]]  # (row number, cells), read as they are asked for
    total: int | None = None  # rows below the header, when the file says (for progress)


def norm(text: Any) -> str:
    """Full-width to half-width, no spaces at all, lower case: how names and headers compare."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(value.split()).lower()


def cell(value: Any) -> str:
    """A cell as text: 400.0 from Excel is 400, a date is 2026-03-01, nothing is ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text: str = value.isoformat()
        return text.removesuffix("T00:00:00")
    return str(value).strip()


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _values(content: bytes, file_name: str) -> tuple[Iterator[Sequence[Any]], int | None]:
    """The sheet's rows as tuples of values, the header first, and how many there are."""
    name = file_name.lower()
    if name.endswith((".xlsx", ".xlsm")):
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            data = book.worksheets[0]
            total = data.max_row
            return data.iter_rows(values_only=True), total
        except Exception as error:  # a broken or foreign file: say so, never a server error
            raise SheetError(_("文件无法读取：%(error)s") % {"error": error}) from error
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
            except UnicodeDecodeError:
                continue
            return csv.reader(io.StringIO(text)), text.count("\n") or None
        raise SheetError(_("CSV 文件的编码无法识别，请另存为 UTF-8 或 Excel 文件。"))
    raise SheetError(_("请上传 Excel（.xlsx）或 CSV 文件。"))


def read(content: bytes, file_name: str, columns: Sequence[Column]) -> Sheet:
    values, total = _values(content, file_name)
    try:
        raw = next(values, None) or ()
    except Exception as error:
        raise SheetError(_("文件无法读取：%(error)s") % {"error": error}) from error
    names: dict[str, str] = {}
    for column in columns:
        for label in (column.header, column.field, *column.synonyms):
            names.setdefault(norm(label).rstrip("*"), column.field)
    headers = [norm(h).replace("*", "") for h in raw]
    matched: dict[int, str] = {}
    unknown = []
    for position, header in enumerate(headers):
        target = names.get(header)
        if target and target not in matched.values():
            matched[position] = target
        elif header:
            unknown.append(cell(raw[position]))
    missing = [c.header for c in columns if c.required and c.field not in matched.values()]
    if missing:
        raise SheetError(_("缺少必填列：%(names)s。") % {"names": "、".join(missing)})

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for number, row in enumerate(values, start=2):  # row 1 holds the headers
            cells = {
                target: cell(row[position]) if position < len(row) else ""
                for position, target in matched.items()
            }
            if any(cells.values()):
                yield number, cells

    return Sheet(
        columns=matched, unknown=unknown, rows=rows(), total=(total - 1) if total else None
    )
