"""《月度销售项目汇报表》: every visible project that was open in a month, one row each, with
the month's progress and next step taken from the managers' submitted weekly summaries (the
records where a week was not submitted), and subtotals per manager, per team and in total.

The subtotals are SQL aggregates over the whole month; the rows come a page at a time for the
screen and the API, all at once for the workbook. A fixed number of queries either way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    IntegerField,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User, people_named
from hospitals.models import Hospital
from o2crm import summaries
from o2crm.dates import midnight
from pipeline import domain
from pipeline.counts import owner_of_project
from pipeline.models import (
    EntryPath,
    FollowUp,
    PipelineSettings,
    Project,
    Source,
    Stage,
    StageChange,
    Status,
    value_times_probability,
)

from .funnel import every_owner_of_projects, owners_of_projects
from .models import WeeklyLine, WeeklySummary, iso_week
from .scope import one_if
from .weekly import stage_at

PAGE_SIZE = 50


@dataclass(frozen=True)
class MonthScope:
    month: date  # the first day
    owner: int | None = None
    team: int | None = None
    province: str = ""

    @property
    def last_day(self) -> date:
        return domain.add_months(self.month, 1) - timedelta(days=1)

    @property
    def since(self) -> datetime:
        return midnight(self.month)

    @property
    def until(self) -> datetime:
        return midnight(self.last_day + timedelta(days=1))

    def weeks(self) -> list[date]:
        """The ISO weeks of the month: those whose Thursday falls in it."""
        monday = self.month - timedelta(days=self.month.weekday())
        out = []
        while monday <= self.last_day:
            if (monday + timedelta(days=3)).month == self.month.month:
                out.append(monday)
            monday += timedelta(days=7)
        return out

    def as_dict(self) -> dict:
        return {
            "month": self.month.strftime("%Y-%m"),
            "start": self.month.isoformat(),
            "end": self.last_day.isoformat(),
            "owner": self.owner,
            "team": self.team,
            "province": self.province,
        }


def month_projects(user: User, scope: MonthScope) -> QuerySet[Project]:
    """Visible projects open at some point of the month, with the stage they ended it at."""
    qs = Project.objects.visible_to(user)
    if scope.owner:
        qs = qs.filter(owner_id=scope.owner)
    if scope.team:
        qs = qs.filter(owner__team_id=scope.team)
    if scope.province:
        qs = qs.filter(hospital__province=scope.province)
    return _of_the_month(qs, scope.month)


def _of_the_month(qs: QuerySet[Project], month: date) -> QuerySet[Project]:
    """`qs`'s projects open at some point of `month`, with the stage they ended it at and
    whether they were won in it."""
    scope = MonthScope(month)
    qs = qs.filter(created_at__lt=scope.until)
    qs = qs.filter(Q(status=Status.OPEN) | Q(closed_at__gte=scope.since))
    qs = qs.annotate(won_in_month=one_if(Q(status=Status.WON, closed_at__lt=scope.until)))
    if scope.until > timezone.now():  # the month is not over: its stage is today's
        return qs.annotate(month_stage=F("stage"), probability=F("stage__probability"))
    # only projects whose stage changed after the month ended look into their history (the
    # set is one scan of the stage changes' time index); all others ended it where they are
    moved_since = StageChange.objects.filter(changed_at__gte=scope.until).values("project")

    def at_month_end(field: str, now, output_field):
        return Case(
            When(pk__in=moved_since, then=Coalesce(stage_at(scope.until, field), now)),
            default=now,
            output_field=output_field,
        )

    return qs.annotate(
        month_stage=at_month_end("to_stage", F("stage"), BigIntegerField()),
        probability=at_month_end(
            "to_stage__probability", F("stage__probability"), PositiveSmallIntegerField()
        ),
    )


# A manager's subtotal of a month's projects: how many, their value, value × the probability
# of the stage they ended the month at (% points, exact), and how many were won in it.
MEASURES = {
    "n": Count("*"),
    "a": Sum("contract_value"),
    "b": value_times_probability("probability"),
    "c": Sum("won_in_month"),
}


def _kept(topic: str, months_back: int) -> summaries.Summary:
    """The subtotals of the month `months_back` before today's, per owner and province, as
    of today (decision 0029): the report of this month and of the last one (the month it
    opens on in a month's first days) read them instead of grouping the country's projects.
    Older months are grouped from the rows."""

    def rows(today: date) -> QuerySet[Project]:
        return _of_the_month(
            Project.objects.all(), domain.add_months(today.replace(day=1), -months_back)
        )

    return summaries.register(
        summaries.Summary(
            topic=topic,
            rows=rows,
            province="hospital__province",
            measures=MEASURES,
            # a stage move saves the project before its change is written: the change, read in the
            # month's history, says it again
            sources={
                Project: None,
                StageChange: owner_of_project,
                Hospital: owners_of_projects,
                Stage: every_owner_of_projects,
            },
            as_of_today=True,
        )
    )


THIS_MONTH = _kept("month-projects", 0)
LAST_MONTH = _kept("last-month-projects", 1)


def _by_owner(user: User, scope: MonthScope) -> dict[int, dict]:
    """Per owner: n, a (value), b (value × probability), c (won), from the kept cells for
    this month and the last, grouped from the rows for any other."""
    this_month = timezone.localdate().replace(day=1)
    kept = {this_month: THIS_MONTH, domain.add_months(this_month, -1): LAST_MONTH}
    summary = kept.get(scope.month)
    if summary is None:
        rows = month_projects(user, scope).order_by().values("owner").annotate(**MEASURES)
        return {r["owner"]: r for r in rows}
    cells = summaries.cells(
        summary.topic,
        user,
        owner=scope.owner,
        team=scope.team,
        province=scope.province,
        by_owner=True,
    )
    return {r["owner"]: r for r in summaries.totals(cells, "owner") if r["n"]}


def subtotals(user: User, scope: MonthScope) -> tuple[dict, list[tuple[int, int]]]:
    """Per manager, per team and in total: projects, value, weighted value; with how many of
    the month's weeks each manager submitted. And the managers (pk, projects) in the report's
    order, by team then user name: the rows follow it, each manager's under their subtotal."""
    sums = _by_owner(user, scope)
    people = people_named(list(sums))
    weeks, zero = scope.weeks(), Decimal(0)
    submitted = dict(
        WeeklySummary.objects.filter(
            owner_id__in=list(sums), week_start__in=weeks, submitted_at__isnull=False
        )
        .order_by()
        .values("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )

    def cell(n, value, weighted, won) -> dict:
        # exact, not rounded: the rows' weighted values add up to these to the cent
        return {"count": n, "value": value or zero, "weighted": weighted, "won": won}

    managers, teams = [], {}
    order = sorted(sums, key=lambda pk: (people[pk].team, people[pk].username))
    for owner in order:
        username, name, team = people[owner]
        r = sums[owner]
        weighted = domain.weighted(r["b"] or zero)
        managers.append(
            {
                "owner": username,
                "name": name,
                "team": team,
                "weeks_submitted": submitted.get(owner, 0),
                **cell(r["n"], r["a"], weighted, int(r["c"] or 0)),
            }
        )
        t = teams.setdefault(team, [0, zero, zero, 0])
        t[0] += r["n"]
        t[1] += r["a"] or zero
        t[2] += weighted
        t[3] += int(r["c"] or 0)
    team_rows = [{"team": name or "—", **cell(*v)} for name, v in sorted(teams.items())]
    total = cell(
        sum(t["count"] for t in team_rows),
        sum((m["value"] for m in managers), zero),
        sum((m["weighted"] for m in managers), zero),
        sum(t["won"] for t in team_rows),
    )
    data = {
        "weeks": [iso_week(w) for w in weeks],
        "managers": managers,
        "teams": team_rows,
        "total": total,
    }
    return data, [(owner, sums[owner]["n"]) for owner in order]


def rows(projects: list[dict], scope: MonthScope) -> list[dict]:
    """The report's rows for these projects: dicts of ROW_FIELDS from month_projects (plain
    values: 36,000 model instances with their hospitals and owners take seconds to build)."""
    ids = [p["pk"] for p in projects]
    weeks = scope.weeks()
    stages = {s.pk: s for s in Stage.objects.all()}
    # the month's progress: the submitted weeks' lines, in week order
    progress: dict[int, list[str]] = {}
    next_steps: dict[int, tuple[str, date | None]] = {}
    for pid, monday, text, step, step_on in (
        WeeklyLine.objects.filter(project_id__in=ids, week_start__in=weeks)
        .order_by("week_start", "pk")
        .values_list("project_id", "week_start", "progress", "next_step", "next_step_date")
    ):
        if text:
            progress.setdefault(pid, []).append(f"【{iso_week(monday)}】{text}")
        if step:
            next_steps[pid] = (step, step_on)
    # the weeks a manager did not submit: the month's follow-ups, as recorded
    owners = {p["owner"] for p in projects}
    submitted = set(
        WeeklySummary.objects.filter(
            owner_id__in=owners, week_start__in=weeks, submitted_at__isnull=False
        ).values_list("owner_id", "week_start")
    )
    owner_of = {p["pk"]: p["owner"] for p in projects}
    for pid, day, text, step, step_on in (
        FollowUp.objects.filter(project_id__in=ids, date__gte=scope.month, date__lte=scope.last_day)
        .order_by("date", "pk")
        .values_list("project_id", "date", "summary", "next_step", "next_step_date")
    ):
        if (owner_of[pid], day - timedelta(days=day.weekday())) in submitted:
            continue  # that week speaks through its submitted summary
        progress.setdefault(pid, []).append(f"{day:%m-%d} {text}")
        if step:
            next_steps[pid] = (step, step_on)
    settings = PipelineSettings.current()
    # labels translated once, not once a row
    sources, paths, statuses = (
        {value: str(label) for value, label in choices.choices}
        for choices in (Source, EntryPath, Status)
    )
    out = []
    for p in projects:
        stage = stages[p["month_stage"]]
        value, probability, closed_at = p["contract_value"], p["probability"], p["closed_at"]
        step, step_on = next_steps.get(p["pk"], ("", None))
        status = p["status"] if closed_at is not None and closed_at < scope.until else Status.OPEN
        out.append(
            {
                "project": p["pk"],
                "hospital": p["hospital__name"],
                "region": f"{p['hospital__province']} {p['hospital__city']}".strip(),
                "owner": p["owner__username"],
                "owner_name": User.label(
                    p["owner__name"],
                    p["owner__first_name"],
                    p["owner__last_name"],
                    p["owner__username"],
                ),
                "team": p["owner__team__name"] or "",
                "source": sources.get(p["source"], p["source"]),
                "entry_path": paths.get(p["entry_path"], p["entry_path"]),
                "class": domain.project_class(
                    planned=p["planned_purchase_date"],
                    today=scope.last_day,
                    window_months=settings.class_a_window_months,
                    override=p["class_override"],
                ),
                "stage": stage.name,
                "status": status,
                "status_label": statuses[status],
                "planned_purchase_date": _iso(p["planned_purchase_date"]),
                "volume": p["estimated_volume"],
                "value": value,
                "probability": probability,
                "weighted": domain.weighted(value, probability),
                "progress": "\n".join(progress.get(p["pk"], [])),
                "next_step": step,
                "next_step_date": _iso(step_on),
            }
        )
    return out


def _iso(value) -> str | None:
    return value.isoformat() if value else None


CHUNK = 2000
WITHIN_MANAGER = ("-contract_value", "pk")  # a manager's rows: the largest first
# what `rows` reads
ROW_FIELDS = (
    "pk",
    "owner",
    "month_stage",
    "probability",
    "status",
    "closed_at",
    "source",
    "entry_path",
    "class_override",
    "planned_purchase_date",
    "estimated_volume",
    "contract_value",
    "hospital__name",
    "hospital__province",
    "hospital__city",
    "owner__username",
    "owner__name",
    "owner__first_name",
    "owner__last_name",
    "owner__team__name",
)


def _all_rows(qs: QuerySet[Project], scope: MonthScope, owners: list[tuple[int, int]]):
    """All the month's rows in report order, fetched CHUNK projects at a time."""
    position = {owner: i for i, (owner, _n) in enumerate(owners)}
    pairs = qs.order_by(*WITHIN_MANAGER).values_list("pk", "owner")
    ids = [pk for pk, _owner in sorted(pairs, key=lambda pair: position[pair[1]])]  # stable
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        chosen = {p["pk"]: p for p in qs.filter(pk__in=part).values(*ROW_FIELDS)}
        yield from rows([chosen[pk] for pk in part], scope)


def _page_ids(qs: QuerySet[Project], owners: list[tuple[int, int]], offset: int, size: int):
    """The ids of rows offset … offset + size in report order, without sorting the month: the
    subtotals' counts say whose rows those are, so only those managers' projects are read
    (a sort of the whole country's projects on every page, decision 0011)."""
    spanned, first_start, start = [], 0, 0
    for owner, n in owners:
        if start < offset + size and start + n > offset:
            if not spanned:
                first_start = start
            spanned.append(owner)
        start += n
    if not spanned:
        return []
    in_order = Case(
        *(When(owner_id=owner, then=Value(i)) for i, owner in enumerate(spanned)),
        output_field=IntegerField(),
    )
    local = offset - first_start
    chosen = qs.filter(owner_id__in=spanned).order_by(in_order, *WITHIN_MANAGER)
    return list(chosen.values_list("pk", flat=True)[local : local + size])


def monthly(user: User, scope: MonthScope, page: int | None = 1) -> dict:
    """The report: subtotals, and the rows of `page` (all rows when page is None)."""
    qs = month_projects(user, scope).order_by()
    totals, owners = subtotals(user, scope)
    data = {"scope": scope.as_dict(), **totals}
    if page is None:  # the workbook: every row, read and handed on a chunk at a time
        data["projects"] = _all_rows(qs, scope, owners)
        return data
    count = data["total"]["count"]  # the subtotals counted them already
    page_obj = Paginator(range(count), PAGE_SIZE).get_page(page)
    ids = _page_ids(qs, owners, (page_obj.number - 1) * PAGE_SIZE, PAGE_SIZE)
    chosen = {p["pk"]: p for p in qs.filter(pk__in=ids).values(*ROW_FIELDS)}
    data["projects"] = rows([chosen[pk] for pk in ids], scope)
    pages = page_obj.paginator.num_pages
    data["page"] = {"number": page_obj.number, "pages": pages, "count": count}
    data["page_obj"] = page_obj
    return data
