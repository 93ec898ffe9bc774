"""Turn django-simple-history rows into "who changed what, when" entries for a record page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User

from .models import PurchaseRole

# Bookkeeping fields: never shown as changes.
_HIDDEN = {"id", "version", "created_at", "updated_at", "pinyin", "initials", "search_text"}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime
    who: User | None
    kind: str  # "+", "~" or "-"
    changes: list[Change] = field(default_factory=list)

    @property
    def verb(self) -> str:
        return {"+": _("创建"), "-": _("删除")}.get(self.kind, _("修改"))


def _display(model: type[models.Model], name: str, value, fk_names: dict) -> str:
    if value in (None, "", []):
        return "—"
    f = model._meta.get_field(name)
    if isinstance(f, models.ForeignKey):
        return fk_names.get((f.related_model, value), f"#{value}")
    if f.choices:
        return str(dict(f.choices).get(value, value))
    if name == "roles" and isinstance(value, list):
        labels = dict(PurchaseRole.choices)
        return "、".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, date | datetime):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def history_entries(
    model: type[models.Model], rows: list, *, limit: int, hidden: set[str] = frozenset()
) -> list[Entry]:
    """Entries for the first `limit` of `rows` (historical rows, newest first, history_user
    loaded). Pass up to one row more: it is only the base the last shown row is compared
    with. Values of `hidden` fields show as restricted."""
    if not rows:
        return []
    tracked = {f.attname for f in type(rows[0])._meta.concrete_fields}
    fields = [
        f for f in model._meta.concrete_fields if f.name not in _HIDDEN and f.attname in tracked
    ]
    fk_ids: dict[type, set] = {}
    for f in fields:
        if isinstance(f, models.ForeignKey):
            ids = {getattr(r, f.attname) for r in rows} - {None}
            fk_ids.setdefault(f.related_model, set()).update(ids)
    fk_names = {
        (related, obj.pk): str(obj)
        for related, ids in fk_ids.items()
        if ids
        for obj in related._default_manager.filter(pk__in=ids)
    }
    shown = rows[:limit]
    entries = []
    for i, row in enumerate(shown):
        older = rows[i + 1] if i + 1 < len(rows) else None
        entry = Entry(when=row.history_date, who=row.history_user, kind=row.history_type)
        if older is not None and row.history_type == "~":
            for f in fields:
                old, new = getattr(older, f.attname), getattr(row, f.attname)
                if old == new:
                    continue
                if f.name in hidden:
                    entry.changes.append(Change(str(f.verbose_name), _("（受限）"), _("（受限）")))
                else:
                    entry.changes.append(
                        Change(
                            str(f.verbose_name),
                            _display(model, f.name, old, fk_names),
                            _display(model, f.name, new, fk_names),
                        )
                    )
        entries.append(entry)
    return entries
