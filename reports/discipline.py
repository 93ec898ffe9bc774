"""联络达标, contact discipline: of each manager's A and B projects open at a period's end, the
share whose business contacts, and separately relationship contacts, never fell behind the
class's cadence during the period (A: 7 days, B: 30 days by default); and the projects
furthest past due at its end.

The same figures come by one of six routes, chosen by the period and the scope, because what
is fast differs by orders of magnitude between "my projects this month" and "the whole
country two years ago" (decisions 0009, 0012, 0015 and 0029; bench/README.md):

- `Route.SUMMARY` — the page's own period, the last WINDOW_DAYS days to today, for anyone
  and any scope: the counts from the summary kept as of today (decision 0029), the most
  overdue from the projects' clocks as `Route.TODAY`.
- `Route.LAST_MONTH` — the month before today's, for anyone and any scope: the counts from
  the summary of that month kept as of today (decision 0029), read from its ContactMonth
  rows; the most overdue as `Route.MONTHS` or `Route.PROJECTS` would.
- `Route.TODAY` — a period that runs to today: each project's own contact clocks and newest
  late contacts (pipeline/contact_clocks.py) answer it from the project rows alone.
- `Route.MONTHS` — whole months that have ended, for the whole country: the months'
  ContactMonth rows, one per project and month, built once.
- `Route.COUNTRY` — any other ended period, for the whole country: one range scan of the
  follow-ups' (kind, date) index for the period, and of the contacts after its end to read
  each clock back to it.
- `Route.PROJECTS` — an ended period for a manager, a team or a province: the few hundred
  projects' own follow-ups, by the project index.

`discipline(user, scope)` picks the route (`route_for`); the tests pass each route to it and
compare the reports, so every route is held to the same answer.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
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
)
from django.utils import timezone

from accounts.models import User, people_named
from hospitals.models import Hospital
from o2crm import summaries
from o2crm.dates import midnight
from pipeline.contact_clocks import ensure_months, newest_contact
from pipeline.domain import add_months
from pipeline.models import (
    ContactKind,
    ContactMonth,
    FollowUp,
    PipelineSettings,
    Project,
    Status,
    class_a,
)

from .funnel import owners_of_projects
from .scope import Scope, as_date, cells, one_if, page_of, projects, whole_months

WORST = 10
WINDOW_DAYS = 30  # the page's period unless the user picks another: the last 30 days

ZERO_CELL = {"projects": 0, "business": 0, "relationship": 0}


class Route(StrEnum):
    SUMMARY = "summary"
    LAST_MONTH = "last-month"
    TODAY = "today"
    MONTHS = "months"
    COUNTRY = "country"
    PROJECTS = "projects"


def route_for(user: User, scope: Scope, today: date) -> Route:
    """The fastest route that answers this period for this viewer (see the module's notes)."""
    if (scope.start, scope.end) == window(today):
        return Route.SUMMARY
    if scope.end >= today:
        return Route.TODAY
    if (scope.start, scope.end) == last_month(today):
        return Route.LAST_MONTH
    return _past_route(user, scope)


def _past_route(user: User, scope: Scope) -> Route:
    """The route of a period that ended, from the contacts or their month rows."""
    if user.sees_all and not (scope.owner or scope.team or scope.province):
        return Route.MONTHS if whole_months(scope.start, scope.end) else Route.COUNTRY
    return Route.PROJECTS


def window(today: date) -> tuple[date, date]:
    """The page's own period: the last WINDOW_DAYS days, today included."""
    return today - timedelta(days=WINDOW_DAYS - 1), today


def last_month(today: date) -> tuple[date, date]:
    """The month before today's, its first and last days."""
    first = today.replace(day=1)
    return add_months(first, -1), first - timedelta(days=1)


def _kept_by(kind: str, cadence: dict[str, int], start: date, end: date) -> Q:
    """A project (annotated by `with_cadence` at `end`) kept cadence in `kind` from `start` to
    `end`, the end today or later: no contact of the kind came late in the period (the newest
    late one, for the project's class, is older) and the last one is within the cadence."""
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


def _cadence(settings: PipelineSettings) -> dict[str, int]:
    return {"A": settings.cadence_a_days, "B": settings.cadence_b_days}


def _window_rows(today: date):
    """The open projects as they stand today, flagged kept in each kind over the window."""
    settings = PipelineSettings.current()
    start, end = window(today)
    cadence = _cadence(settings)
    return (
        Project.objects.open()
        .with_cadence(settings, end)
        .annotate(
            kept_b=one_if(_kept_by(ContactKind.BUSINESS, cadence, start, end)),
            kept_r=one_if(_kept_by(ContactKind.RELATIONSHIP, cadence, start, end)),
        )
    )


# The window's counts per owner, province and class: open projects (n), kept in business
# (a) and relationship (b) contact. As of today (decision 0029): the window moves each day.
WINDOW = summaries.register(
    summaries.Summary(
        topic="discipline-window",
        rows=_window_rows,
        as_of_today=True,
        province="hospital__province",
        key="cls",
        measures={"n": Count("*"), "a": Sum("kept_b"), "b": Sum("kept_r")},
        sources={Project: None, Hospital: owners_of_projects},
    )
)


def _open_through(qs: QuerySet[Project], until) -> QuerySet[Project]:
    """The projects of `qs` that existed and were open at `until` (a period's end)."""
    return qs.filter(created_at__lt=until).filter(Q(status=Status.OPEN) | Q(closed_at__gte=until))


def _kept_in_month(kind: str) -> Q:
    """Kept cadence in `kind` ("b", "r") over a month, on `_at_the_end`'s annotations and the
    month's row (ONE_MONTH): no gap longer than the cadence, and a clock within it at the
    end or a project younger than it; _kept_counts says the same in its SQL."""
    gap, clock = f"gap_{kind}", f"last_{kind}"
    return (Q(**{f"{gap}__isnull": True}) | Q(**{f"{gap}__lte": F("cadence_days")})) & (
        Q(**{f"{clock}__gte": F("stale_before")}) | Q(young=1)
    )


def _last_month_rows(today: date) -> QuerySet[Project]:
    """The projects open at the end of the month before today's, flagged kept in each kind
    over that month from their ContactMonth rows (the month built first if it is not)."""
    start, end = last_month(today)
    ensure_months([start])
    settings = PipelineSettings.current()
    row = ContactMonth.objects.filter(project=OuterRef("pk"), month=start)
    open_then = _open_through(Project.objects.all(), midnight(end + timedelta(days=1)))
    return (
        _at_the_end(open_then, settings, _cadence(settings), end)
        .annotate(**{name: Subquery(row.values(column)[:1]) for name, column in ONE_MONTH.items()})
        .annotate(kept_b=one_if(_kept_in_month("b")), kept_r=one_if(_kept_in_month("r")))
    )


# Last month's counts per owner, province and class, as WINDOW's. As of today: which month
# is last month moves with the day. Its month rows are rewritten with the projects' clocks
# (pipeline/contact_clocks.py), whose writers then say Project.
KEPT_LAST_MONTH = summaries.register(
    summaries.Summary(
        topic="discipline-last-month",
        rows=_last_month_rows,
        as_of_today=True,
        province="hospital__province",
        key="cls",
        measures={"n": Count("*"), "a": Sum("kept_b"), "b": Sum("kept_r")},
        sources={Project: None, Hospital: owners_of_projects},
    )
)


def discipline(
    user: User,
    scope: Scope,
    *,
    route: Route | None = None,
    worst: int = WORST,
    page: int | None = None,
) -> dict:
    """The report for the period of `scope`, by `route` (by default the fastest), with the
    `worst` projects most past due; with `page`, that page of the managers (page_of: the
    JSON), the worst managers and the teams whole. A project kept cadence in a kind when no
    contact of that kind in the period came more than the cadence after the one before it
    (or after the project's creation: the gap each follow-up stores), and one came within
    the cadence before the period's end (or the project is younger than that)."""
    settings = PipelineSettings.current()
    cadence = _cadence(settings)
    start, end = scope.start, scope.end
    today = timezone.localdate()
    route = route or route_for(user, scope, today)
    if route == Route.TODAY and end < today:
        raise ValueError("the projects' clocks are today's: a past period takes another route")
    if route == Route.SUMMARY and (start, end) != window(today):
        raise ValueError("the summary keeps the page's own period, the last days to today")
    if route == Route.LAST_MONTH and (start, end) != last_month(today):
        raise ValueError("the summary of last month keeps the month before today's alone")
    months = whole_months(start, end) if route == Route.MONTHS else []
    if route == Route.MONTHS and not months:
        raise ValueError("month rows answer whole months that have ended")
    base = _open_through(projects(user, scope), scope.until)
    if route == Route.SUMMARY:
        counts = _kept_counts_from_summary(WINDOW, user, scope)
    elif route == Route.LAST_MONTH:
        counts = _kept_counts_from_summary(KEPT_LAST_MONTH, user, scope)
        # its most overdue as the month's other routes would (the month's rows were built
        # with the summary's day, before its cells could be read)
        route = _past_route(user, scope)
    elif route == Route.TODAY:
        counts = _kept_counts_to_today(base, settings, cadence, start, end)
    else:
        if months:  # built once, the first time a month is asked for
            ensure_months(months)
        # a manager's or a team's few hundred projects: their contacts by the project index
        ids = list(base.values_list("pk", flat=True)) if route == Route.PROJECTS else None
        counts = _kept_counts(base, settings, cadence, start, end, ids, months)
    tallies: dict[int, dict[str, dict[str, int]]] = {}
    for owner, cls, n, business, relationship in counts:
        cells = tallies.setdefault(owner, {"A": dict(ZERO_CELL), "B": dict(ZERO_CELL)})
        cells[cls] = {"projects": n, "business": business, "relationship": relationship}
    qs = base.with_cadence(settings, end)
    late = _late_projects(qs, settings, cadence, end, route=route, worst=worst)
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
    for owner in sorted(tallies, key=lambda pk: (people[pk].team, people[pk].username)):
        username, name, team = people[owner]
        managers.append({"owner": username, "name": name, "team": team, **shares(tallies[owner])})
        add(teams.setdefault(team, {"A": dict(ZERO_CELL), "B": dict(ZERO_CELL)}), tallies[owner])
        add(everyone, tallies[owner])
    shown, paging = page_of(managers, page)
    return {
        "scope": scope.as_dict(),
        "cadence": cadence,
        "managers": shown,
        **paging,
        "teams": [{"team": t or "—", **shares(c)} for t, c in sorted(teams.items())],
        "total": shares(everyone),
        "worst": sorted(
            (m for m in managers if m["share"] is not None), key=lambda m: (m["share"], m["owner"])
        )[:worst],
        "late_projects": [{**row, "owner": people[row["owner"]].name} for row in late],
    }


def _kept_counts_from_summary(summary: summaries.Summary, user: User, scope: Scope) -> list[tuple]:
    """_kept_counts for the window or last month from its summary: the owners' cells the
    user may see."""
    return [
        (owner, cls, n, int(business), int(relationship))
        for owner, cls, n, business, relationship in summaries.totals(
            cells(summary.topic, user, scope, by_owner=True), "owner", "key"
        ).values_list("owner", "key", "n", "a", "b")
    ]


def _kept_counts_to_today(base, settings, cadence: dict[str, int], start: date, end: date):
    """_kept_counts for a period that runs to today or later, from the project rows alone
    (`_kept_by`)."""
    rows = (
        base.with_cadence(settings, end)
        .order_by()
        .values_list("owner", "cls")
        .annotate(
            n=Count("pk"),
            business=Count("pk", filter=_kept_by(ContactKind.BUSINESS, cadence, start, end)),
            relationship=Count(
                "pk", filter=_kept_by(ContactKind.RELATIONSHIP, cadence, start, end)
            ),
        )
    )
    return list(rows)


def _at_the_end(base, settings, cadence: dict[str, int], end: date) -> QuerySet[Project]:
    """`base` annotated for a period ending at `end`: the class then (`with_cadence`), its
    cadence in days, the day before which a last contact is stale, and whether the project
    is younger than its cadence (kept without a contact)."""
    is_a = Q(cls="A")
    young_a = Q(created_at__gte=midnight(end - timedelta(days=cadence["A"])))
    young_b = Q(created_at__gte=midnight(end - timedelta(days=cadence["B"])))
    return base.with_cadence(settings, end).annotate(
        cadence_days=Case(
            When(is_a, then=Value(cadence["A"])),
            default=Value(cadence["B"]),
            output_field=IntegerField(),
        ),
        stale_before=Case(
            When(is_a, then=Value(end - timedelta(days=cadence["A"]))),
            default=Value(end - timedelta(days=cadence["B"])),
            output_field=DateField(),
        ),
        young=Case(
            When((is_a & young_a) | (~is_a & young_b), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


def _kept_counts(base, settings, cadence: dict[str, int], start: date, end: date, ids, months=None):
    """(owner, class, projects, kept business, kept relationship) in one query: the projects
    joined to their contacts of the period aggregated per project. Both sides are built by
    the ORM (visibility, scope, class and time zone included; its columns are named after
    the values_list names); only the join and the final count are written here, in SQL that
    PostgreSQL and SQLite read alike. With `months` (the period is those whole months) the
    contacts come aggregated already, from their ContactMonth rows."""
    projects_part = (
        _at_the_end(base, settings, cadence, end)
        .order_by()
        .values_list("pk", "owner", "cls", "cadence_days", "stale_before", "young")
    )
    if months:
        contacts_part = _month_rows(months)
    else:
        since = min(start, end - timedelta(days=max(cadence.values())))
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
    qs: QuerySet[Project], settings, cadence: dict[str, int], end: date, *, route: Route, worst: int
) -> list[dict]:
    """The `worst` projects furthest past due at `end`, either kind. Up to today the clocks
    the projects keep answer it; for a period that ended earlier, each clock is read back to
    its end: from the month's rows, from the contacts since for the whole country, else
    project by project.

    The `worst` projects whose earlier due date is the earliest hold the `worst` latest
    (project, kind) pairs (a project ranked before one of them has a pair ranked before it),
    so only their two due dates are read."""
    kinds = dict(ContactKind.choices)
    if route in (Route.SUMMARY, Route.TODAY):
        candidates = _first_due_from_clocks(qs, settings, cadence, end, worst)
    elif route == Route.MONTHS:
        candidates = _first_due_from_month_rows(settings, cadence, end, worst)
    elif route == Route.COUNTRY:
        candidates = _first_due_from_later_contacts(qs, cadence, end, worst)
    else:
        candidates = _first_due_from_contacts(qs, cadence, end, worst)
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
    return rows[:worst]


def _first_due_from_clocks(
    qs, settings, cadence: dict[str, int], end: date, worst: int
) -> list[tuple]:
    """Within a class both kinds share the cadence, so the earliest due date is the earlier
    clock (the last contact of a kind, else the project's start) plus that cadence. The
    `worst` earliest are among the `worst` first of each clock in its own order, which its
    index gives without reading the class's every project: the last contacts of each kind,
    and for the kinds never contacted, the start (and the rest of the last start's day, whose
    order is the projects', not the hour's). Merged and cut here."""
    started = TruncDate("created_at")
    # up to today no project closed after the end: the open ones, by the clocks' indexes
    qs = qs.filter(status=Status.OPEN)
    fields = ("pk", "owner", "hospital__name", "last_business_contact_on")
    fields += ("last_relationship_contact_on", "start")
    out = []
    for cls, days in cadence.items():
        cutoff = end - timedelta(days=days)
        in_class = qs.of_class(cls, settings, end).annotate(start=started).order_by()
        found: dict[int, tuple] = {}
        for clock in ("last_business_contact_on", "last_relationship_contact_on"):
            found.update(
                (row[0], row)
                for row in in_class.filter(**{f"{clock}__lt": cutoff})
                .order_by(clock, "pk")
                .values_list(*fields)[:worst]
            )
            never = in_class.filter(**{f"{clock}__isnull": True}, created_at__lt=midnight(cutoff))
            first = list(never.order_by("created_at", "pk").values_list(*fields)[:worst])
            if len(first) == worst:  # the last one's whole day: ties are broken by the project
                last_day = first[-1][-1]
                first += never.filter(
                    created_at__gte=midnight(last_day),
                    created_at__lt=midnight(last_day + timedelta(days=1)),
                ).values_list(*fields)
            found.update((row[0], row) for row in first)
        wait = timedelta(days=days)
        clocks = []
        for pk, o, h, b, r, start in found.values():
            b, r = b or start, r or start
            clocks.append((min(b, r), pk, o, h, b, r))
        clocks.sort()
        out += [(pk, o, cls, h, b + wait, r + wait) for _, pk, o, h, b, r in clocks[:worst]]
    return out


def _first_due_from_contacts(qs, cadence: dict[str, int], end: date, worst: int) -> list[tuple]:
    """Each kind's clock as it stood at `end` (the period is over): the project's own clock
    when no contact came after `end`, else read back from the follow-ups (a lookup per
    project, so only where needed). Not filtered on being late: PostgreSQL would look every
    clock up twice, for the filter and for the sort; _late_projects keeps only the late."""
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
        .values_list("pk", "owner", "cls", "hospital__name", "due_b", "due_r")[:worst]
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


def _first_due_from_later_contacts(
    qs, cadence: dict[str, int], end: date, worst: int
) -> list[tuple]:
    """_first_due_from_contacts for the whole country, from the contacts logged after `end`
    instead of a lookup per project: the scan grows with the time since the end, the lookups
    with the projects, and for the whole country the scan is the cheaper (decision 0015).

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
    return _first_due_from(qs, cadence, later, worst)


def _first_due_from_month_rows(
    settings, cadence: dict[str, int], end: date, worst: int
) -> list[tuple]:
    """_first_due_from_contacts for the whole country at the end of a month, from the
    month's ContactMonth rows: per class, the first rows of the (month, first_clock) index
    whose project belongs to the period (created before its end, open at it), a few dozen
    rows read instead of every project joined and sorted (decision 0015). The conditions are
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
        )[:worst]
        wait = timedelta(days=days)
        for pk, owner, hospital, clock_b, clock_r, created in rows:
            started = timezone.localdate(created)
            due_b, due_r = (clock_b or started) + wait, (clock_r or started) + wait
            out.append((pk, owner, cls, hospital, due_b, due_r))
    return out


def _first_due_from(qs, cadence: dict[str, int], clocks, worst: int) -> list[tuple]:
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
        f" ORDER BY {first_due}, p.pk LIMIT {int(worst)}"
        f") x JOIN {Hospital._meta.db_table} h ON h.id = x.hospital"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*p_params, *c_params))
        found = cursor.fetchall()
    out = []
    for pk, owner, cls, hospital, clock_b, clock_r in found:
        days = timedelta(days=cadence[cls])
        out.append((pk, owner, cls, hospital, as_date(clock_b) + days, as_date(clock_r) + days))
    return out


# _kept_counts' contacts part of one month from its ContactMonth row: the longest gap after
# its first day and the clock at its end, per kind
ONE_MONTH = {
    "gap_b": "business_gap_rest",
    "last_b": "business_clock",
    "gap_r": "relationship_gap_rest",
    "last_r": "relationship_clock",
}


def _month_rows(months: list[date]):
    """_kept_counts' contacts part from the months' ContactMonth rows: the longest gap in
    the period (its first day's contacts left out, as the follow-ups' `date > start`) and the
    clocks at the end (in the place of the period's last contacts: a clock within the
    cadence is a contact in the period)."""
    first, last = months[0], months[-1]
    if first == last:  # a row per project: nothing to add up
        return (
            ContactMonth.objects.filter(month=first)
            .annotate(**{name: F(column) for name, column in ONE_MONTH.items()})
            .values_list("project", *ONE_MONTH)
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
