"""Versioned records: every write of a row people edit goes through `save_record`.

One rule for concurrent edits: a save names the version it was edited from; if the row has
moved on since, the save is refused with EditConflict and nothing is written
(docs/decisions/0004-optimistic-locking.md). Hospitals, departments, contacts, projects,
surveys, visits, proposals and weekly summaries are all `Versioned`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class Versioned(models.Model):
    """A row that counts its saves, so that a stale edit can be refused."""

    version = models.PositiveIntegerField(gettext_lazy("版本"), default=1)
    created_at = models.DateTimeField(gettext_lazy("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("更新时间"), auto_now=True)

    class Meta:
        abstract = True


Record = TypeVar("Record", bound=Versioned)


class VersionedForm(forms.ModelForm):  # type: ignore[type-arg]  # of any versioned model
    """Carries the version the user started from, so a stale save can be refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    @property
    def expected_version(self) -> int | None:
        version: int | None = self.cleaned_data.get("version")
        return version


class EditConflict(Exception):
    """Someone else saved the record after this user opened it."""

    def __init__(self, current: Versioned):
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
def save_record(
    *, record: Record, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Record:
    """Validate and save a new or edited record, refusing a stale edit.

    `expected_version` is the version the user started editing from; it defaults to the
    version the record was loaded with, so even a read-modify-write in one request is safe.
    """
    if hasattr(record, "refresh_derived"):
        record.refresh_derived()
    record.full_clean()
    record._history_user = by  # type: ignore[attr-defined]  # read by django-simple-history
    if record.pk is None:
        record.version = 1
        record.save()
        return record
    started_from = record.version if expected_version is None else expected_version
    moved = (
        type(record)
        ._default_manager.filter(pk=record.pk, version=started_from)
        .update(version=started_from + 1)
    )
    if not moved:
        raise EditConflict(type(record)._default_manager.get(pk=record.pk))
    record.version = started_from + 1
    # fields other code keeps in step (a project's contact dates, set by each follow-up) are
    # not written back as they were loaded: a contact logged meanwhile would be undone
    kept = getattr(record, "KEPT_ELSEWHERE", ())
    written = [f.name for f in record._meta.concrete_fields if not f.primary_key]
    record.save(update_fields=[f for f in written if f not in kept] if kept else None)
    return record


class RecordAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # simple-history has no types
    """The admin of a versioned record: a save goes through save_record like any other, so
    the version moves on and the history names who changed it. The version is shown, not
    edited."""

    readonly_fields: tuple[str, ...] = ("version",)

    def save_model(self, request: Any, obj: Versioned, form: Any, change: bool) -> None:
        save_record(record=obj, by=request.user)
