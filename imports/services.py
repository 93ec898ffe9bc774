"""Import a sheet: upload (kept with the batch), preview (every row's action and errors),
confirm (every row written in one transaction, or none while any row is wrong), undo (the
whole batch, while nothing it wrote has changed since). Hospitals and contacts for now, one
module each with the same parts: MODEL, COLUMNS, EXAMPLE, check, in_use (decision 0026)."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts.models import User
from o2crm.records import EditConflict, save_record

from . import contacts, departments, hospitals
from .models import ImportBatch
from .sheets import read

KINDS: dict[str, Any] = {
    ImportBatch.Kind.HOSPITALS: hospitals,
    ImportBatch.Kind.DEPARTMENTS: departments,
    ImportBatch.Kind.CONTACTS: contacts,
}


def labels(kind: str) -> dict[str, str]:
    return {c.field: c.header for c in KINDS[kind].COLUMNS}


def upload(*, user: User, kind: str, file_name: str, content: bytes) -> ImportBatch:
    if kind not in KINDS:
        raise ValidationError({"kind": _("暂不支持导入“%(kind)s”。") % {"kind": kind}})
    return ImportBatch.objects.create(
        user=user, kind=kind, file_name=file_name[:200], content=content
    )


def _rows(batch: ImportBatch) -> tuple[list[Any], list[str]]:
    engine = KINDS[batch.kind]
    sheet = read(bytes(batch.content), batch.file_name, engine.COLUMNS)
    return engine.check(sheet, batch.user), sheet.unknown


def describe(rows: list[Any], unknown: list[str]) -> dict[str, Any]:
    """The preview as the page, the command and the API show it."""
    counts = {"new": 0, "update": 0, "duplicate": 0, "error": 0}
    for row in rows:
        counts[row.action] += 1
    return {
        "rows": [
            {"row": r.number, "action": r.action, "name": r.name, "errors": r.errors} for r in rows
        ],
        "counts": counts,
        "unknown_columns": unknown,
    }


def preview(batch: ImportBatch) -> dict[str, Any]:
    rows, unknown = _rows(batch)
    result = describe(rows, unknown)
    ImportBatch.objects.filter(pk=batch.pk).update(counts=result["counts"])
    return result


def messages_of(result: dict[str, Any], kind: str) -> list[str]:
    """Each error as "第 17 行 床位数：不能为负数", in the user's language."""
    names = labels(kind)
    out = []
    for row in result["rows"]:
        if row["action"] != "error":
            continue  # a duplicate's note is not something to correct
        for name, errors in row["errors"].items():
            label = names.get(name, "") if name != "__all__" else ""
            for error in errors:
                where = _("第 %(n)s 行") % {"n": row["row"]}
                out.append(f"{where} {label}：{error}" if label else f"{where} {error}")
    return out


def _plain(value: Any) -> Any:
    """A previous value as JSON keeps it (dates and decimals as text; full_clean reads them)."""
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


class Blocked(Exception):
    """Some row is wrong: nothing was written."""

    def __init__(self, result: dict[str, Any]):
        super().__init__(_("有错误的行，未导入任何数据。"))
        self.result = result


@transaction.atomic
def confirm(batch: ImportBatch) -> dict[str, Any]:
    """Write every row of the sheet, or none of them."""
    if batch.status != ImportBatch.Status.PREVIEWED:
        raise ValidationError(_("这个批次已经处理过了。"))
    rows, unknown = _rows(batch)
    result = describe(rows, unknown)
    if result["counts"]["error"]:
        raise Blocked(result)
    written: dict[str, list[Any]] = {"created": [], "updated": []}
    reason = _("导入：%(file)s") % {"file": batch.file_name}
    for row in rows:
        if row.record is None:
            continue
        row.record._change_reason = reason
        save_record(record=row.record, by=batch.user)
        if row.action == "new":
            written["created"].append([row.record.pk, row.record.version])
        else:
            old = {k: _plain(v) for k, v in row.changed.items()}
            written["updated"].append([row.record.pk, row.record.version, old])
    batch.status = ImportBatch.Status.IMPORTED
    batch.written, batch.counts, batch.imported_at = written, result["counts"], timezone.now()
    batch.save(update_fields=["status", "written", "counts", "imported_at"])
    return result


@transaction.atomic
def undo(batch: ImportBatch, *, by: User) -> None:
    """Take the whole import back: refused (nothing changed) when anything it wrote has been
    edited since, or a created hospital has people or projects now."""
    if batch.status != ImportBatch.Status.IMPORTED:
        raise ValidationError(_("只有已导入的批次可以撤销。"))
    engine = KINDS[batch.kind]
    model = engine.MODEL
    created = dict(batch.written.get("created", []))
    for record in model.objects.filter(pk__in=created).select_for_update():
        if record.version != created[record.pk]:
            raise ValidationError(_("%(name)s 导入后已被修改，不能撤销。") % {"name": record})
        if engine.in_use(record, set(created)):
            raise ValidationError(
                _("%(name)s 导入后已有人在用（联系人、项目或拜访），不能撤销。") % {"name": record}
            )
    for pk, version, old in batch.written.get("updated", []):
        record = model.objects.get(pk=pk)
        for name, value in old.items():
            setattr(record, name, value)
        record._change_reason = _("撤销导入：%(file)s") % {"file": batch.file_name}
        try:
            save_record(record=record, by=by, expected_version=version)
        except EditConflict as conflict:
            raise ValidationError(
                _("%(name)s 导入后已被修改，不能撤销。") % {"name": conflict.current}
            ) from conflict
    for pk in reversed(list(created)):  # the last made first: a sub-department before its parent
        model.objects.filter(pk=pk).delete()
    batch.status, batch.undone_at = ImportBatch.Status.UNDONE, timezone.now()
    batch.save(update_fields=["status", "undone_at"])


def template(kind: str) -> bytes:
    """The sheet to fill in: its columns in Chinese (required ones marked *), an example on
    a sheet of its own, and notes with the allowed values."""
    engine = KINDS[kind]
    book = Workbook()
    data = book.active
    data.title = str(ImportBatch.Kind(kind).label)
    data.append([c.header + ("*" if c.required else "") for c in engine.COLUMNS])
    example = book.create_sheet(_("示例"))
    example.append([c.header for c in engine.COLUMNS])
    example.append(engine.EXAMPLE)
    notes = book.create_sheet(_("说明"))
    notes.append([_("列"), _("必填"), _("说明或允许的值")])
    for c in engine.COLUMNS:
        notes.append([c.header, _("是") if c.required else "", c.hint])
    notes.append([])
    notes.append(
        [_("同一家医院：名称与城市相同（全角半角、空格不计，城市可省略“市”）；院区算另一家医院。")]
    )
    if kind == ImportBatch.Kind.CONTACTS:
        notes.append([_("同一个人：同一家医院、姓名和手机号相同（手机号只比较数字）。")])
    notes.append([_("已有的记录只更新表中填写的单元格，空白单元格保持原值。")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
