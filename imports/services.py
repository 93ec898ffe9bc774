"""Import a sheet: upload (kept with the batch), preview (every row's action and errors),
confirm (every row written in one transaction, or none while any row is wrong), undo (the
whole batch, while nothing it wrote has changed since). One module per kind with the same
parts: MODEL, COLUMNS, EXAMPLE, check, in_use, and optionally created/removed for what a
kind writes beyond its rows (decision 0026).

The sheet is read a row at a time and checked and written CHUNK rows at a time, in bulk
(history rows too), so a national sheet costs a few queries per 500 rows and bounded memory.
A sheet of more than IMPORT_INLINE_ROWS rows is checked and written by a worker (the jobs of
decision 0024), its progress on the batch."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task
from openpyxl import Workbook
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import User
from o2crm import summaries
from o2crm.records import EditConflict, save_record
from reminders.models import Kind
from reminders.notify import notify

from . import contacts, departments, followups, hospitals, projects
from .hospitals import CHUNK, Row
from .models import ImportBatch
from .sheets import Sheet, SheetError, chunks, read

KINDS: dict[str, Any] = {
    ImportBatch.Kind.HOSPITALS: hospitals,
    ImportBatch.Kind.DEPARTMENTS: departments,
    ImportBatch.Kind.CONTACTS: contacts,
    ImportBatch.Kind.PROJECTS: projects,
    ImportBatch.Kind.FOLLOWUPS: followups,
}
SHOWN = 2000  # rows a stored preview keeps: every wrong one first, then the others in order


def labels(kind: str) -> dict[str, str]:
    return {c.field: c.header for c in KINDS[kind].COLUMNS}


def upload(*, user: User, kind: str, file_name: str, content: bytes) -> ImportBatch:
    """Keep the sheet with a new batch; its header is read at once (a file that is no sheet,
    or lacks a required column, is refused here)."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("暂不支持导入“%(kind)s”。") % {"kind": kind}})
    sheet = read(content, file_name, KINDS[kind].COLUMNS)
    return ImportBatch.objects.create(
        user=user, kind=kind, file_name=file_name[:200], content=content, total=sheet.total,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )  # fmt: skip


def large(batch: ImportBatch) -> bool:
    """Whether the batch is checked and written (or undone) by a worker, not in the request."""
    if batch.status == ImportBatch.Status.IMPORTED:
        written = batch.written or {}
        rows = len(written.get("created", [])) + len(written.get("updated", []))
        return rows > settings.IMPORT_INLINE_ROWS
    return (batch.total or 0) > settings.IMPORT_INLINE_ROWS


def _sheet(batch: ImportBatch) -> Sheet:
    return read(bytes(batch.content), batch.file_name, KINDS[batch.kind].COLUMNS)


class Summary:
    """A preview built as the rows go by: counts, and the rows to show (wrong ones first)."""

    def __init__(self, unknown: list[str]):
        self.counts = {"new": 0, "update": 0, "duplicate": 0, "error": 0}
        self.unknown = unknown
        self.problems: list[dict[str, Any]] = []
        self.others: list[dict[str, Any]] = []
        self.seen = 0

    def add(self, row: Row) -> None:
        self.seen += 1
        self.counts[row.action] += 1
        shown = {"row": row.number, "action": row.action, "name": row.name, "errors": row.errors}
        if row.action in ("error", "duplicate"):
            if len(self.problems) < SHOWN:
                self.problems.append(shown)
        elif len(self.others) < SHOWN:
            self.others.append(shown)

    def result(self) -> dict[str, Any]:
        rows = self.problems + self.others[: max(SHOWN - len(self.problems), 0)]
        return {
            "rows": sorted(rows, key=lambda r: r["row"]),
            "counts": self.counts,
            "unknown_columns": self.unknown,
            "shown": len(rows),
            "total": self.seen,
        }


def describe(rows: list[Row], unknown: list[str]) -> dict[str, Any]:
    """The preview of rows checked already, as the page, the command and the API show it."""
    summary = Summary(unknown)
    for row in rows:
        summary.add(row)
    return summary.result()


class Progress:
    """The rows done so far, written on the batch where the page reads it: at once outside a
    transaction; inside the import's transaction through a connection of its own on
    PostgreSQL (SQLite has one writer at a time: the page says "importing" without a count)."""

    def __init__(self, batch: ImportBatch):
        self.pk, self.other = batch.pk, None
        if connection.in_atomic_block and connection.vendor == "postgresql":
            self.other = connection.copy()

    def __call__(self, done: int) -> None:
        if not connection.in_atomic_block:
            ImportBatch.objects.filter(pk=self.pk).update(done=done)
        elif self.other is not None:
            with self.other.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET done = %s WHERE id = %s",
                    [done, self.pk],
                )

    def close(self) -> None:
        if self.other is not None:
            self.other.close()


