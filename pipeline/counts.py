"""Rows counted by the summaries (decision 0029), for the API's page totals of the national
lists: a COUNT of a million follow-ups is a scan of the whole table, the summary's cells are
one row for the director and a few for a team."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Least

from o2crm import summaries
from o2crm.dates import week_end

from .models import FollowUp, PipelineSettings, Project, earliest_contact


def owner_of_project(row: Any) -> list[int]:
    """Whose a row that hangs off a project is (a follow-up, a stage change, a contract): its
    project's owner, the rule of those rows (decision 0003). A summary's `sources` entry."""
    return list(Project.objects.filter(pk=row.project_id).values_list("owner_id", flat=True))


FOLLOW_UPS = summaries.register(
    summaries.Summary(
        topic="follow-ups",
        rows=lambda: FollowUp.objects.all(),
        owner="project__owner_id",
        measures={"n": Count("*")},
        sources={FollowUp: owner_of_project, Project: None},
    )
)


def due_this_week(projects: QuerySet[Project], settings: PipelineSettings, today: date):
    """待跟进's rows: `projects` whose business or relationship contact is late or falls due
    this week (by Sunday), with `first_due` (the earlier of the two) and `late` (1 when
    either is late today, else 0). One definition for the page and its summary."""
    horizon = week_end(today)
    late = Q(business_due_on__lt=today) | Q(relationship_due_on__lt=today)
    return (
        projects.with_cadence(settings, today)
        .filter(Q(business_due_on__lte=horizon) | Q(relationship_due_on__lte=horizon))
        .annotate(
            first_due=Least("business_due_on", "relationship_due_on"),
            late=Case(When(late, then=Value(1)), default=Value(0)),
        )
    )


def due_page_ids(
    projects: QuerySet[Project], settings: PipelineSettings, today: date, start: int, size: int
) -> list[int]:
    """The ids of 待跟进's rows `start` to `start + size` in due order (the first due date,
    then the id), as due_this_week(projects, …).order_by("first_due", "pk") gives them. Within
    a class both kinds share the cadence, so the first due date is the earlier contact clock
    (earliest_contact) plus the class's days: per class, the index of the open projects in
    that order (project_open_earliest_contact) yields its first `start + size`, and the two
    merge. The country's 35,000 open projects are not sorted by a date that moves with today."""
    horizon = week_end(today)
    rows: list[tuple[date, int]] = []
    for cls, days in (("A", settings.cadence_a_days), ("B", settings.cadence_b_days)):
        cadence = timedelta(days=days)
        rows += [
            (earliest + cadence, pk)
            for pk, earliest in projects.of_class(cls, settings, today)
            .annotate(earliest=earliest_contact())
            .filter(earliest__lte=horizon - cadence)
            .order_by("earliest", "pk")
            .values_list("pk", "earliest")[: start + size]
        ]
    return [pk for _due, pk in sorted(rows)[start : start + size]]


# 待跟进's count per manager: the open projects due this week (n) and those late today (a), by
# owner. As of today (decision 0029): the week's end and lateness move with the date; the
# writers of the contact clocks and of projects keep the day's cells.
DUE_THIS_WEEK = summaries.register(
    summaries.Summary(
        topic="due-this-week",
        rows=lambda today: due_this_week(Project.objects.open(), PipelineSettings.current(), today),
        as_of_today=True,
        measures={"n": Count("*"), "a": Sum("late")},
        sources={Project: None},
    )
)
