"""Reports in the JSON API: /api/v1/reports/<name>, each with ?format=xlsx for the workbook.
The JSON, the page and the workbook print the same rows, from each report's module."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import field_validator

from accounts.requests import ApiRequest
from o2crm.params import PageNumber, RowId

from . import discipline as discipline_report
from . import exports, monthly, services, weekly
from . import forecast as forecast_report
from . import funnel as funnel_report
from . import sources as sources_report
from .forms import MonthlyForm, ReportFilterForm, WeekForm
from .scope import Scope, page_of

router = Router(tags=["reports"])


class Filters(Schema):
    """Query filters where an empty value (`team=`, what a form's "全部团队" sends) means the
    filter is not set: all teams, every owner, the default period."""

    @field_validator("*", mode="before")
    @classmethod
    def empty_means_all(cls, value):
        return None if value == "" else value


class ReportParams(Filters):
    owner: str | None = None  # a username
    team: RowId | None = None
    province: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    format: str | None = None  # "xlsx" for the workbook


def _scope(request: ApiRequest, params: ReportParams, report: str) -> Scope:
    data = {
        k: v
        for k, v in params.dict().items()
        if v not in (None, "") and k not in ("format", "page")
    }
    form = ReportFilterForm(data, user=request.user, report=report, by_username=True)
    if not form.is_valid():
        raise ValidationError(dict(form.errors.items()))
    return form.scope()


def _answer(request: ApiRequest, params: ReportParams, report: str, build) -> Any:
    _format(params.format)
    scope = _scope(request, params, report)
    data = build(request.user, scope)
    if params.format == "xlsx":
        return exports.response(report, data)
    return data


@router.get("/reports/funnel", response=dict[str, Any], url_name="funnel_report")
def funnel(request: ApiRequest, params: Query[ReportParams]):
    """销售管道图: open projects by stage now, and stage conversion over the period."""
    return _answer(request, params, "funnel", funnel_report.funnel)


@router.get("/reports/sources", response=dict[str, Any], url_name="sources_report")
def sources(request: ApiRequest, params: Query[ReportParams]):
    """来源与切入分析: projects created in the period by source, event and entry path."""
    return _answer(request, params, "sources", sources_report.sources)


class ManagersPaged(ReportParams):
    page: PageNumber | None = None  # the JSON's managers come 50 a page; the workbook has them all


@router.get("/reports/forecast", response=dict[str, Any], url_name="forecast_report")
def forecast(request: ApiRequest, params: Query[ManagersPaged]):
    """成单预测: by month of planned purchase, weighted and committed, per manager and team
    (teams and totals complete; `managers` a page at a time, `managers_page`)."""
    page = None if params.format == "xlsx" else params.page or 1

    def build(user, scope):
        return forecast_report.forecast(user, scope, page=page)

    return _answer(request, params, "forecast", build)


@router.get("/reports/discipline", response=dict[str, Any], url_name="discipline_report")
def discipline(request: ApiRequest, params: Query[ManagersPaged]):
    """联络达标: per manager and team, the share of A and B projects contacted within cadence
    (teams, totals and the worst complete; `managers` a page at a time, `managers_page`)."""
    page = None if params.format == "xlsx" else params.page or 1

    def build(user, scope):
        return discipline_report.discipline(user, scope, page=page)

    return _answer(request, params, "discipline", build)


def _format(value: str | None) -> None:
    if value not in (None, "", "json", "xlsx"):
        raise ValidationError({"format": [_("请用 json 或 xlsx。")]})


def _valid(form):
    if not form.is_valid():
        raise ValidationError(dict(form.errors.items()))
    return form.cleaned_data


# 业务进展汇总表 ---------------------------------------------------------------------------


class WeekParams(Filters):
    user: str | None = None  # a username; yourself when left out
    week: str | None = None  # 2026-W48; left out: this week from Friday, last week before
    format: str | None = None


def _week_of(request: ApiRequest, username: str | None, week: str | None):
    monday = _valid(WeekForm({"week": week or ""}, user=request.user))["week"]
    if not username:
        return request.user, monday
    # one rule: the managers whose weeks this user may read; anyone else is not found
    return get_object_or_404(weekly.managers_visible_to(request.user), username=username), monday


@router.get("/reports/weekly", response=dict[str, Any], url_name="weekly_report")
def weekly_summary(request: ApiRequest, params: Query[WeekParams]):
    """业务进展汇总表 of one manager and ISO week: live until submitted, frozen after."""
    _format(params.format)
    owner, monday = _week_of(request, params.user, params.week)
    data = weekly.report(owner, monday)
    if params.format == "xlsx":
        return exports.response("weekly", data)
    return data


class SubmitWeek(Schema):
    user: str
    week: str
    remark: str | None = None
    version: RowId | None = None  # the version you reviewed; a newer one is refused (409)


@router.post("/reports/weekly/submit", response=dict[str, Any], url_name="weekly_submit")
def weekly_submit(request: ApiRequest, body: SubmitWeek):
    """Submit (and so freeze) your week. Only the manager themself may submit it."""
    owner, monday = _week_of(request, body.user, body.week)
    services.submit_week(
        owner=owner,
        monday=monday,
        by=request.user,
        remark=body.remark,
        expected_version=body.version,
    )
    return weekly.report(owner, monday)


class OverviewParams(Filters):
    week: str | None = None
    team: RowId | None = None
    page: PageNumber | None = None  # the managers come 50 a page; the teams and total are whole


@router.get("/reports/weekly/overview", response=dict[str, Any], url_name="weekly_overview")
def weekly_overview(request: ApiRequest, params: Query[OverviewParams]):
    """Who has submitted the week: per team, and each manager (of `team`) with the time, a
    page of them at a time (500 managers in one answer grew with the company)."""
    data = {k: v for k, v in params.dict().items() if v is not None and k != "page"}
    cleaned = _valid(WeekForm(data, user=request.user))
    result = weekly.overview(request.user, cleaned["week"], cleaned.get("team"))
    page = Paginator(result["managers"], weekly.OVERVIEW_PAGE).get_page(params.page or 1)
    result["managers_page"] = {"number": page.number, "pages": page.paginator.num_pages}
    result["managers_count"] = page.paginator.count
    result["managers"] = [
        {
            "user": m.username,
            "name": str(m),
            "team": m.team.name if m.team_id else "",
            "submitted_at": m.submitted_at.isoformat() if m.submitted_at else None,
        }
        for m in page
    ]
    return result


# 月度销售项目汇报表 -----------------------------------------------------------------------


class MonthParams(Filters):
    month: str | None = None  # 2026-11; this month when left out
    owner: str | None = None
    team: RowId | None = None
    province: str | None = None
    page: PageNumber | None = None  # the JSON comes 50 projects a page; the workbook has them all
    managers_page: PageNumber | None = None  # and its managers' subtotals 50 a page
    format: str | None = None


@router.get("/reports/monthly", response=dict[str, Any], url_name="monthly_report")
def monthly_report(request: ApiRequest, params: Query[MonthParams]):
    """月度销售项目汇报表: every project open in the month, with subtotals per manager and team
    (teams and total complete; the projects a `page` at a time, the managers' subtotals a
    `managers_page` at a time)."""
    _format(params.format)
    data = {
        k: v
        for k, v in params.dict().items()
        if v not in (None, "") and k not in ("format", "page", "managers_page")
    }
    form = MonthlyForm(data, user=request.user, by_username=True)
    _valid(form)
    if params.format == "xlsx":
        return exports.response("monthly", monthly.monthly(request.user, form.scope(), page=None))
    result = monthly.monthly(request.user, form.scope(), page=params.page or 1)
    result.pop("page_obj")
    result["managers"], paged = page_of(result["managers"], params.managers_page or 1)
    return {**result, **paged}