def preview(batch: ImportBatch) -> dict[str, Any]:
    """Check every row, write nothing; the result is kept on the batch."""
    sheet = _sheet(batch)
    summary = Summary(sheet.unknown)
    progress = Progress(batch)
    for chunk in chunks(KINDS[batch.kind].check(sheet, batch.user), CHUNK):
        for row in chunk:
            summary.add(row)
        progress(summary.seen)
    result = summary.result()
    ImportBatch.objects.filter(pk=batch.pk).update(
        counts=result["counts"], result=result, done=summary.seen, total=summary.seen,
        status=ImportBatch.Status.PREVIEWED,
    )  # fmt: skip
    batch.refresh_from_db(fields=["counts", "result", "done", "total", "status"])
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


def _unsaved_relation(record: models.Model) -> bool:
    """Whether the record points at a row not saved yet (a department's new parent)."""
    for f in record._meta.concrete_fields:
        if isinstance(f, models.ForeignKey) and f.is_cached(record):
            related = f.get_cached_value(record)
            if related is not None and related.pk is None:
                return True
    return False


def _write(engine: Any, rows: list[Row], by: User, reason: str, written: dict[str, Any]) -> None:
    """Write one chunk's rows in bulk, with their history made by the importer."""
    model, now = engine.MODEL, timezone.now()
    pending: list[Row] = []

    def flush() -> None:
        if not pending:
            return
        records = [r.record for r in pending]
        for record in records:
            record._prepare_related_fields_for_save(operation_name="bulk_create")
        if hasattr(model, "history"):
            bulk_create_with_history(
                records, model, batch_size=CHUNK, default_user=by, default_change_reason=reason
            )
        else:
            model.objects.bulk_create(records, batch_size=CHUNK)
        if hasattr(engine, "created"):
            engine.created(pending, by)
        summaries.saved(model, records)  # with what the engine wrote beside the rows
        written["created"].extend([r.record.pk, getattr(r.record, "version", 1)] for r in pending)
        pending.clear()

    for row in rows:
        if row.action != "new" or row.record is None:
            continue
        if _unsaved_relation(row.record):
            flush()
        if hasattr(row.record, "refresh_derived"):
            row.record.refresh_derived()
        if hasattr(row.record, "version"):
            row.record.version = 1
        pending.append(row)
    flush()
    updates = [r for r in rows if r.action == "update" and r.record is not None]
    if updates:
        kept = {"id", "created_at", *getattr(model, "KEPT_ELSEWHERE", ())}
        fields = [f.name for f in model._meta.concrete_fields if f.name not in kept]
        for row in updates:
            if hasattr(row.record, "refresh_derived"):
                row.record.refresh_derived()
            row.record.version += 1
            row.record.updated_at = now
            old = {k: _plain(v) for k, v in row.changed.items()}
            written["updated"].append([row.record.pk, row.record.version, old])
        bulk_update_with_history(
            [r.record for r in updates], model, fields, batch_size=CHUNK, default_user=by,
            default_change_reason=reason,
        )  # fmt: skip
        # the owners the rows counted for before (an import may move a hospital or project)
        before = {r.changed["owner_id"] for r in updates if "owner_id" in r.changed}
        if hasattr(engine, "updated"):
            engine.updated(updates, by)
        summaries.saved(model, [r.record for r in updates], owners=before)


def confirm(batch: ImportBatch, *, claimed: bool = False) -> dict[str, Any]:
    """Write every row of the sheet, or none of them: the rows are checked again (the rows
    they update locked until the end) and written a chunk at a time in one transaction;
    any wrong row rolls back what was written and the whole preview is returned.

    The batch is claimed first, by a conditional update of its own (a second confirm of the
    same batch finds it taken; a worker's batch was claimed by `start`), and its row is not
    written again until the rows are: the import's progress goes to it meanwhile through
    another connection, which a lock on it would make wait forever."""
    Status = ImportBatch.Status
    if not claimed:
        taken = ImportBatch.objects.filter(pk=batch.pk, status=Status.PREVIEWED).update(
            status=Status.IMPORTING
        )
        if not taken:
            raise ValidationError(_("这个批次已经处理过了。"))
    try:
        return _import(batch)
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk, status=Status.IMPORTING).update(
            status=Status.PREVIEWED
        )
        raise


@transaction.atomic
def _import(batch: ImportBatch) -> dict[str, Any]:
    engine = KINDS[batch.kind]
    sheet = _sheet(batch)
    summary = Summary(sheet.unknown)
    written: dict[str, Any] = {"created": [], "updated": []}
    reason = _("导入：%(file)s") % {"file": batch.file_name}
    progress = Progress(batch)
    try:
        for chunk in chunks(engine.check(sheet, batch.user, lock=True), CHUNK):
            for row in chunk:
                summary.add(row)
            if not summary.counts["error"]:  # past the first wrong row only checked
                _write(engine, chunk, batch.user, reason, written)
            progress(summary.seen)
    finally:
        progress.close()
    result = summary.result()
    if result["counts"]["error"]:
        raise Blocked(result)  # leaving the transaction undoes what was written
    if hasattr(engine, "finished"):
        engine.finished(written)
    batch.status = ImportBatch.Status.IMPORTED
    batch.written, batch.counts, batch.imported_at = written, result["counts"], timezone.now()
    batch.result, batch.done = result, summary.seen
    batch.save(update_fields=["status", "written", "counts", "imported_at", "result", "done"])
    return result


