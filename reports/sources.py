"""来源与切入分析: where projects came from and by which path in, and how they ended."""

from __future__ import annotations

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Concat, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from hospitals.models import Hospital
from o2crm import summaries
from pipeline.models import (
    EntryPath,
    Project,
    PromotionEvent,
    Source,
    Status,
)

from .funnel import owners_of_projects
from .scope import Scope, cells, money, projects

# 来源与切入分析 ---------------------------------------------------------------------------


OUTCOME_KEYS = ("source", "source_event", "entry_path", "executive")


class _Labels:
    """Entry path × whether a company executive took part (高层切入 / 高层对高层)."""

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [
            (f"{path}:{flag}", f"{label} · {_('有高层参与') if flag else _('无高层参与')}")
            for path, label in EntryPath.choices
            for flag in (1, 0)
        ]


_PathExecutive = _Labels()
SUMMED = ("projects", "won", "lost", "valued", "value", "won_value", "won_seconds")


class SecondsBetween(Func):
    """Whole seconds from the first timestamp to the second, alike on PostgreSQL and SQLite
    (whole: the summaries add them up exactly)."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):  # SQLite
        return super().as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s)) * 86400) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="ROUND(EXTRACT(EPOCH FROM (%(expressions)s)))::bigint",
            arg_joiner=" - ",
            **extra_context,
        )


_WON, _LOST = Q(status=Status.WON), Q(status__in=[Status.LOST, Status.ABANDONED])


def _outcome_key() -> Concat:
    """A cell's key: source, promotion event, entry path and 1 when an executive took part."""
    executive = Case(
        When(executive_joined_on__isnull=False, then=Value("1")),
        default=Value("0"),
        output_field=CharField(),
    )
    parts = [F("source"), F("source_event"), F("entry_path"), executive]
    joined = [part for p in parts for part in (p, Value("|"))][:-1]
    return Concat(*joined, output_field=CharField())


# The projects by the day they were created, per owner, province and key (source × event ×
# entry path × executive): how many, their value, won value and how many won; and how many
# lost or abandoned, how many carry a value, and the seconds the won ones took. Any period,
# any scope reads the days' cells: a few thousand for a year, not the year's projects.
def _by_creation_day(topic: str, measures: dict) -> summaries.Summary:
    """A summary of the projects by the day they were created, province and outcome key."""
    return summaries.register(
        summaries.Summary(
            topic=topic,
            rows=lambda: Project.objects.all(),
            day=TruncDate("created_at"),
            key=_outcome_key(),
            province="hospital__province",
            measures=measures,
            sources={Project: None, Hospital: owners_of_projects},
        )
    )


OUTCOMES = _by_creation_day(
    "source-outcomes",
    {
        "n": Count("*"),
        "a": Sum("contract_value"),
        "b": Sum("contract_value", filter=_WON),
        "c": Count("pk", filter=_WON),
    },
)
CLOSES = _by_creation_day(
    "source-closes",
    {
        "n": Count("pk", filter=_LOST),
        "a": Count("contract_value"),
        "b": Sum(SecondsBetween("closed_at", "created_at"), filter=_WON),
    },
)
# which measure of which topic is which outcome
_READ = (
    (OUTCOMES, {"n": "projects", "a": "value", "b": "won_value", "c": "won"}),
    (CLOSES, {"n": "lost", "a": "valued", "b": "won_seconds"}),
)


def _outcome_cells(user: User, scope: Scope) -> list[dict]:
    """Outcomes per source × event × entry path × executive (a few dozen rows) of the projects
    created in the period, from the summaries' cells, so one read serves every grouping
    (averages are divided later)."""
    days = {"day__gte": scope.start, "day__lte": scope.end}
    out: dict[str, dict] = {}
    for summary, names in _READ:
        for row in summaries.totals(cells(summary.topic, user, scope).filter(**days), "key"):
            source, event, path, executive = row["key"].split("|")
            into = out.setdefault(
                row["key"],
                {"source": source, "source_event": event, "entry_path": path,
                 "executive": executive == "1"},
            )  # fmt: skip
            into.update({name: row[m] for m, name in names.items()})
    for cell in out.values():
        for count in ("projects", "won", "lost", "valued"):  # kept as decimals
            cell[count] = int(cell[count] or 0)
    return [cell for cell in out.values() if cell["projects"]]


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
        took = row["won_seconds"]
        days = took / row["won"] / 86400 if row["won"] and took else None
        out.append(
            {
                "key": key,
                "label": str(labels.get(key, key or "—")),
                "projects": row["projects"],
                "won": row["won"],
                "lost": row["lost"],
                "win_rate": round(row["won"] / closed, 4) if closed else None,
                "average_value": money(average) if average is not None else None,
                "won_value": money(row["won_value"]),
                "days_to_win": round(float(days), 1) if days is not None else None,
            }
        )
    return out


def sources(user: User, scope: Scope) -> dict:
    """Projects created in the period, by source (promotion split by event) and entry path:
    how many, how many won and lost, win rate (won ÷ closed), average value, days to win; and
    the period's lost reasons."""
    cells = _outcome_cells(user, scope)
    by_source = _outcomes(cells, "source", Source)
    promoted = [c for c in cells if c["source"] == Source.PROMOTION]
    events = _outcomes(promoted, "source_event", PromotionEvent)
    paths = _outcomes(cells, "entry_path", EntryPath)
    with_executive = _outcomes(
        [{**c, "path_executive": f"{c['entry_path']}:{int(c['executive'])}"} for c in cells],
        "path_executive",
        _PathExecutive,
    )
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
        "by_executive": with_executive,
        "lost_reasons": lost,
    }


LOST_REASONS = 50
