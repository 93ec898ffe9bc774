"""来源与切入分析: where projects came from and by which path in, and how they ended."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import (
    EntryPath,
    Project,
    PromotionEvent,
    Source,
    Status,
)

from .scope import Scope, money, projects

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
SUMMED = ("projects", "won", "lost", "valued", "value", "won_value", "won_days")


def _outcome_cells(qs: QuerySet[Project]) -> list[dict]:
    """Outcomes per source × event × entry path (a few dozen rows) as sums and counts, so
    one scan of the period's projects serves every grouping (averages are divided later)."""
    won = Q(status=Status.WON)
    executive = Case(
        When(executive_joined_on__isnull=False, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return list(
        qs.order_by()
        .annotate(executive=executive)
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
                "average_value": money(average) if average is not None else None,
                "won_value": money(row["won_value"]),
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
