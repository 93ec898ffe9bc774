"""What every report shares: the scope (whose projects, which period), money to the yuan,
the months of a period. Each report is a module of its own (funnel, sources, forecast,
discipline, dashboard), starting from `Project.visible_to` and returning plain rows that the
page, the JSON and the workbook all print unchanged, in a fixed number of SQL queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from o2crm import summaries
from o2crm.dates import midnight
from pipeline.domain import add_months
from pipeline.models import (
    Project,
)


@dataclass(frozen=True)
class Scope:
    """Whose projects and which period a report covers (all optional but the period)."""

    start: date
    end: date  # inclusive
    owner: int | None = None
    team: int | None = None
    province: str = ""

    @property
    def since(self) -> datetime:
        return midnight(self.start)

    @property
    def until(self) -> datetime:
        return midnight(self.end + timedelta(days=1))

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "owner": self.owner,
            "team": self.team,
            "province": self.province,
        }


def projects(user: User, scope: Scope) -> QuerySet[Project]:
    return scoped(Project.objects.visible_to(user), scope)


def scoped(qs: QuerySet, scope: Scope, path: str = "") -> QuerySet:
    """`qs` narrowed to the scope's owner, team and province (`path` leads to the project)."""
    if scope.owner:
        qs = qs.filter(**{f"{path}owner_id": scope.owner})
    if scope.team:
        qs = qs.filter(**{f"{path}owner__team_id": scope.team})
    if scope.province:
        qs = qs.filter(**{f"{path}hospital__province": scope.province})
    return qs


def cells(topic: str, user: User, scope: Scope, **levels: bool) -> QuerySet:
    """A summary's cells for the scope's manager, team and province, that `user` may see
    (`levels`: by_owner, by_team; summaries.cells). A summary without provinces (the won
    projects) ignores the province."""
    return summaries.cells(
        topic, user, owner=scope.owner, team=scope.team, province=scope.province, **levels
    )


def one_if(condition: Q) -> Case:
    """1 where `condition` holds, else 0: a flag a summary's measures add up."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def money(value) -> Decimal:
    """A sum of money to the yuan, none as 0."""
    return (value or Decimal(0)).quantize(Decimal("1"))


MANAGERS_PAGE = 50  # the JSON's managers a page: 500 in one answer grew with the company


def page_of(rows: list, page: int | None) -> tuple[list, dict]:
    """The managers of a JSON answer a page at a time: `page` of MANAGERS_PAGE rows (past the
    last: the last) and the keys that say so (`managers_page`, `managers_count`); with no
    page, all of them and `managers_count` alone (the page and the workbook)."""
    count = {"managers_count": len(rows)}
    if page is None:
        return rows, count
    pages = max(1, -(-len(rows) // MANAGERS_PAGE))
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * MANAGERS_PAGE : page * MANAGERS_PAGE]
    return shown, {**count, "managers_page": {"number": page, "pages": pages}}


MAX_MONTHS = 24  # the longest period a monthly breakdown shows


def months_between(start: date, end: date) -> list[date]:
    """First days of the months from start's month to end's month (at most MAX_MONTHS)."""
    month, out = start.replace(day=1), []
    while month <= end and len(out) < MAX_MONTHS:
        out.append(month)
        month = add_months(month, 1)
    return out


def whole_months(start: date, end: date) -> list[date]:
    """The months a period covers when it is whole months that have all ended, else []."""
    if start.day != 1 or (end + timedelta(days=1)).day != 1 or end >= timezone.localdate():
        return []
    months = months_between(start, end)
    return months if add_months(months[-1], 1) == end + timedelta(days=1) else []


def as_date(value) -> date:
    """A date from raw SQL: PostgreSQL returns one, SQLite its ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
