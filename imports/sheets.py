"""Reading an uploaded sheet (tablib: Excel .xlsx and CSV in UTF-8 or GBK) and matching its
column headers leniently: Chinese or English, with the synonyms people use, full-width or
half-width, with or without spaces and the template's required-mark (*)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.utils.translation import gettext as _


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
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, cells)


def norm(text: Any) -> str:
    """Full-width to half-width, no spaces at all, lower case: how names and headers compare."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(value.split()).lower()


def cell(value: Any) -> str:
    """A cell as text: 400.0 from Excel is 400, nothing is ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def load(content: bytes, file_name: str) -> tablib.Dataset:
    name = file_name.lower()
    try:
        if name.endswith((".xlsx", ".xlsm")):
            return tablib.Dataset().load(content, format="xlsx")
        if name.endswith(".csv"):
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    text = content.decode(encoding)
                except UnicodeDecodeError:
                    continue
                return tablib.Dataset().load(text, format="csv")
            raise SheetError(_("CSV 文件的编码无法识别，请另存为 UTF-8 或 Excel 文件。"))
    except SheetError:
        raise
    except Exception as error:  # a broken or foreign file: say so, never a server error
        raise SheetError(_("文件无法读取：%(error)s") % {"error": error}) from error
    raise SheetError(_("请上传 Excel（.xlsx）或 CSV 文件。"))


def read(content: bytes, file_name: str, columns: Sequence[Column]) -> Sheet:
    data = load(content, file_name)
    names: dict[str, str] = {}
    for column in columns:
        for label in (column.header, column.field, *column.synonyms):
            names.setdefault(norm(label).rstrip("*"), column.field)
    headers = [norm(h).replace("*", "") for h in (data.headers or [])]
    matched: dict[int, str] = {}
    unknown = []
    for position, header in enumerate(headers):
        target = names.get(header)
        if target and target not in matched.values():
            matched[position] = target
        elif header:
            unknown.append(str((data.headers or [])[position]))
    missing = [c.header for c in columns if c.required and c.field not in matched.values()]
    if missing:
        raise SheetError(_("缺少必填列：%(names)s。") % {"names": "、".join(missing)})
    sheet = Sheet(columns=matched, unknown=unknown)
    for number, values in enumerate(data, start=2):  # row 1 holds the headers
        cells = {target: cell(values[position]) for position, target in matched.items()}
        if any(cells.values()):
            sheet.rows.append((number, cells))
    return sheet
