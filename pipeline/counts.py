"""Rows counted by the summaries (decision 0029), for the API's page totals of the national
lists: a COUNT of a million follow-ups is a scan of the whole table, the summary's cells are
one row for the director and a few for a team."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from o2crm import summaries

from .models import FollowUp, Project


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
