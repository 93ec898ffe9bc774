"""Every write to hospitals, departments and contacts goes through here.

One rule for concurrent edits: a save names the version it was edited from; if the row has
moved on since, the save is refused with EditConflict and nothing is written
(docs/decisions/0004-optimistic-locking.md).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Contact, Department, Hospital

Record = TypeVar("Record", Hospital, Department, Contact)


class EditConflict(Exception):
    """Someone else saved the record after this user opened it."""

    def __init__(self, current: Hospital | Department | Contact):
        self.current = current
        history = getattr(current, "history", None)  # models without history: no name
        last = history.select_related("history_user").first() if history else None
        self.changed_by = last.history_user if last else None
        self.changed_at = last.history_date if last else current.updated_at
        super().__init__(self.message)

    @property
    def message(self) -> str:
        who = str(self.changed_by) if self.changed_by else _("其他用户")
        return _(
            "保存未成功：%(who)s 在您打开此页面之后修改了这条记录。"
            "您的输入已保留在表单中，请核对最新内容后再保存。"
        ) % {"who": who}


@transaction.atomic
def save_record(*, record: Record, by: User, expected_version: int | None = None) -> Record:
    """Validate and save a new or edited record, refusing a stale edit.

    `expected_version` is the version the user started editing from; it defaults to the
    version the record was loaded with, so even a read-modify-write in one request is safe.
    """
    if hasattr(record, "refresh_derived"):
        record.refresh_derived()
    record.full_clean()
    record._history_user = by
    if record.pk is None:
        record.version = 1
        record.save()
        return record
    started_from = record.version if expected_version is None else expected_version
    moved = (
        type(record)
        .objects.filter(pk=record.pk, version=started_from)
        .update(version=started_from + 1)
    )
    if not moved:
        raise EditConflict(type(record).objects.get(pk=record.pk))
    record.version = started_from + 1
    # fields other code keeps in step (a project's contact dates, set by each follow-up) are
    # not written back as they were loaded: a contact logged meanwhile would be undone
    kept = getattr(record, "KEPT_ELSEWHERE", ())
    written = [f.name for f in record._meta.concrete_fields if not f.primary_key]
    record.save(update_fields=[f for f in written if f not in kept] if kept else None)
    return record


def apply_changes(record: Record, changes: dict[str, Any]) -> Record:
    for field, value in changes.items():
        setattr(record, field, value)
    return record