@transaction.atomic
def undo(batch: ImportBatch, *, by: User, claimed: bool = False) -> None:
    """Take the whole import back: refused (nothing changed) when anything it wrote has been
    edited since, or a record it created has people, projects or visits on it now."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    wanted = ImportBatch.Status.UNDOING if claimed else ImportBatch.Status.IMPORTED
    if batch.status != wanted:
        raise ValidationError(_("只有已导入的批次可以撤销。"))
    engine = KINDS[batch.kind]
    model = engine.MODEL
    created = dict(batch.written.get("created", []))
    pks = list(created)
    for chunk in chunks(pks, CHUNK):
        rows = model.objects.filter(pk__in=chunk).select_for_update()
        for record in rows.only("pk", *(["version"] if hasattr(model, "version") else [])):
            if getattr(record, "version", 1) != created[record.pk]:
                raise ValidationError(_("%(name)s 导入后已被修改，不能撤销。") % {"name": record})
    for chunk in chunks(pks, CHUNK):
        used = engine.in_use(chunk, pks)
        if used is not None:
            raise ValidationError(
                _("%(name)s 导入后已有人在用（联系人、项目或拜访），不能撤销。") % {"name": used}
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
    tree = any(f.related_model is model for f in model._meta.concrete_fields if f.is_relation)
    for chunk in chunks(list(reversed(pks)), 1 if tree else CHUNK):  # a tree: children first
        model.objects.filter(pk__in=chunk).delete()
    if hasattr(engine, "removed"):
        engine.removed(batch.written)
    batch.status, batch.undone_at = ImportBatch.Status.UNDONE, timezone.now()
    batch.save(update_fields=["status", "undone_at"])


STEPS = {  # step: (the status it starts from, the status while a worker has it)
    "check": (ImportBatch.Status.PREVIEWED, ImportBatch.Status.CHECKING),
    "import": (ImportBatch.Status.PREVIEWED, ImportBatch.Status.IMPORTING),
    "undo": (ImportBatch.Status.IMPORTED, ImportBatch.Status.UNDOING),
}


def start(batch: ImportBatch, step: str) -> bool:
    """Hand a batch's preview ("check"), import ("import") or undo ("undo") to a worker;
    False when it was handed already (a second click)."""
    before, status = STEPS[step]
    taken = ImportBatch.objects.filter(pk=batch.pk, status=before).update(
        status=status, done=0, error=""
    )
    if taken:
        batch.status = status
        run_batch.enqueue(batch.pk, step)  # a row in the same transaction: queued with it
    return bool(taken)


@task()
def run_batch(batch_id: int, step: str) -> str:
    """A worker checks, imports or undoes one large batch (see STEPS)."""
    batch = ImportBatch.objects.select_related("user").get(pk=batch_id)
    if batch.status != STEPS[step][1]:
        return "taken"
    if step == "undo":
        return _undo_in_background(batch)
    try:
        with translation.override(batch.language):
            if step == "check":
                preview(batch)
            else:
                confirm(batch, claimed=True)
    except Blocked as blocked:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.PREVIEWED, result=blocked.result,
            counts=blocked.result["counts"],
        )  # fmt: skip
        tell(batch, "check")
        return "blocked"
    except (ValidationError, SheetError) as error:
        message = " ".join(getattr(error, "messages", [str(error)]))
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, error=message[:2000]
        )
        return "failed"
    except Exception as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, error=str(error)[:2000]
        )
        raise
    tell(batch, step)
    return "done"


def _undo_in_background(batch: ImportBatch) -> str:
    try:
        with translation.override(batch.language):
            undo(batch, by=batch.user, claimed=True)
    except ValidationError as refused:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.IMPORTED, error=" ".join(refused.messages)[:2000]
        )
        return "refused"
    except Exception as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.IMPORTED, error=str(error)[:2000]
        )
        raise
    return "undone"


def tell(batch: ImportBatch, step: str) -> bool:
    """The importer hears that a worker has checked or imported their sheet (they may have
    left the page)."""
    batch.refresh_from_db(fields=["counts", "status"])
    kind = Kind.IMPORT_DONE if batch.status == ImportBatch.Status.IMPORTED else Kind.IMPORT_CHECKED
    counts = {"new": 0, "update": 0, "duplicate": 0, "error": 0, **batch.counts}
    return notify(
        recipient=batch.user, kind=kind, key=f"import:{batch.pk}:{step}",
        url=reverse("imports:import-preview", args=[batch.pk]), file=batch.file_name, **counts,
    )  # fmt: skip


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
    hints = engine.hints() if hasattr(engine, "hints") else {}
    for c in engine.COLUMNS:
        notes.append([c.header, _("是") if c.required else "", hints.get(c.field, c.hint)])
    notes.append([])
    notes.append(
        [_("同一家医院：名称与城市相同（全角半角、空格不计，城市可省略“市”）；院区算另一家医院。")]
    )
    for line in getattr(engine, "NOTES", ()):
        notes.append([str(line)])
    notes.append([_("已有的记录只更新表中填写的单元格，空白单元格保持原值。")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
