"""工作台, the first screen: what the signed-in user has and must do today, and for those who
oversee others their teams' pipeline, forecast and weekly summaries. A fixed number of
queries for every role, whatever the number of rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from accounts.models import Role, Team, User
from hospitals.counts import CONTACTS, HOSPITALS
from hospitals.models import Hospital, HospitalStatus
from o2crm import summaries
from o2crm.dates import week_start
from pipeline.domain import add_months, weighted
from pipeline.models import PipelineSettings, Project, Stage
from proposals.models import Proposal, State
from visits.models import Task, Visit

from . import funnel, weekly
from .charts import funnel_svg
from .forecast import forecast_cells
from .funnel import owners_of_projects
from .models import WeeklySummary, iso_week
from .scope import Scope, months_between, one_if

RECENT = 8


def _due_rows(today: date):
    """The open projects as they stand today: class, and behind on contact (each kind,
    either) by the class's cadence."""
    late_b, late_r = Q(business_due_on__lt=today), Q(relationship_due_on__lt=today)
    return (
        Project.objects.open()
        .with_cadence(PipelineSettings.current(), today)
        .annotate(late_b=one_if(late_b), late_r=one_if(late_r), late=one_if(late_b | late_r))
    )


# Open projects by owner, province and class today: how many, and how many are behind on
# business contact (a), relationship contact (b), either (c). As of today (decision 0029):
# lateness moves with the date, so the day's cells are built once and kept by the writers.
CONTACT_DUE = summaries.register(
    summaries.Summary(
        topic="contact-due",
        rows=_due_rows,
        as_of_today=True,
        province="hospital__province",
        key="cls",
        measures={"n": Count("*"), "a": Sum("late_b"), "b": Sum("late_r"), "c": Sum("late")},
        sources={Project: None, Hospital: owners_of_projects},
    )
)


def home(user: User, today: date) -> dict:
    """The 工作台's context for `user` on `today`."""
    hospitals = Hospital.objects.visible_to(user)
    by_status = dict(
        summaries.totals(summaries.cells(HOSPITALS.topic, user), "key").values_list("key", "n")
    )
    # New and relocating hospitals need central oxygen explicitly (process step 1.1).
    explicit_need = list(
        hospitals.filter(status__in=[HospitalStatus.NEW, HospitalStatus.RELOCATING])
        .select_related("owner")
        .order_by("-grade_rank", "pinyin")[:6]
    )
    recent_rows = list(
        Hospital.history.filter(id__in=hospitals.values("pk"))
        .select_related("history_user")
        .order_by("-history_date")[:RECENT]
    )
    sums = summaries.total(summaries.cells(CONTACT_DUE.topic, user))
    due = {
        "open": int(sums["n"]),
        "business_late": int(sums["a"]),
        "relationship_late": int(sums["b"]),
        "overdue": int(sums["c"]),
    }
    ctx = {
        "n_overdue": due["overdue"],
        "n_open_projects": due["open"],
        # 联络达标 now: the open projects whose business and relationship clocks are in time
        "in_cadence": {
            "business": _share(due["open"] - due["business_late"], due["open"]),
            "relationship": _share(due["open"] - due["relationship_late"], due["open"]),
        },
        "n_hospitals": sum(by_status.values()),
        "status_counts": [
            (value, label, by_status.get(value, 0)) for value, label in HospitalStatus.choices
        ],
        "n_contacts": summaries.total(summaries.cells(CONTACTS.topic, user))["n"],
        "explicit_need": explicit_need,
        "recent": recent_rows,
        # the director's queue: proposals waiting for a decision
        "n_pending_proposals": Proposal.objects.visible_to(user)
        .filter(state=State.PENDING, superseded=False)
        .count()
        if user.has_perm("proposals.approve_proposal")
        else 0,
        "today": today,
        **_dashboard(user, today),
    }
    return ctx


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


DASHBOARD_MONTHS = 6
TEAMS_SHOWN = 8


def _dashboard(user, today) -> dict:
    """The role's own part of 工作台: a manager's day and week; for those who oversee others,
    their teams' funnels, the forecast and whose weekly summary is missing. A fixed number of
    queries for every role, whatever the number of rows."""
    this_monday = week_start(today)
    last_monday = this_monday - timedelta(days=7)

    def chart(owner=None):
        scope = Scope(start=today - timedelta(days=89), end=today, owner=owner)
        stages = funnel.funnel(user, scope, with_conversion=False)["stages"]
        return funnel_svg(stages, title=_("销售管道图"), unit="¥", wan=_("万"))

    ctx = {}
    if user.role == Role.MANAGER:
        ctx["my_funnel_chart"] = chart(owner=user.pk)
        weeks = {
            s.week_start: s
            for s in WeeklySummary.objects.filter(
                owner=user, week_start__in=[this_monday, last_monday]
            )
        }
        ctx["my_weeks"] = [
            (iso_week(m), label, weeks.get(m))
            for m, label in ((last_monday, _("上周")), (this_monday, _("本周")))
        ]
        ctx["tasks"] = list(
            Task.objects.visible_to(user).open_due_by(user, today).select_related("hospital")[:6]
        )
        ctx["visits_today"] = list(
            Visit.objects.visible_to(user).planned_on(user, today).select_related("hospital")[:6]
        )
    if user.sees_all or user.led_team_ids:
        overview = weekly.overview(user, last_monday)
        ctx["last_week"] = {"week": overview["week"], **overview["total"]}
        ctx["funnel_chart"] = chart()
        ctx["forecast_months"] = _forecast_months(user, today)
        ctx["team_pipeline"] = _team_pipeline(user)
    return ctx


def _forecast_months(user, today) -> list[dict]:
    """Weighted and committed value of open projects planned for the next DASHBOARD_MONTHS
    months, this one first."""
    first = today.replace(day=1)
    months = months_between(first, add_months(first, DASHBOARD_MONTHS - 1))
    after = add_months(months[-1], 1)
    rows = dict.fromkeys(months)
    cells = forecast_cells(user, Scope(start=first, end=after), first, after, by_owner=False)
    for month, value, committed, value_times in summaries.totals(cells, "day").values_list(
        "day", "a", "b", "c"
    ):
        rows[month] = (value, weighted(value_times or Decimal(0)), committed)
    return [
        {
            "month": m.strftime("%Y-%m"),
            "value": (rows[m] or (0, 0, 0))[0] or 0,
            "weighted": (rows[m] or (0, 0, 0))[1] or 0,
            "committed": (rows[m] or (0, 0, 0))[2] or 0,
        }
        for m in months
    ]


def _team_pipeline(user: User) -> list[dict]:
    """Each team's open pipeline: projects, value, weighted; the largest teams first. From
    the open-pipeline summary's team cells (value × the stage's probability now)."""
    probability = dict(Stage.objects.values_list("pk", "probability"))
    teams: dict[int, dict] = {}
    for team, stage, n, value in summaries.totals(
        summaries.cells(funnel.OPEN.topic, user, by_team=True), "team", "key"
    ).values_list("team", "key", "n", "a"):
        sums = teams.setdefault(team, {"n": 0, "value": Decimal(0), "weighted": Decimal(0)})
        sums["n"] += n
        sums["value"] += value or 0
        sums["weighted"] += weighted((value or Decimal(0)) * probability.get(int(stage), 0))
    names = dict(Team.objects.filter(pk__in=list(teams)).values_list("pk", "name"))
    ranked = sorted(teams.items(), key=lambda item: -item[1]["weighted"])[:TEAMS_SHOWN]
    return [{"team": names.get(pk, ""), **sums} for pk, sums in ranked]
