"""The report queries: one function per report, each starting from `Project.visible_to`, each
returning plain rows that the page, the JSON and the Excel workbook all print unchanged (so
their numbers cannot differ). A fixed number of SQL queries per report, whatever the rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    Greatest,
    Least,
    TruncDate,
    TruncMonth,
)
from django.utils import timezone

from accounts.models import User, people_named
from hospitals.models import Hospital
from o2crm.dates import midnight
from pipeline.contact_clocks import ensure_months, newest_contact
from pipeline.domain import add_months, weighted
from pipeline.models import (
    ContactKind,
    ContactMonth,
    EntryPath,
    FollowUp,
    ForecastSnapshot,
    ForecastSnapshotRow,
    PipelineSettings,
    Project,
    PromotionEvent,
    Source,
    Stage,
    StageChange,
    Status,
    class_a,
    planned_month,
    value_times_probability,
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


def _money(value) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("1"))


# 销售管道图 -------------------------------------------------------------------------------


def funnel(user: User, scope: Scope, conversion: bool = True) -> dict:
    """Open projects by stage now (count, value, weighted value) and, over the period, how
    many entered each stage and how many of those moved on to a later stage (left out with
    conversion=False, for the 工作台's picture)."""
    stages = list(Stage.objects.filter(is_active=True).order_by("order"))
    qs = projects(user, scope)
    open_rows = {
        row["stage"]: row
        for row in qs.open()
        .order_by()
        .values("stage")
        .annotate(n=Count("*"), value=Sum("contract_value"))
    }
    # the changes' own visibility, not "project in (visible projects)": for those who see
    # everything that semi-join of 50,000 projects was half of five years' conversion (120 ms)
    changes = scoped(StageChange.objects.visible_to(user), scope, "project__").filter(
        changed_at__gte=scope.since, changed_at__lt=scope.until
    )
    if not conversion:
        changes = changes.none()
    entered = dict(
        changes.order_by()
        .values("to_stage")
        .annotate(n=Count("project", distinct=True))
        .values_list("to_stage", "n")
    )
    # of the projects that entered a stage in the period, how many left it for a later one
    # (in the period, after entering): a cohort, so a rate never passes 100 %
    entries = changes.filter(
        project=OuterRef("project"),
        to_stage=OuterRef("from_stage"),
        changed_at__lte=OuterRef("changed_at"),
    )
    moved_on = dict(
        changes.filter(from_stage__isnull=False, to_stage__order__gt=F("from_stage__order"))
        .filter(Exists(entries))
        .order_by()
        .values("from_stage")
        .annotate(n=Count("project", distinct=True))
        .values_list("from_stage", "n")
    )
    rows = []
    for s in stages:
        row = open_rows.get(s.pk, {})
        value = _money(row.get("value"))
        n_entered = entered.get(s.pk, 0)
        n_moved = moved_on.get(s.pk, 0)
        rows.append(
            {
                "stage": s.code,
                "name": s.name,
                "probability": s.probability,
                "count": row.get("n", 0),
                "value": value,
                "weighted": _money(weighted(value, s.probability)),
                "entered": n_entered,
                "moved_on": n_moved,
                "conversion": round(n_moved / n_entered, 4) if n_entered else None,
            }
        )
    return {
        "scope": scope.as_dict(),
        "stages": rows,
        "total": {
            "count": sum(r["count"] for r in rows),
            "value": sum((r["value"] for r in rows), Decimal(0)),
            "weighted": sum((r["weighted"] for r in rows), Decimal(0)),
        },
    }


# 来源与切入分析 ---------------------------------------------------------------------------


OUTCOME_KEYS = ("source", "source_event", "entry_path")
SUMMED = ("projects", "won", "lost", "valued", "value", "won_value", "won_days")


def _outcome_cells(qs: QuerySet[Project]) -> list[dict]:
    """Outcomes per source × event × entry path (a few dozen rows) as sums and counts, so
    one scan of the period's projects serves every grouping (averages are divided later)."""
    won = Q(status=Status.WON)
    return list(
        qs.order_by()
        .values(*OUTCOME_KEYS)
        .annotate(
            projects=Count("*"),
            won=Count("pk", filter=won),
            lost=Count("pk", filter=Q(status__in=[Status.LOST, Status.ABANDONED])),
            valued=Count("contract_value"),
            value=Sum("contract_value"),
            won_value=Sum("contract_value", filter=won),
            won_days=Sum(F("closed_at") - F("created_at"), filter=won),
        )
    )


def _outcomes(cells: list[dict], field: str, choices) -> list[dict]:
    """The cells added up by `field`, each row labelled from its `choices`."""
    labels = dict(choices.choices)
    groups: dict[str, dict] = {}
    for cell in cells:
        into = groups.setdefault(cell[field], dict.fromkeys(SUMMED))
        for k in SUMMED:
            if cell[k] is not None:
                into[k] = cell[k] if into[k] is None else into[k] + cell[k]
    out = []
    for key in sorted(groups, key=lambda k: (k is None, k or "")):
        row = groups[key]
        closed = row["won"] + row["lost"]
        average = row["value"] / row["valued"] if row["valued"] else None
        days = row["won_days"] / row["won"] if row["won"] and row["won_days"] else None
        out.append(
            {
                "key": key,
                "label": str(labels.get(key, key or "—")),
                "projects": row["projects"],
                "won": row["won"],
                "lost": row["lost"],
                "win_rate": round(row["won"] / closed, 4) if closed else None,
                "average_value": _money(average) if average is not None else None,
                "won_value": _money(row["won_value"]),
                "days_to_win": round(days.total_seconds() / 86400, 1) if days else None,
            }
        )
    return out


def sources(user: User, scope: Scope) -> dict:
    """Projects created in the period, by source (promotion split by event) and entry path:
    how many, how many won and lost, win rate (won ÷ closed), average value, days to win; and
    the period's lost reasons."""
    qs = projects(user, scope).filter(created_at__gte=scope.since, created_at__lt=scope.until)
    cells = _outcome_cells(qs)
    by_source = _outcomes(cells, "source", Source)
    promoted = [c for c in cells if c["source"] == Source.PROMOTION]
    events = _outcomes(promoted, "source_event", PromotionEvent)
    paths = _outcomes(cells, "entry_path", EntryPath)
    lost = [
        {
            "project": p.pk,
            "hospital": p.hospital.name,
            "owner": str(p.owner),
            "status": p.status,
            "closed_on": timezone.localdate(p.closed_at).isoformat() if p.closed_at else None,
            "reason": p.close_reason,
        }
        for p in projects(user, scope)
        .filter(
            status__in=[Status.LOST, Status.ABANDONED],
            closed_at__gte=scope.since,
            closed_at__lt=scope.until,
        )
        .select_related("hospital", "owner")
        .order_by("-closed_at", "-pk")[:LOST_REASONS]
    ]
    return {
        "scope": scope.as_dict(),
        "by_source": by_source,
        "by_event": events,
        "by_entry_path": paths,
        "lost_reasons": lost,
    }


LOST_REASONS = 50


# 成单预测 ---------------------------------------------------------------------------------------

MAX_MONTHS = 24


def months_between(start: date, end: date) -> list[date]:
    """First days of the months from start's month to end's month (at most MAX_MONTHS)."""
    month, out = start.replace(day=1), []
    while month <= end and len(out) < MAX_MONTHS:
        out.append(month)
        month = add_months(month, 1)
    return out


FORECAST_MANAGERS_PAGE = 50  # the JSON's managers a page: 500 × 12 months was 670 KB


def forecast(user: User, scope: Scope, largest: int | None = None, page: int | None = None) -> dict:
    """Expected wins by month of planned purchase: open projects' value, value weighted by the
    stage's win probability, and the value the managers marked as committed; per manager,
    per team and in total. With `largest`, only that many managers, the largest weighted
    totals first (the page); with `page`, that page of FORECAST_MANAGERS_PAGE managers in
    team and name order (the JSON); `managers_count` says how many there are."""
    months = months_between(scope.start, scope.end)
    if not months:
        return {
            "scope": scope.as_dict(),
            "months": [],
            "managers": [],
            "managers_count": 0,
            "teams": [],
            "total": {},
            "accuracy": accuracy(user, scope),
        }
    after = add_months(months[-1], 1)
    rows = (
        projects(user, scope)
        .open()
        .filter(planned_purchase_date__gte=months[0], planned_purchase_date__lt=after)
        .annotate(month=planned_month())
        .order_by()
        .values_list("owner", "month")  # group on two small columns; names come after
        .annotate(
            n=Count("*"),
            value=Sum("contract_value"),
            # value × probability summed in SQL, exactly; the division by 100 below
            weighted=value_times_probability(),
            committed=Sum("contract_value", filter=Q(committed=True)),
        )
    )
    index = {m: i for i, m in enumerate(months)}
    zero = Decimal(0)
    # owner → per month [count, value, value × probability (% points), committed]
    sums: dict[int, list[list]] = {}
    for owner, month, n, value, value_times, committed in rows:
        cells = sums.get(owner)
        if cells is None:
            cells = sums[owner] = [[0, zero, zero, zero] for _ in months]
        cell = cells[index[month]]
        cell[0] += n
        cell[1] += value or zero
        cell[2] += value_times or zero
        cell[3] += committed or zero
    people = people_named(list(sums))

    def as_cells(cells: list[list]) -> list[dict]:
        return [
            {
                "count": n,
                "value": _money(value),
                "weighted": _money(weighted(value_times)),  # exact until here
                "committed": _money(committed),
            }
            for n, value, value_times, committed in cells
        ]

    def added(groups: list[list[list]]) -> list[list]:
        """Month by month, the cells of several owners (or teams) added up."""
        return [
            [sum(c[0] for c in at), *(sum((c[k] for c in at), zero) for k in (1, 2, 3))]
            for at in zip(*groups, strict=True)
        ]

    def summed(cells: list[list]) -> list:
        return [sum(c[0] for c in cells), *(sum((c[k] for c in cells), zero) for k in (1, 2, 3))]

    shown = sorted(sums, key=lambda pk: (people[pk][2], people[pk][0]))
    pages = max(1, -(-len(shown) // FORECAST_MANAGERS_PAGE))
    if largest is not None and len(shown) > largest:
        shown = sorted(shown, key=lambda pk: -sum(c[2] for c in sums[pk]))[:largest]
    elif page is not None:
        page = min(max(page, 1), pages)
        shown = shown[(page - 1) * FORECAST_MANAGERS_PAGE : page * FORECAST_MANAGERS_PAGE]
    managers = [
        {
            "owner": people[owner][0],
            "name": people[owner][1],
            "team": people[owner][2],
            "months": as_cells(sums[owner]),
            "total": as_cells([summed(sums[owner])])[0],
        }
        for owner in shown
    ]
    owners_of: dict[str, list[int]] = {}
    for owner in sums:
        owners_of.setdefault(people[owner][2], []).append(owner)
    teams = {team: added([sums[o] for o in owners]) for team, owners in owners_of.items()}
    zeros = [[0, zero, zero, zero] for _ in months]
    everyone = added(list(teams.values())) if teams else zeros
    return {
        "scope": scope.as_dict(),
        "months": [m.strftime("%Y-%m") for m in months],
        "managers": managers,
        "managers_count": len(sums),
        **({"managers_page": {"number": page, "pages": pages}} if page is not None else {}),
        "teams": [
            {"team": team, "months": as_cells(c), "total": as_cells([summed(c)])[0]}
            for team, c in sorted(teams.items())
        ],
        "total": {"months": as_cells(everyone), "total": as_cells([summed(everyone)])[0]},
        "accuracy": accuracy(user, scope),
    }


# 预测准确度 ---------------------------------------------------------------------------------------

ACCURACY_MONTHS = 6


def accuracy(user: User, scope: Scope, today: date | None = None) -> dict:
    """For each of the last six whole months: what the forecast said for it when the month
    began (the newest weekly snapshot on or before its first day) against what was won in it;
    and per manager over those months. Province does not apply: snapshots are per manager."""
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
    forecast: dict[tuple[int, date], tuple[Decimal, Decimal]] = {}
    if chosen:
        which = Q()
        for m, (pk, _week) in chosen.items():
            which |= Q(snapshot_id=pk, month=m)
        rows = ForecastSnapshotRow.objects.visible_to(user).filter(which)
        if scope.owner:
            rows = rows.filter(owner_id=scope.owner)
        if scope.team:
            rows = rows.filter(owner__team_id=scope.team)
        for owner, m, weighted, committed in rows.values_list(
            "owner", "month", "weighted", "committed"
        ):
            forecast[owner, m] = (weighted, committed)
    won_rows = (
        projects(
            user,
            scope.__class__(start=months[0], end=this_month, owner=scope.owner, team=scope.team),
        )
        .filter(
            status=Status.WON,
            closed_at__gte=midnight(months[0]),
            closed_at__lt=midnight(this_month),
        )
        .annotate(month=Cast(TruncMonth("closed_at"), DateField()))
        .order_by()
        .values_list("owner", "month")
        .annotate(value=Sum("contract_value"))
    )
    won: dict[tuple[int, date], Decimal] = {
        (owner, m): value or zero for owner, m, value in won_rows
    }
    owners = {o for o, _m in forecast} | {o for o, _m in won}
    people = people_named(owners)
    # [forecast, committed, won] per month, per manager and in all: one pass over each side
    by_m = {m: [zero, zero, zero] for m in months}
    by_o = {o: [zero, zero, zero] for o in owners}
    everyone = [zero, zero, zero]
    for (o, m), (weighted, committed) in forecast.items():
        for into in (by_m[m], by_o[o], everyone):
            into[0] += weighted
            into[1] += committed
    for (o, m), value in won.items():
        for into in (by_m[m], by_o[o], everyone):
            into[2] += value

    def line(sums: list[Decimal]) -> dict:
        weighted, committed, actual = sums
        return {
            "forecast": _money(weighted),
            "committed": _money(committed),
            "won": _money(actual),
            # won ÷ weighted forecast: 1.0 is a perfect forecast
            "ratio": float(round(actual / weighted, 4)) if weighted else None,
        }

    by_month = [
        {
            "month": m.strftime("%Y-%m"),
            "snapshot": chosen[m][1].isoformat() if m in chosen else None,
            **line(by_m[m]),
        }
        for m in months
    ]
    managers = [
        {"owner": people[o][0], "name": people[o][1], "team": people[o][2], **line(by_o[o])}
        for o in sorted(owners, key=lambda pk: (people[pk][2], people[pk][0]))
    ]
    for m in managers:  # how far off, either way: the managers to talk to come first
        m["error"] = round(abs(m["ratio"] - 1), 4) if m["ratio"] is not None else None
    return {"months": by_month, "managers": managers, "total": line(everyone)}


# 联络达标 -------------------------------------------------------------------------------------

WORST = 10


ZERO_CELL = {"projects": 0, "business": 0, "relationship": 0}


def discipline(user: User, scope: Scope) -> dict:
    """联络达标 for a period: of each manager's A and B projects open at its end, the share
    whose business contacts, and separately relationship contacts, never fell behind the class's
    cadence during the period (A: 7 days, B: 30 days by default).

    A project kept cadence in a kind when no contact of that kind in the period came more than
    the cadence after the one before it (or after the project's creation: the gap each
    follow-up stores), and one came within the cadence before the period's end (or the project
    is younger than that). Every condition is a set of project ids from one range scan of the
    follow-ups' (kind, date) index, so the whole report is a few grouped queries."""
    settings = PipelineSettings.current()
    cadence = {"A": settings.cadence_a_days, "B": settings.cadence_b_days}
    start, end = scope.start, scope.end
    base = (
        projects(user, scope)
        .filter(created_at__lt=scope.until)
        .filter(Q(status=Status.OPEN) | Q(closed_at__gte=scope.until))
    )
    ids = None
    whole_country = user.sees_all and not (scope.owner or scope.team or scope.province)
    if end < timezone.localdate() and not whole_country:
        # a manager's or a team's few hundred projects: their contacts by the project index
        ids = list(base.values_list("pk", flat=True))
    months = whole_months(start, end) if whole_country else []
    if months:  # a month that has ended: its rows, built once (ContactMonth)
        ensure_months(months)
    if end >= timezone.localdate():  # no contact after the period: the projects' own dates
        counts = _kept_counts_to_today(base, settings, cadence, start, end)
    else:
        counts = _kept_counts(base, settings, cadence, start, end, ids, months)
    tallies: dict[int, dict[str, dict[str, int]]] = {}
    for owner, cls, n, business, relationship in counts:
        cells = tallies.setdefault(owner, {"A": dict(ZERO_CELL), "B": dict(ZERO_CELL)})
        cells[cls] = {"projects": n, "business": business, "relationship": relationship}
    qs = base.with_cadence(settings, end)
    late = _late_projects(qs, settings, cadence, end, many=whole_country, months=months)
    people = people_named(list(tallies))

    def shares(cells: dict) -> dict:
        out = {}
        for cls, c in cells.items():
            n = c["projects"]
            out[cls] = {
                **c,
                "business_share": round(c["business"] / n, 4) if n else None,
                "relationship_share": round(c["relationship"] / n, 4) if n else None,
            }
        n = sum(c["projects"] for c in cells.values())
        kept = sum(c["business"] + c["relationship"] for c in cells.values())
        out["share"] = round(kept / (2 * n), 4) if n else None
        return out

    def add(into: dict, cells: dict) -> None:
        for cls in ("A", "B"):
            for k in ZERO_CELL:
                into[cls][k] += cells[cls][k]

    managers, teams = [], {}
    everyone = {"A": dict(ZERO_CELL), "B": dict(ZERO_CELL)}
    for owner in sorted(tallies, key=lambda pk: (people[pk][2], people[pk][0])):
        username, name, team = people[owner]
        managers.append({"owner": username, "name": name, "team": team, **shares(tallies[owner])})
        add(teams.setdefault(team, {"A": dict(ZERO_CELL), "B": dict(ZERO_CELL)}), tallies[owner])
        add(everyone, tallies[owner])
    return {
        "scope": scope.as_dict(),
        "cadence": cadence,
        "managers": managers,
        "teams": [{"team": t or "—", **shares(c)} for t, c in sorted(teams.items())],
        "total": shares(everyone),
        "worst": sorted(
            (m for m in managers if m["share"] is not None), key=lambda m: (m["share"], m["owner"])
        )[:WORST],
        "late_projects": [{**row, "owner": people[row["owner"]][1]} for row in late],
    }


def _kept_counts_to_today(base, settings, cadence: dict[str, int], start: date, end: date):
    """_kept_counts for a period that runs to today or later, from the project rows alone:
    no contact of a kind came late in the period when the newest late one (for the
    project's class) is older, and the last one is the project's contact clock."""

    def kept(kind: str) -> Q:
        either = Q()
        for cls, days in cadence.items():
            late, last = f"late_{kind}_{cls.lower()}_on", f"last_{kind}_contact_on"
            stale_before = end - timedelta(days=days)
            either |= (
                Q(cls=cls)
                & (Q(**{f"{late}__isnull": True}) | Q(**{f"{late}__lte": start}))
                & (Q(**{f"{last}__gte": stale_before}) | Q(created_at__gte=midnight(stale_before)))
            )
        return either

    rows = (
        base.with_cadence(settings, end)
        .order_by()
        .values_list("owner", "cls")
        .annotate(
            n=Count("pk"),
            business=Count("pk", filter=kept(ContactKind.BUSINESS)),
            relationship=Count("pk", filter=kept(ContactKind.RELATIONSHIP)),
        )
    )
    return list(rows)


def _kept_counts(base, settings, cadence: dict[str, int], start: date, end: date, ids, months=None):
    """(owner, class, projects, kept business, kept relationship) in one query: the projects
    joined to their contacts of the period aggregated per project. Both sides are built by
    the ORM (visibility, scope, class and time zone included; its columns are named after
    the values_list names); only the join and the final count are written here, in SQL that
    PostgreSQL and SQLite read alike. With `months` (the period is those whole months) the
    contacts come aggregated already, from their ContactMonth rows."""
    is_a = Q(cls="A")
    by_class = {"A": cadence["A"], "B": cadence["B"]}
    young_a = Q(created_at__gte=midnight(end - timedelta(days=by_class["A"])))
    young_b = Q(created_at__gte=midnight(end - timedelta(days=by_class["B"])))
    projects_part = (
        base.with_cadence(settings, end)
        .annotate(
            cadence_days=Case(
                When(is_a, then=Value(by_class["A"])),
                default=Value(by_class["B"]),
                output_field=IntegerField(),
            ),
            stale_before=Case(
                When(is_a, then=Value(end - timedelta(days=by_class["A"]))),
                default=Value(end - timedelta(days=by_class["B"])),
                output_field=DateField(),
            ),
            young=Case(
                When((is_a & young_a) | (~is_a & young_b), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by()
        .values_list("pk", "owner", "cls", "cadence_days", "stale_before", "young")
    )
    if months:
        contacts_part = _month_rows(months)
    else:
        since = min(start, end - timedelta(days=max(by_class.values())))
        contacts_part = _period_contacts(since, start, end, ids)
    try:
        p_sql, p_params = projects_part.query.sql_with_params()
        c_sql, c_params = contacts_part.query.sql_with_params()
    except EmptyResultSet:  # no project to count (`ids` are the base's: none there either)
        return []
    kept = (
        "SUM(CASE WHEN (c.gap_{k} IS NULL OR c.gap_{k} <= p.cadence_days)"
        " AND ((c.last_{k} IS NOT NULL AND c.last_{k} >= p.stale_before) OR p.young = 1)"
        " THEN 1 ELSE 0 END)"
    )
    sql = (
        f"SELECT p.owner, p.cls, COUNT(*), {kept.format(k='b')}, {kept.format(k='r')}"
        f" FROM ({p_sql}) p LEFT JOIN ({c_sql}) c ON c.project = p.pk"
        " GROUP BY p.owner, p.cls"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*p_params, *c_params))
        return [(o, cls, n, int(b), int(r)) for o, cls, n, b, r in cursor.fetchall()]


def _period_contacts(since: date, start: date, end: date, ids):
    """_kept_counts' contacts part from the follow-ups from `since` to `end`, per project:
    the longest gap after `start` and the last contact, per kind."""
    business, relationship = ContactKind.BUSINESS, ContactKind.RELATIONSHIP
    # both kinds named: the (kind, date) index then answers the range by itself
    contacts = FollowUp.objects.filter(
        kind__in=[business, relationship], date__gte=since, date__lte=end
    )
    if ids is not None:
        contacts = contacts.filter(project_id__in=ids)
    return (
        contacts.order_by()
        .values("project")
        .annotate(
            gap_b=Max("gap_days", filter=Q(kind=business, date__gt=start)),
            last_b=Max("date", filter=Q(kind=business)),
            gap_r=Max("gap_days", filter=Q(kind=relationship, date__gt=start)),
            last_r=Max("date", filter=Q(kind=relationship)),
        )
        .values_list("project", "gap_b", "last_b", "gap_r", "last_r")
    )


def _late_projects(
    qs: QuerySet[Project],
    settings,
    cadence: dict[str, int],
    end: date,
    many: bool = False,
    months: list[date] | None = None,
) -> list[dict]:
    """The projects furthest past due at `end`, either kind. Up to today the clocks the
    projects keep answer it; for a period that ended earlier, each clock is read back from the
    follow-ups up to its end: for the whole country (`many`) from the contacts since, else
    project by project.

    The WORST projects whose earlier due date is the earliest hold the WORST latest
    (project, kind) pairs (a project ranked before one of them has a pair ranked before it),
    so only their two due dates are read."""
    kinds = dict(ContactKind.choices)
    today = timezone.localdate()
    if end >= today:
        candidates = _first_due_from_clocks(qs, settings, cadence, end)
    elif months:
        candidates = _first_due_from_month_rows(settings, cadence, end)
    elif many:
        candidates = _first_due_from_later_contacts(qs, cadence, end)
    else:
        candidates = _first_due_from_contacts(qs, cadence, end)
    rows = [
        {
            "project": pk,
            "hospital": hospital,
            "owner": owner,
            "class": cls,
            "kind": str(kinds[kind]),
            "days_late": (end - due_on).days,
        }
        for pk, owner, cls, hospital, due_b, due_r in candidates
        for kind, due_on in ((ContactKind.BUSINESS, due_b), (ContactKind.RELATIONSHIP, due_r))
        if due_on < end
    ]
    rows.sort(key=lambda r: (-r["days_late"], r["project"]))
    return rows[:WORST]


def _first_due_from_clocks(qs, settings, cadence: dict[str, int], end: date) -> list[tuple]:
    """Within a class both kinds share the cadence, so the earliest due date is the earlier
    clock plus that cadence: per class, order by the clocks themselves (no date arithmetic
    per row, which SQLite does in Python: 480 ms for the country) and add it here."""
    started = TruncDate("created_at")
    out = []
    for cls, days in cadence.items():
        in_class = (
            qs.of_class(cls, settings, end)
            .annotate(
                clock_b=Coalesce("last_business_contact_on", started),
                clock_r=Coalesce("last_relationship_contact_on", started),
            )
            .annotate(first_clock=Least("clock_b", "clock_r"))
            .filter(first_clock__lt=end - timedelta(days=days))
            .order_by("first_clock", "pk")
            .values_list("pk", "owner", "hospital__name", "clock_b", "clock_r")[:WORST]
        )
        wait = timedelta(days=days)
        out += [(pk, o, cls, h, b + wait, r + wait) for pk, o, h, b, r in in_class]
    return out


def _first_due_from_contacts(qs, cadence: dict[str, int], end: date) -> list[tuple]:
    """Each kind's clock as it stood at `end` (the period is over): the project's own clock
    when no contact came after `end`, else read back from the follow-ups (a lookup per
    project, so only where needed). Not filtered on being late: PostgreSQL would look every
    clock up twice, for the filter and for the sort; _late_projects keeps only the late.
    (The whole country a month ago: 167 → 145 ms for this query.)"""
    started = TruncDate("created_at")
    dues = {}
    for kind, field in (
        (ContactKind.BUSINESS, "last_business_contact_on"),
        (ContactKind.RELATIONSHIP, "last_relationship_contact_on"),
    ):
        clock = Case(
            When(**{f"{field}__isnull": True}, then=started),
            When(**{f"{field}__lte": end}, then=F(field)),
            default=Coalesce(newest_contact(kind, date__lte=end), started),
            output_field=DateField(),
        )
        dues[kind] = Case(
            *(
                When(Q(cls=cls), then=Cast(clock + Value(timedelta(days=d)), DateField()))
                for cls, d in cadence.items()
            ),
            output_field=DateField(),
        )
    return list(
        qs.annotate(due_b=dues[ContactKind.BUSINESS], due_r=dues[ContactKind.RELATIONSHIP])
        .annotate(first_due=Least("due_b", "due_r"))
        .order_by("first_due", "pk")
        .values_list("pk", "owner", "cls", "hospital__name", "due_b", "due_r")[:WORST]
    )


class DaysBefore(Func):
    """A date `days` days before `date` (both expressions), as a date on either database."""

    output_field = DateField()
    template = "(%(expressions)s)"
    arg_joiner = " - "  # PostgreSQL: date - integer is a date

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", '-' || ",
            **extra,
        )


def _first_due_from_later_contacts(qs, cadence: dict[str, int], end: date) -> list[tuple]:
    """_first_due_from_contacts for the whole country, from the contacts logged after `end`
    instead of a lookup per project: 64 against 176 ms for an end a month ago, 130 against
    140 two years ago (the scan grows with the time since, the lookups with the projects).

    The first contact of a kind after `end` counts its gap from the contact before it, the
    project's clock at `end`; every later one from a date after `end`. So the clock at `end`
    is the smallest "date minus gap" of the contacts after it (or, with none after it, the
    clock the project keeps): one grouped range scan of the (kind, date) index."""
    business, relationship = ContactKind.BUSINESS, ContactKind.RELATIONSHIP
    before = DaysBefore("date", "gap_days")
    later = (
        FollowUp.objects.filter(kind__in=[business, relationship], date__gt=end)
        .alias(previous=before)
        .filter(previous__lte=end)  # the first after `end`: only it counts from before
        .order_by()
        .values("project")
        .annotate(
            clock_b=Min(before, filter=Q(kind=business)),
            clock_r=Min(before, filter=Q(kind=relationship)),
        )
        .values_list("project", "clock_b", "clock_r")
    )
    return _first_due_from(qs, cadence, later)


def _first_due_from_month_rows(settings, cadence: dict[str, int], end: date) -> list[tuple]:
    """_first_due_from_contacts for the whole country at the end of a month, from the
    month's ContactMonth rows: per class, the first rows of the (month, first_clock) index
    whose project belongs to the period (created before its end, open at it), a few dozen
    rows read instead of every project joined and sorted (30 → 2 ms). The conditions are
    discipline()'s `base` for those who see everything, written from the rows' side."""
    until = midnight(end + timedelta(days=1))
    month_rows = (
        ContactMonth.objects.filter(month=end.replace(day=1), project__created_at__lt=until)
        .filter(Q(project__status=Status.OPEN) | Q(project__closed_at__gte=until))
        .order_by("first_clock", "project_id")
    )
    is_a = class_a(settings, end, path="project__")
    out = []
    for cls, days in cadence.items():
        rows = month_rows.filter(is_a if cls == "A" else ~is_a).values_list(
            "project_id",
            "project__owner_id",
            "project__hospital__name",
            "business_clock",
            "relationship_clock",
            "project__created_at",
        )[:WORST]
        wait = timedelta(days=days)
        for pk, owner, hospital, clock_b, clock_r, created in rows:
            started = timezone.localdate(created)
            due_b, due_r = (clock_b or started) + wait, (clock_r or started) + wait
            out.append((pk, owner, cls, hospital, due_b, due_r))
    return out


def _first_due_from(qs, cadence: dict[str, int], clocks) -> list[tuple]:
    """The WORST projects of `qs` whose first due date is the earliest, their clocks from
    `clocks` (project, clock_b, clock_r); where it has none, from the clocks the projects
    keep (no contact came since) or else their creation day."""
    rows = (
        qs.annotate(started=TruncDate("created_at"))
        .order_by()
        .values_list(
            "pk",
            "owner",
            "cls",
            "hospital",
            "started",
            "last_business_contact_on",
            "last_relationship_contact_on",
        )
    )
    try:
        p_sql, p_params = rows.query.sql_with_params()
        c_sql, c_params = clocks.query.sql_with_params()
    except EmptyResultSet:  # no project to rank
        return []
    clock_b = "COALESCE(c.clock_b, p.last_business_contact_on, p.started)"
    clock_r = "COALESCE(c.clock_r, p.last_relationship_contact_on, p.started)"
    first = f"CASE WHEN {clock_b} < {clock_r} THEN {clock_b} ELSE {clock_r} END"
    wait = f"CASE p.cls WHEN 'A' THEN {int(cadence['A'])} ELSE {int(cadence['B'])} END"
    if connection.vendor == "sqlite":
        first_due = f"date({first}, '+' || ({wait}) || ' days')"
    else:
        first_due = f"({first} + {wait})"  # date + integer is a date
    sql = (
        "SELECT x.pk, x.owner, x.cls, h.name, x.clock_b, x.clock_r FROM ("
        f" SELECT p.pk, p.owner, p.cls, p.hospital, {clock_b} AS clock_b, {clock_r} AS clock_r"
        f" FROM ({p_sql}) p LEFT JOIN ({c_sql}) c ON c.project = p.pk"
        f" ORDER BY {first_due}, p.pk LIMIT {WORST}"
        f") x JOIN {Hospital._meta.db_table} h ON h.id = x.hospital"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*p_params, *c_params))
        found = cursor.fetchall()
    out = []
    for pk, owner, cls, hospital, clock_b, clock_r in found:
        days = timedelta(days=cadence[cls])
        out.append((pk, owner, cls, hospital, _as_date(clock_b) + days, _as_date(clock_r) + days))
    return out


def whole_months(start: date, end: date) -> list[date]:
    """The months a period covers when it is whole months that have all ended, else []."""
    if start.day != 1 or (end + timedelta(days=1)).day != 1 or end >= timezone.localdate():
        return []
    months = months_between(start, end)
    return months if add_months(months[-1], 1) == end + timedelta(days=1) else []


def _month_rows(months: list[date]):
    """_kept_counts' contacts part from the months' ContactMonth rows: the longest gap in
    the period (its first day's contacts left out, as the follow-ups' `date > start`) and the
    clocks at the end (in the place of the period's last contacts: a clock within the
    cadence is a contact in the period)."""
    first, last = months[0], months[-1]
    if first == last:  # a row per project: nothing to add up
        return (
            ContactMonth.objects.filter(month=first)
            .annotate(
                gap_b=F("business_gap_rest"),
                last_b=F("business_clock"),
                gap_r=F("relationship_gap_rest"),
                last_r=F("relationship_clock"),
            )
            .values_list("project", "gap_b", "last_b", "gap_r", "last_r")
        )

    def longest(kind: str):
        return Greatest(
            Coalesce(Max(f"{kind}_gap_rest"), 0),
            Coalesce(Max(f"{kind}_gap_first", filter=Q(month__gt=first)), 0),
        )

    return (
        ContactMonth.objects.filter(month__gte=first, month__lte=last)
        .order_by()
        .values("project")
        .annotate(
            gap_b=longest("business"),
            last_b=Max("business_clock", filter=Q(month=last)),
            gap_r=longest("relationship"),
            last_r=Max("relationship_clock", filter=Q(month=last)),
        )
        .values_list("project", "gap_b", "last_b", "gap_r", "last_r")
    )


def _as_date(value) -> date:
    """A date from raw SQL: PostgreSQL returns one, SQLite its ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
