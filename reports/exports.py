"""The reports as Excel workbooks, from the very rows the page and the JSON show."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .xlsx import Column, workbook_sheets, xlsx_response

INT, MONEY, PERCENT, DAYS = "#,##0", "#,##0", "0.0%", "0.0"


def _period(data: dict) -> str:
    scope = data["scope"]
    return _("期间：%(start)s 至 %(end)s") % {"start": scope["start"], "end": scope["end"]}


def funnel_sheets(data: dict) -> list:
    columns = [
        Column(_("阶段"), 14),
        Column(_("赢单概率"), 10, "0%"),
        Column(_("进行中项目"), 12, INT),
        Column(_("金额（元）"), 16, MONEY),
        Column(_("加权金额（元）"), 16, MONEY),
        Column(_("期间进入"), 10, INT),
        Column(_("期间推进"), 10, INT),
        Column(_("转化率"), 10, PERCENT),
    ]
    rows = [
        [
            r["name"],
            r["probability"] / 100,
            r["count"],
            r["value"],
            r["weighted"],
            r["entered"],
            r["moved_on"],
            r["conversion"],
        ]
        for r in data["stages"]
    ]
    total = data["total"]
    rows.append([_("合计"), None, total["count"], total["value"], total["weighted"]])
    return [(_("销售管道"), columns, rows)]


def _outcome_sheet(name: str, rows: list[dict]):
    columns = [
        Column(name, 16),
        Column(_("项目数"), 10, INT),
        Column(_("赢单"), 8, INT),
        Column(_("丢单/放弃"), 10, INT),
        Column(_("赢单率"), 10, PERCENT),
        Column(_("平均金额（元）"), 16, MONEY),
        Column(_("赢单金额（元）"), 16, MONEY),
        Column(_("平均成交天数"), 12, DAYS),
    ]
    return (
        name,
        columns,
        [
            [
                r["label"],
                r["projects"],
                r["won"],
                r["lost"],
                r["win_rate"],
                r["average_value"],
                r["won_value"],
                r["days_to_win"],
            ]
            for r in rows
        ],
    )


def sources_sheets(data: dict) -> list:
    lost_columns = [
        Column(_("医院"), 24),
        Column(_("负责人"), 10),
        Column(_("关闭日期"), 12),
        Column(_("原因"), 60),
    ]
    return [
        _outcome_sheet(_("信息来源"), data["by_source"]),
        _outcome_sheet(_("推广活动"), data["by_event"]),
        _outcome_sheet(_("切入方式"), data["by_entry_path"]),
        (
            _("丢单原因"),
            lost_columns,
            [
                [r["hospital"], r["owner"], r["closed_on"], r["reason"]]
                for r in data["lost_reasons"]
            ],
        ),
    ]


TITLES = {"funnel": gettext_lazy("销售管道图"), "sources": gettext_lazy("来源与切入分析")}
SHEETS = {"funnel": funnel_sheets, "sources": sources_sheets}


def response(report: str, data: dict) -> HttpResponse:
    title = str(TITLES[report])
    content = workbook_sheets(title=title, subtitle=_period(data), sheets=SHEETS[report](data))
    return xlsx_response(content, title)


def forecast_sheets(data: dict) -> list:
    months = data["months"]
    money = [Column(m, 14, MONEY) for m in months]

    def sheet(name: str, rows: list, label) -> tuple:
        columns = [
            Column(_("负责人") if label == "owner" else _("团队"), 14),
            Column(_("口径"), 10),
        ]
        out = []
        for r in rows:
            person = r["name"] if label == "owner" else (r["team"] or "—")
            for key, title in (("weighted", _("加权")), ("committed", _("承诺"))):
                out.append([person, title, *[c[key] for c in r["months"]], r["total"][key]])
        return (name, columns + money + [Column(_("合计"), 16, MONEY)], out)

    total = {"team": _("合计"), **data["total"]}
    return [
        sheet(_("按负责人"), data["managers"], "owner"),
        sheet(_("按团队"), data["teams"] + [total], "team"),
    ]


TITLES["forecast"] = gettext_lazy("成单预测")
SHEETS["forecast"] = forecast_sheets
