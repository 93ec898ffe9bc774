from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from o2crm import paging
from o2crm.dates import week_start
from o2crm.records import EditConflict
from pipeline.domain import add_months

from . import dashboard, services, weekly
from . import discipline as discipline_report
from . import forecast as forecast_report
from . import funnel as funnel_report
from . import monthly as monthly_report
from . import sources as sources_report
from .charts import funnel_svg
from .forms import MonthlyForm, RemarkForm, ReportFilterForm, WeekForm
from .models import iso_week, week_monday


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: what the signed-in user has, and what changed lately."""
    ctx = dashboard.home(request.user, timezone.localdate())
    return render(request, "reports/home.html", ctx)


# Reports -------------------------------------------------------------------------------------


def _report(request: HttpRequest, report: str, build, template: str, extra=None) -> HttpResponse:
    """A report page: the filter, the rows of the report's module, the workbook link, and what
    `extra(data)` adds for this report's template."""
    form = ReportFilterForm(request.GET, user=request.user, report=report)
    if not form.is_valid():
        return render(request, template, {"form": form, "data": None}, status=400)
    data = build(request.user, form.scope())
    ctx = {
        "form": form,
        "data": data,
        "xlsx_url": _report_url(report, form),
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

    return _report(request, "funnel", funnel_report.funnel, "reports/funnel.html", chart)


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
                (_("切入方式 × 高层参与"), data["by_executive"]),
            ]
        }

    return _report(request, "sources", sources_report.sources, "reports/sources.html", tables)


MANAGERS_SHOWN = 20  # the forecast page's managers table: the largest weighted first


def _whole_yuan():
    """The locale's whole-number format (1,234,567), as floatformat:"0g" writes it, for the
    forecast's 1,500 cells: through the template filter they took a third of the page."""
    sep, grouping = get_format("THOUSAND_SEPARATOR"), get_format("NUMBER_GROUPING")
    if grouping != 3:
        return lambda value: number_format(value, 0, force_grouping=True)
    return lambda value: f"{value:,.0f}".replace(",", sep)


def _forecast_row(label: str, row: dict, whole) -> dict:
    """A forecast table's two lines (weighted, committed) as printed: "·" for an empty cell."""
    cells = row["months"]
    return {
        **row,
        "label": label,
        "weighted": [whole(c["weighted"]) if c["count"] else "·" for c in cells],
        "committed": [whole(c["committed"]) if c["committed"] else "·" for c in cells],
        "total_weighted": whole(row["total"]["weighted"]),
        "total_committed": whole(row["total"]["committed"]),
    }


def _forecast_groups(data: dict) -> dict:
    whole = _whole_yuan()
    teams = [_forecast_row(t["team"] or "—", t, whole) for t in data["teams"]]
    total = _forecast_row(_("合计"), data["total"], whole)
    managers = data["managers"]  # a national table of 500 helps nobody: the largest first
    hidden = data["managers_count"] - len(managers)
    return {
        # the managers furthest off first (forecast(..., largest=…) ranked them)
        "accuracy_managers": data["accuracy"]["managers"],
        "groups": [
            {"title": _("按团队"), "who": _("团队"), "rows": teams + [total]},
            {
                "title": _("按负责人"),
                "who": _("负责人"),
                "rows": [_forecast_row(p["name"], p, whole) for p in managers],
                "hidden": hidden,
            },
        ],
    }


@require_GET
@login_required
def forecast(request: HttpRequest) -> HttpResponse:
    """成单预测: expected wins by month of planned purchase, per manager, team and total."""

    def largest(user, scope):
        return forecast_report.forecast(user, scope, largest=MANAGERS_SHOWN)

    return _report(request, "forecast", largest, "reports/forecast.html", _forecast_groups)


def _report_url(report: str, form) -> str:
    """The workbook of what the page shows: exactly its filters, as the API names them."""
    query = urlencode({**form.api_query(), "format": "xlsx"})
    return f"{reverse('api:' + report + '_report')}?{query}"


@require_GET
@login_required
def discipline(request: HttpRequest) -> HttpResponse:
    """联络达标: the share of A and B projects whose contacts kept within cadence."""
    return _report(
        request,
        "discipline",
        discipline_report.discipline,
        "reports/discipline.html",
        _discipline_groups,
    )


def _discipline_groups(data: dict) -> dict:
    teams = [{**t, "label": t["team"]} for t in data["teams"]]
    total = {**data["total"], "label": _("合计"), "is_total": True}
    managers = data["managers"]
    people = {"title": _("按负责人"), "who": _("负责人")}
    if len(managers) > MANAGERS_SHOWN:  # nationally: the worst ten, lowest share first
        people = {"title": _("达标率最低的销售经理"), "who": _("负责人")}
        managers = data["worst"]
    return {
        "groups": [
            {"title": _("按团队"), "who": _("团队"), "rows": teams + [total]},
            {**people, "rows": [{**m, "label": m["name"]} for m in managers]},
        ]
    }


