"""Reports in the JSON API: /api/v1/reports/<name>, each with ?format=xlsx for the workbook.
The JSON, the page and the workbook print the same rows from reports/queries.py."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from . import exports, queries
from .forms import ReportFilterForm

router = Router(tags=["reports"])


class ReportParams(Schema):
    owner: str | None = None  # a username
    team: int | None = None
    province: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    format: str | None = None  # "xlsx" for the workbook


def _scope(request: HttpRequest, params: ReportParams, report: str) -> queries.Scope:
    data = {k: v for k, v in params.dict().items() if v not in (None, "") and k != "format"}
    form = ReportFilterForm(data, user=request.user, report=report, by_username=True)
    if not form.is_valid():
        raise ValidationError(dict(form.errors.items()))
    return form.scope()


def _answer(request: HttpRequest, params: ReportParams, report: str, build) -> Any:
    if params.format not in (None, "", "json", "xlsx"):
        raise ValidationError({"format": [_("请用 json 或 xlsx。")]})
    scope = _scope(request, params, report)
    data = build(request.user, scope)
    if params.format == "xlsx":
        return exports.response(report, data)
    return data


@router.get("/reports/funnel", response=dict[str, Any], url_name="funnel_report")
def funnel(request: HttpRequest, params: Query[ReportParams]):
    """销售管道图: open projects by stage now, and stage conversion over the period."""
    return _answer(request, params, "funnel", queries.funnel)


@router.get("/reports/sources", response=dict[str, Any], url_name="sources_report")
def sources(request: HttpRequest, params: Query[ReportParams]):
    """来源与切入分析: projects created in the period by source, event and entry path."""
    return _answer(request, params, "sources", queries.sources)


@router.get("/reports/forecast", response=dict[str, Any], url_name="forecast_report")
def forecast(request: HttpRequest, params: Query[ReportParams]):
    """成单预测: by month of planned purchase, weighted and committed, per manager and team."""
    return _answer(request, params, "forecast", queries.forecast)
