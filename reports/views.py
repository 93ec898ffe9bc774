from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hospitals.models import Contact, Hospital, HospitalStatus
from pipeline.models import PipelineSettings, Project
from proposals.models import Proposal, State

from . import queries
from .charts import funnel_svg
from .forms import ReportFilterForm

RECENT = 8


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: what the signed-in user has, and what changed lately."""
    hospitals = Hospital.objects.visible_to(request.user)
    by_status = dict(
        hospitals.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
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
    settings, today = PipelineSettings.current(), timezone.localdate()
    projects = Project.objects.visible_to(request.user).open()
    due = projects.with_cadence(settings, today).aggregate(
        overdue=Count("pk", filter=Q(business_due_on__lt=today) | Q(relationship_due_on__lt=today)),
        open=Count("pk"),
    )
    ctx = {
        "n_overdue": due["overdue"],
        "n_open_projects": due["open"],
        "n_hospitals": sum(by_status.values()),
        "status_counts": [
            (value, label, by_status.get(value, 0)) for value, label in HospitalStatus.choices
        ],
        "n_contacts": Contact.objects.visible_to(request.user).count(),
        "explicit_need": explicit_need,
        "recent": recent_rows,
        # the director's queue: proposals waiting for a decision
        "n_pending_proposals": Proposal.objects.visible_to(request.user)
        .filter(state=State.PENDING, superseded=False)
        .count()
        if request.user.has_perm("proposals.approve_proposal")
        else 0,
    }
    return render(request, "reports/home.html", ctx)


# Reports -------------------------------------------------------------------------------------


def _report(request: HttpRequest, report: str, build, template: str, extra=None) -> HttpResponse:
    """A report page: the filter, the rows of reports/queries.py, the workbook link, and what
    `extra(data)` adds for this report's template."""
    form = ReportFilterForm(request.GET, user=request.user, report=report)
    if not form.is_valid():
        return render(request, template, {"form": form, "data": None}, status=400)
    data = build(request.user, form.scope())
    query = request.GET.copy()
    query["format"] = "xlsx"
    ctx = {
        "form": form,
        "data": data,
        "xlsx_url": f"{reverse('api:' + report + '_report')}?{query.urlencode()}",
        **(extra(data) if extra else {}),
    }
    return render(request, template, ctx)


@require_GET
@login_required
def funnel(request: HttpRequest) -> HttpResponse:
    """销售管道图: open projects by stage, and conversion between stages over the period."""

    def chart(data):
        svg = funnel_svg(data["stages"], title=_("销售管道图"), unit="¥", wan=_("万"))
        return {"chart": svg}

    return _report(request, "funnel", queries.funnel, "reports/funnel.html", chart)


@require_GET
@login_required
def sources(request: HttpRequest) -> HttpResponse:
    """来源与切入分析: by source (关系引导/推广反馈/陌生拜访), promotion event and entry path."""

    def tables(data):
        return {
            "tables": [
                (_("信息来源"), data["by_source"]),
                (_("推广活动"), data["by_event"]),
                (_("切入方式"), data["by_entry_path"]),
            ]
        }

    return _report(request, "sources", queries.sources, "reports/sources.html", tables)


MANAGERS_SHOWN = 20  # the forecast page's managers table: the largest weighted first


def _forecast_groups(data: dict) -> dict:
    teams = [{**t, "label": t["team"] or "—"} for t in data["teams"]]
    total = {**data["total"], "label": _("合计")}
    managers = data["managers"]
    hidden = max(len(managers) - MANAGERS_SHOWN, 0)
    if hidden:  # a national table of 500 managers helps nobody: filter by team to see all
        managers = sorted(managers, key=lambda p: -p["total"]["weighted"])[:MANAGERS_SHOWN]
    return {
        "groups": [
            {"title": _("按团队"), "who": _("团队"), "rows": teams + [total]},
            {
                "title": _("按负责人"),
                "who": _("负责人"),
                "rows": [{**p, "label": p["name"]} for p in managers],
                "hidden": hidden,
            },
        ]
    }


@require_GET
@login_required
def forecast(request: HttpRequest) -> HttpResponse:
    """成单预测: expected wins by month of planned purchase, per manager, team and total."""
    return _report(request, "forecast", queries.forecast, "reports/forecast.html", _forecast_groups)
