"""The contact clocks: what the cadence rule (A every 7 days, B every 30, business and
relationship apart) and 联络达标 read instead of scanning a million follow-ups.

Each is derived from the follow-ups and kept here, by these functions and nowhere else:

- `FollowUp.gap_days`: days since the project's previous contact of the same kind (since
  the project's creation for the first) — decision 0009;
- `Project.last_business_contact_on`, `last_relationship_contact_on`: the newest contact of
  each kind;
- `Project.late_{business,relationship}_{a,b}_on`: the newest contact of each kind that came
  more than the A, or the B, cadence after the one before — decision 0012;
- `ContactMonth` rows: per project and ended month, the longest gaps and the clocks at the
  month's end, built the first time a month is asked for — decision 0015. A writer that
  moves a project's clocks or months says `summaries.changed(Project, …)` after both, so a
  summary that reads the month rows (联络达标 of last month) follows — decision 0029.

The writers: `contact_logged` (pipeline.services.log_follow_up, for every follow-up the pages,
the API, visits and tasks record), `cadences_changed` (pipeline.services.change_settings,
which the admin calls), `set_project_clocks` and `gaps_in_order` (the scale generator, in
bulk), `projects_changed` (follow-ups written or removed in bulk, and projects whose start
moved: an import and its undo), `build_months` and `ensure_months` (the reports). Follow-ups
are read-only in the admin, so nothing else writes a follow-up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import DateField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone

from o2crm import summaries
from o2crm.dates import midnight

from . import domain
from .models import ContactKind, ContactMonth, FollowUp, PipelineSettings, Project

LAST_CONTACT = {
    ContactKind.BUSINESS: "last_business_contact_on",
    ContactKind.RELATIONSHIP: "last_relationship_contact_on",
}


def gap_days(day: date, previous: date) -> int:
    """Days from the previous contact (or the project's start) to this one; never negative."""
    return max((day - previous).days, 0)


def gaps_in_order(contacts: Sequence[tuple[int, str, date]], started: dict[int, date]) -> list[int]:
    """The gap of each (project id, kind, date) among `contacts`, as contact_logged keeps it,
    for rows inserted in bulk; `started` gives each project's creation day."""
    gaps = [0] * len(contacts)
    previous: dict[tuple[int, str], date] = {}
    for i in sorted(range(len(contacts)), key=lambda i: contacts[i]):
        project, kind, day = contacts[i]
        gaps[i] = gap_days(day, previous.get((project, kind), started[project]))
        previous[project, kind] = day
    return gaps


def newest_contact(kind: str, **conditions: object) -> Subquery:
    """The date of the project's newest follow-up of `kind` that meets `conditions`, for an
    annotation or an UPDATE: a backward scan of the follow-ups' (project, kind, date) index."""
    return Subquery(
        FollowUp.objects.filter(project=OuterRef("pk"), kind=kind, **conditions)
        .order_by("-date")
        .values("date")[:1]
    )


def late_contact_dates(settings: PipelineSettings) -> dict[str, Subquery]:
    """For each kind and class cadence, the newest contact whose gap exceeded the cadence."""
    return {
        f"late_{kind}_{cls}_on": newest_contact(kind, gap_days__gt=days)
        for kind in ContactKind.values
        for cls, days in (("a", settings.cadence_a_days), ("b", settings.cadence_b_days))
    }


def set_project_clocks(projects: QuerySet[Project], settings: PipelineSettings) -> int:
    """Set the projects' last-contact and late-contact dates from their follow-ups (one
    UPDATE; for every project at once it rewrites the whole table)."""
    clocks = {field: newest_contact(kind) for kind, field in LAST_CONTACT.items()}
    done = projects.update(**clocks, **late_contact_dates(settings))
    summaries.changed(Project, set(projects.order_by().values_list("owner_id", flat=True)))
    return done


def cadences_changed(settings: PipelineSettings) -> int:
    """New cadences: every project's late-contact dates, from the gaps already stored (the
    summaries as of today are built again: `change_settings` says so)."""
    return Project.objects.update(**late_contact_dates(settings))


@transaction.atomic
def contact_logged(follow_up: FollowUp) -> None:
    """A follow-up was just saved with its gap (see `gap_before`): the next contact of its
    kind now counts its gap from it, and the project's clocks and built months follow."""
    same_kind = FollowUp.objects.filter(project_id=follow_up.project_id, kind=follow_up.kind)
    after = same_kind.filter(date__gt=follow_up.date).order_by("date", "pk").first()
    if after:  # logged late, between two contacts
        FollowUp.objects.filter(pk=after.pk).update(gap_days=gap_days(after.date, follow_up.date))
    field = LAST_CONTACT[ContactKind(follow_up.kind)]
    project = Project.objects.filter(pk=follow_up.project_id)
    # the clock moves forward, never back: a contact logged late does not hide a newer one
    project.filter(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": follow_up.date})).update(
        **{field: follow_up.date}
    )
    # the gaps just written may have made a contact late, or (logged between two) no longer
    project.update(**late_contact_dates(PipelineSettings.current()))
    # the first contact since a handover: no longer waiting for one
    project.filter(handed_over_at__lt=midnight(follow_up.date + timedelta(days=1))).update(
        handed_over_at=None
    )
    built = ContactMonth.objects.filter(
        project_id=follow_up.project_id, month__gte=follow_up.date.replace(day=1)
    ).values_list("month", flat=True)
    build_months(list(built), project_ids=[follow_up.project_id])
    # its clocks and its months moved: the summaries that read either follow
    summaries.changed(Project, project.values_list("owner_id", flat=True))


@transaction.atomic
def projects_changed(project_ids: Sequence[int]) -> None:
    """Follow-ups of these projects were written or deleted in bulk, or their start moved:
    every clock of theirs again from the rows — each follow-up's gap, the projects' last and
    late contact dates, a handover's wait for a first contact, and the months built."""
    ids = sorted(set(project_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        started = {
            pk: timezone.localdate(created)
            for pk, created in Project.objects.filter(pk__in=chunk).values_list("pk", "created_at")
        }
        rows = list(
            FollowUp.objects.filter(project_id__in=chunk).values_list(
                "pk", "project_id", "kind", "date", "gap_days"
            )
        )
        gaps = gaps_in_order([(p, k, d) for _pk, p, k, d, _g in rows], started)
        stale = [
            FollowUp(pk=row[0], gap_days=gap)
            for row, gap in zip(rows, gaps, strict=True)
            if row[4] != gap
        ]
        FollowUp.objects.bulk_update(stale, ["gap_days"], batch_size=500)
        first = min(started.values(), default=None)
        if first is not None:  # the months first: the clocks' summaries read them too
            built = ContactMonth.objects.filter(month__gte=first.replace(day=1))
            months = sorted(set(built.values_list("month", flat=True)))
            build_months(months, project_ids=chunk)
        projects = Project.objects.filter(pk__in=chunk)
        set_project_clocks(projects, PipelineSettings.current())
        waiting = projects.filter(handed_over_at__isnull=False).values_list(
            "pk", "handed_over_at", *LAST_CONTACT.values()
        )
        contacted = [
            pk
            for pk, handed, *last in waiting
            if max((d for d in last if d), default=date.min) >= timezone.localdate(handed)
        ]
        Project.objects.filter(pk__in=contacted).update(handed_over_at=None)


def gap_before(follow_up: FollowUp) -> int:
    """The gap a follow-up about to be saved will carry: from the project's newest contact of
    its kind on or before its date, or from the project's creation."""
    before = (
        FollowUp.objects.filter(
            project_id=follow_up.project_id, kind=follow_up.kind, date__lte=follow_up.date
        )
        .order_by("-date")
        .first()
    )
    started = timezone.localdate(follow_up.project.created_at)
    return gap_days(follow_up.date, before.date if before else started)


def build_months(months: list[date], project_ids: list[int] | None = None) -> None:
    """(Re)build the ContactMonth rows of `months` (first days of months that have ended)
    from the follow-ups: of every project created by each month's end, or of `project_ids`.
    One INSERT … SELECT a month; each value a lookup on the follow-ups' project index."""

    def longest(kind: str, **dates: object) -> Subquery:
        return Subquery(
            FollowUp.objects.filter(project=OuterRef("pk"), kind=kind, **dates)
            .order_by()
            .values("project")
            .annotate(gap=Max("gap_days"))
            .values("gap")
        )

    columns = [
        "project_id",
        "month",
        "business_gap_first",
        "business_gap_rest",
        "business_clock",
        "relationship_gap_first",
        "relationship_gap_rest",
        "relationship_clock",
        "first_clock",
    ]
    for month in months:
        after = domain.add_months(month, 1)
        projects = Project.objects.filter(created_at__lt=midnight(after))
        rows = ContactMonth.objects.filter(month=month)
        if project_ids is not None:
            projects = projects.filter(pk__in=project_ids)
            rows = rows.filter(project_id__in=project_ids)
        values: dict[str, Any] = {"first_day": Value(month, output_field=DateField())}
        started = TruncDate("created_at")
        for kind in (ContactKind.BUSINESS, ContactKind.RELATIONSHIP):
            values[f"{kind}_gap_first"] = longest(kind, date=month)
            values[f"{kind}_gap_rest"] = longest(kind, date__gt=month, date__lt=after)
            values[f"{kind}_clock"] = newest_contact(kind, date__lt=after)
        values["first_clock"] = Least(
            Coalesce(values["business_clock"], started),
            Coalesce(values["relationship_clock"], started),
        )
        select = projects.order_by().annotate(**values)
        sql, params = select.values_list("pk", "first_day", *columns[2:]).query.sql_with_params()
        with transaction.atomic():
            rows.delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {ContactMonth._meta.db_table} ({', '.join(columns)}) {sql}",
                    params,
                )


def ensure_months(months: list[date]) -> None:
    """Build the months not built yet (the first request for a month pays for it once);
    a month another request is building at the same moment is left to it."""
    for month in months:
        if not ContactMonth.objects.filter(month=month).exists():
            with contextlib.suppress(IntegrityError):
                build_months([month])
