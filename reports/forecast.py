"""成单预测 and its accuracy: open value by month of planned purchase, per manager, and how
earlier weeks' forecasts compared with what was won."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DateField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import (
    Cast,
    TruncMonth,
)
from django.utils import timezone

from accounts.models import Team, User, people_named
from hospitals.models import Hospital
from o2crm import summaries
from pipeline.domain import add_months, weighted
from pipeline.models import (
    ForecastSnapshot,
    ForecastSnapshotRow,
    Project,
    Stage,
    Status,
    planned_month,
    value_times_probability,
)

from .funnel import owners_of_projects
from .scope import Scope, cells, money, months_between, page_of


def every_owner(_stage: Stage) -> list[int]:
    """A stage reweighted: every owner's weighted forecast moves."""
    return list(Project.objects.open().order_by().values_list("owner_id", flat=True).distinct())


# Open projects by owner, province and month of planned purchase: how many, their value, the
# committed value and value × probability (exact, % points).
FORECAST = summaries.register(
    summaries.Summary(
        topic="forecast",
        rows=lambda: Project.objects.open().filter(planned_purchase_date__isnull=False),
        province="hospital__province",
        day=planned_month(),
        measures={
            "n": Count("*"),
            "a": Sum("contract_value"),
            "b": Sum("contract_value", filter=Q(committed=True)),
            "c": value_times_probability(),
        },
        sources={Project: None, Hospital: owners_of_projects, Stage: every_owner},
    )
)

# What was won, by owner and month of closing.
WON = summaries.register(
    summaries.Summary(
        topic="won",
        rows=lambda: Project.objects.filter(status=Status.WON, closed_at__isnull=False),
        day=Cast(TruncMonth("closed_at"), DateField()),
        measures={"n": Count("*"), "a": Sum("contract_value")},
        sources={Project: None},
    )
)


def forecast_cells(
    user: User,
    scope: Scope,
    start: date,
    after: date,
    by_owner: bool = True,
    by_team: bool = False,
):
    """The forecast summary's cells for the scope, months from `start` up to `after`."""
    return cells(FORECAST.topic, user, scope, by_owner=by_owner, by_team=by_team).filter(
        day__gte=start, day__lt=after
    )


# 成单预测 ---------------------------------------------------------------------------------------


def forecast(user: User, scope: Scope, largest: int | None = None, page: int | None = None) -> dict:
    """Expected wins by month of planned purchase: open projects' value, value weighted by the
    stage's win probability, and the value the managers marked as committed; per manager,
    per team and in total. With `largest`, only that many managers, the largest weighted
    totals first (the page); with `page`, that page of MANAGERS_PAGE managers in
    team and name order (the JSON); `managers_count` says how many there are.

    From the forecast summary (decision 0029): the managers ranked on their totals in SQL,
    then only the shown managers' months; the teams from the team cells and the total from
    the national ones, so the work does not grow with the number of managers."""
    months = months_between(scope.start, scope.end)
    if not months:
        return {
            "scope": scope.as_dict(),
            "months": [],
            "managers": [],
            "managers_count": 0,
            "teams": [],
            "total": {},
            "accuracy": accuracy(user, scope, largest=largest, page=page),
        }
    after = add_months(months[-1], 1)
    index = {m: i for i, m in enumerate(months)}
    zero = Decimal(0)

    def monthly(rows, key: str) -> dict[int, list[list]]:
        """key → per month [count, value, value × probability (% points), committed]."""
        out: dict[int, list[list]] = {}
        for who, month, n, value, committed, value_times in rows.values_list(
            key, "day", "n", "a", "b", "c"
        ):
            cells = out.setdefault(who, [[0, zero, zero, zero] for _ in months])
            cell = cells[index[month]]
            cell[0] += n
            cell[1] += value or zero
            cell[2] += value_times or zero
            cell[3] += committed or zero
        return out

    def as_cells(cells: list[list]) -> list[dict]:
        return [
            {
                "count": n,
                "value": money(value),
                "weighted": money(weighted(value_times)),  # exact until here
                "committed": money(committed),
            }
            for n, value, value_times, committed in cells
        ]

    def summed(cells: list[list]) -> list:
        return [sum(c[0] for c in cells), *(sum((c[k] for c in cells), zero) for k in (1, 2, 3))]

    asked = page  # the accuracy's managers are paged on their own count
    by_owner = forecast_cells(user, scope, months[0], after)
    ranked = dict(summaries.totals(by_owner, "owner").values_list("owner", "c"))
    paging: dict = {"managers_count": len(ranked)}
    if largest is not None:
        shown = sorted(ranked, key=lambda pk: -(ranked[pk] or zero))[:largest]
        people = people_named(shown)
    else:
        people = people_named(list(ranked))
        shown = sorted(ranked, key=lambda pk: (people[pk].team, people[pk].username))
        shown, paging = page_of(shown, page)
    sums = monthly(summaries.totals(by_owner.filter(owner__in=shown), "owner", "day"), "owner")
    if largest is not None:  # the page's table: in team and name order
        shown = sorted(shown, key=lambda pk: (people[pk].team, people[pk].username))
    managers = [
        {
            "owner": people[owner].username,
            "name": people[owner].name,
            "team": people[owner].team,
            "months": as_cells(sums.get(owner) or [[0, zero, zero, zero] for _ in months]),
            "total": as_cells([summed(sums.get(owner) or [[0, zero, zero, zero]])])[0],
        }
        for owner in shown
    ]
    by_team = monthly(
        summaries.totals(
            forecast_cells(user, scope, months[0], after, by_owner=False, by_team=True),
            "team",
            "day",
        ),
        "team",
    )
    names = dict(Team.objects.filter(pk__in=list(by_team)).values_list("pk", "name"))
    teams = {names.get(pk, ""): cells for pk, cells in by_team.items()}
    everyone = monthly(
        summaries.totals(
            forecast_cells(user, scope, months[0], after, by_owner=False), "day"
        ).annotate(everyone=Value(0)),
        "everyone",
    ).get(0, [[0, zero, zero, zero] for _ in months])
    return {
        "scope": scope.as_dict(),
        "months": [m.strftime("%Y-%m") for m in months],
        "managers": managers,
        **paging,
        "teams": [
            {"team": team, "months": as_cells(c), "total": as_cells([summed(c)])[0]}
            for team, c in sorted(teams.items())
        ],
        "total": {"months": as_cells(everyone), "total": as_cells([summed(everyone)])[0]},
        "accuracy": accuracy(user, scope, largest=largest, page=asked),
    }