# 业务进展汇总表 ---------------------------------------------------------------------------


@require_GET
@login_required
def weekly_overview(request: HttpRequest) -> HttpResponse:
    """Who has submitted the week; a manager who leads no one goes straight to their own."""
    if not request.user.sees_all and not request.user.led_team_ids:
        week = request.GET.get("week") or iso_week(timezone.localdate())
        return redirect("reports:weekly-detail", request.user.username, week)
    form = WeekForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "reports/weekly_overview.html", {"form": form}, status=400)
    monday = form.cleaned_data["week"]
    data = weekly.overview(request.user, monday, form.cleaned_data.get("team"))
    page = Paginator(data["managers"], weekly.OVERVIEW_PAGE).get_page(request.GET.get("page"))
    for manager in page:  # the week a row's panels (催交) act on
        manager.overview_week = data["week"]
    ctx = {
        "form": form,
        "data": data,
        "page": page,
        "query_without_page": paging.query_without_page(request),
        **_week_links(monday),
    }
    return render(request, "reports/weekly_overview.html", ctx)


def _week_links(monday) -> dict:
    this_week = week_start(timezone.localdate())
    later = monday + timedelta(days=7)
    return {
        "previous_week": iso_week(monday - timedelta(days=7)),
        "next_week": iso_week(later) if later <= this_week else None,
        "this_week": iso_week(this_week),
    }


@require_http_methods(["GET", "POST"])
@login_required
def weekly_detail(request: HttpRequest, username: str, week: str) -> HttpResponse:
    """One manager's week: the summary, their remark, and Submit (theirs only)."""
    owner = get_object_or_404(weekly.managers_visible_to(request.user), username=username)
    try:
        monday = week_monday(week)
    except ValueError:
        monday = None
    if monday is None or monday > week_start(timezone.localdate()):
        raise Http404(week)
    mine = owner.pk == request.user.pk
    form = RemarkForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not mine:
            raise PermissionDenied(_("周报只能由销售经理本人填写和提交。"))
        if form.is_valid():
            action = request.POST.get("action")
            args = {
                "owner": owner,
                "monday": monday,
                "by": request.user,
                "remark": form.cleaned_data["remark"],
                "expected_version": form.cleaned_data["version"],
            }
            try:
                if action == "submit":
                    services.submit_week(**args)
                    messages.success(request, _("周报已提交。提交后内容不再随记录变化。"))
                else:
                    services.save_remark(**args)
                    messages.success(request, _("说明已保存。"))
                return redirect("reports:weekly-detail", owner.username, iso_week(monday))
            except EditConflict as conflict:
                form.add_error(None, conflict.message)
                status = 409
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
        status = status if status != 200 else 400
    data = weekly.report(owner, monday)
    if request.method == "GET":
        form = RemarkForm(initial={"remark": data["remark"], "version": data["version"]})
    ctx = {
        "owner": owner,
        "data": data,
        "mine": mine,
        "form": form,
        "monday": monday,
        "xlsx_url": reverse("api:weekly_report")
        + f"?user={owner.username}&week={iso_week(monday)}&format=xlsx",
        **_week_links(monday),
    }
    return render(request, "reports/weekly_detail.html", ctx, status=status)


# 月度销售项目汇报表 -----------------------------------------------------------------------


@require_GET
@login_required
def monthly(request: HttpRequest) -> HttpResponse:
    """The month's projects, a page at a time, with subtotals per manager and team."""
    form = MonthlyForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "reports/monthly.html", {"form": form, "data": None}, status=400)
    data = monthly_report.monthly(request.user, form.scope(), page=request.GET.get("page") or 1)
    managers = data["managers"]
    month = form.cleaned_data["month"]
    ctx = {
        "form": form,
        "data": data,
        "page": data["page_obj"],
        **_month_links(request, month),
        "query_without_page": paging.query_without_page(request),
        # 导出 Excel runs in the background, with the filters on screen spelled out
        "export_url": reverse("export-start", args=["monthly"]) + "?" + urlencode(form.api_query()),
        # a national table of 500 managers helps nobody: pick a team to see its managers
        "managers": managers if len(managers) <= MANAGERS_SHOWN else None,
        "n_weeks": len(data["weeks"]),
    }
    return render(request, "reports/monthly.html", ctx)


def _month_links(request: HttpRequest, month) -> dict:
    """The months before and after (none after the current one), the other filters kept."""

    def link(first) -> dict:
        query = request.GET.copy()
        query.pop("page", None)
        query["month"] = first.strftime("%Y-%m")
        return {"label": query["month"], "url": "?" + query.urlencode()}

    later = add_months(month, 1)
    return {
        "previous_month": link(add_months(month, -1)),
        "next_month": link(later) if later <= timezone.localdate() else None,
    }
