"""What each stage change knows of the changes before it: when its project entered the stage
it leaves (`entered_at`, the change before's time) and whether the project had been in the
stage it enters before (`again`). The 销售管道图's conversion is counted from them
(reports/funnel.py): a move on is counted on the day its stage was entered, and only the
few re-entries need a second look to count each project once.

A change made through the services is stamped as it is made (`stamp`); a writer that
creates or redates changes in bulk (an import, the demo's history) restamps their projects
(`restamp`), as the migration that added the fields did for every project."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from .models import StageChange

CHUNK = 2000


def stamp(change: StageChange) -> None:
    """Fill a new change's fields from its project's changes so far (before it is saved)."""
    before = StageChange.objects.filter(project_id=change.project_id).order_by()
    last = before.order_by("-changed_at", "-pk").values_list("changed_at", flat=True).first()
    change.entered_at = last if change.from_stage_id is not None else None
    change.again = before.filter(to_stage_id=change.to_stage_id).exists()


def restamp(project_ids: Iterable[int]) -> int:
    """Recompute the fields of every change of these projects, in order; the number of
    changes whose fields changed. Summaries are the caller's to refresh (bulk_update sends
    no signal)."""
    ids = sorted(set(project_ids))
    updated = 0
    for i in range(0, len(ids), CHUNK):
        rows = StageChange.objects.filter(project_id__in=ids[i : i + CHUNK]).order_by(
            "project_id", "changed_at", "pk"
        )
        dirty = list(unstamped(rows))
        StageChange.objects.bulk_update(dirty, ["entered_at", "again"], batch_size=CHUNK)
        updated += len(dirty)
    return updated


def unstamped(rows: Iterable[Any]) -> Iterator[Any]:
    """The changes (ordered by project, then time) whose stored fields are not what their
    order says, with the right values set."""
    project: int | None = None
    last: datetime | None = None
    seen: set[int] = set()
    for change in rows:
        if change.project_id != project:
            project, last, seen = change.project_id, None, set()
        entered_at = last if change.from_stage_id is not None else None
        again = change.to_stage_id in seen
        if (change.entered_at, change.again) != (entered_at, again):
            change.entered_at, change.again = entered_at, again
            yield change
        last = change.changed_at
        seen.add(change.to_stage_id)