# 预测准确度 ---------------------------------------------------------------------------------------

ACCURACY_MONTHS = 6


def accuracy(
    user: User,
    scope: Scope,
    today: date | None = None,
    *,
    largest: int | None = None,
    page: int | None = None,
) -> dict:
    """For each of the last six whole months: what the forecast said for it when the month
    began (the newest weekly snapshot on or before its first day) against what was won in it;
    and per manager over those months. Province does not apply: snapshots are per manager.

    The sums come from SQL, per month and per manager; only the managers shown become lines:
    with `largest`, that many furthest off first (the page: the managers to talk to), with
    `page`, that page of MANAGERS_PAGE in team and name order (the JSON), else all
    (the workbook). `managers_count` says how many there are."""
    this_month = (today or timezone.localdate()).replace(day=1)
    months, month = [], this_month
    for _i in range(ACCURACY_MONTHS):
        month = (month - timedelta(days=1)).replace(day=1)
        months.insert(0, month)
    taken = list(
        ForecastSnapshot.objects.filter(week_start__lte=months[-1])
        .order_by("week_start")
        .values_list("pk", "week_start")
    )
    chosen = {}
    for m in months:
        before = [t for t in taken if t[1] <= m]
        if before:
            chosen[m] = before[-1]
    zero = Decimal(0)
    # [forecast, committed, won] per month and per manager
    by_m = {m: [zero, zero, zero] for m in months}
    by_o: dict[int, list[Decimal]] = {}
    if chosen:
        which = Q()
        for m, (pk, _week) in chosen.items():
            which |= Q(snapshot_id=pk, month=m)
        rows = ForecastSnapshotRow.objects.visible_to(user).filter(which).order_by()
        if scope.owner:
            rows = rows.filter(owner_id=scope.owner)
        if scope.team:
            rows = rows.filter(owner__team_id=scope.team)
        sums = {"w": Sum("weighted"), "c": Sum("committed")}
        for m, weighted, committed in (
            rows.values("month").annotate(**sums).values_list("month", "w", "c")
        ):
            by_m[m][:2] = [weighted or zero, committed or zero]
        for o, weighted, committed in (
            rows.values("owner").annotate(**sums).values_list("owner", "w", "c")
        ):
            by_o[o] = [weighted or zero, committed or zero, zero]

    def won(by_owner: bool, *group: str):
        won_cells = cells(WON.topic, user, scope, by_owner=by_owner).filter(
            day__gte=months[0], day__lt=this_month
        )
        return summaries.totals(won_cells, *group).values_list(*group, "a")

    for m, value in won(False, "day"):
        by_m[m][2] += value or zero
    for o, value in won(True, "owner"):
        by_o.setdefault(o, [zero, zero, zero])[2] = value or zero
    everyone = [sum((c[k] for c in by_m.values()), zero) for k in range(3)]

    def ratio(sums: list[Decimal]) -> float | None:  # won ÷ weighted: 1.0 is a perfect forecast
        return float(round(sums[2] / sums[0], 4)) if sums[0] else None

    def line(sums: list[Decimal]) -> dict:
        weighted, committed, actual = sums
        return {
            "forecast": money(weighted),
            "committed": money(committed),
            "won": money(actual),
            "ratio": ratio(sums),
        }

    paging: dict = {"managers_count": len(by_o)}
    if largest is not None:  # how far off, either way; no forecast to compare (None) left out
        off = {o: abs(r - 1) for o, sums in by_o.items() if (r := ratio(sums)) is not None}
        shown = sorted(off, key=lambda o: (-off[o], o))[:largest]
        people = people_named(shown)
    else:
        people = people_named(list(by_o))
        shown = sorted(by_o, key=lambda pk: (people[pk].team, people[pk].username))
        shown, paging = page_of(shown, page)
    managers = []
    for o in shown:
        managers.append(
            {
                "owner": people[o].username,
                "name": people[o].name,
                "team": people[o].team,
                **line(by_o[o]),
            }
        )
        r = managers[-1]["ratio"]
        managers[-1]["error"] = round(abs(r - 1), 4) if r is not None else None
    return {
        "months": [
            {
                "month": m.strftime("%Y-%m"),
                "snapshot": chosen[m][1].isoformat() if m in chosen else None,
                **line(by_m[m]),
            }
            for m in months
        ],
        "managers": managers,
        **paging,
        "total": line(everyone),
    }
