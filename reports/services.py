"""Writes of the reports app: a manager's remark on their week, and submitting the week, which
freezes it (docs/decisions/0010-weekly-summaries-and-snapshots.md)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from o2crm.dates import week_start
from o2crm.records import save_record

from . import weekly
from .models import WeeklyLine, WeeklySummary


def _draft(*, owner: User, monday: date, by: User) -> WeeklySummary:
    if by.pk != owner.pk:
        raise PermissionDenied(_("周报只能由销售经理本人填写和提交。"))
    if monday > week_start(timezone.localdate()):
        raise ValidationError({"week": _("这一周还没有开始，不能提交。")}, code="future_week")
    summary, _created = WeeklySummary.objects.get_or_create(owner=owner, week_start=monday)
    if summary.is_submitted:
        when = formats.date_format(timezone.localtime(summary.submitted_at), "DATETIME_FORMAT")
        raise ValidationError(
            {"week": _("这一周已于 %(when)s 提交，提交后不能再修改。") % {"when": when}},
            code="already_submitted",
        )
    return summary


@transaction.atomic
def save_remark(
    *, owner: User, monday: date, remark: str, by: User, expected_version: int | None = None
) -> WeeklySummary:
    """Keep the manager's remark on a week they have not submitted yet."""
    summary = _draft(owner=owner, monday=monday, by=by)
    summary.remark = remark.strip()
    return save_record(record=summary, by=by, expected_version=expected_version)


@transaction.atomic
def submit_week(
    *,
    owner: User,
    monday: date,
    by: User,
    remark: str | None = None,
    expected_version: int | None = None,
) -> WeeklySummary:
    """Freeze the week as the records tell it now: its totals, its visits and one line per
    project. Later edits to the projects change the live records, never this copy."""
    summary = _draft(owner=owner, monday=monday, by=by)
    if remark is not None:
        summary.remark = remark.strip()
    lines, visits = weekly.records(owner, monday)
    data = weekly.shape(owner, monday, lines, visits)
    summary.totals = {**data["totals"], "visits": data["visits"]}
    summary.submitted_at = timezone.now()
    summary.submitted_by = by
    save_record(record=summary, by=by, expected_version=expected_version)
    WeeklyLine.objects.bulk_create(
        WeeklyLine(
            summary=summary,
            project_id=row["project"],
            week_start=monday,
            project_name=row["name"],
            hospital_name=row["hospital"],
            stage_start_id=row["stage_start"],
            stage_end_id=row["stage_end"],
            status=row["status"],
            is_new=row["new"],
            business=row["business"],
            relationship=row["relationship"],
            progress=row["progress"],
            next_step=row["next_step"],
            next_step_date=row["next_step_date"],
            overdue=row["overdue"],
        )
        for row in lines
    )
    return summary
