"""The reports as Excel workbooks, from the very rows the page and the JSON show."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from itertools import groupby
from typing import Any, BinaryIO

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from o2crm.exports import Progress, export
from o2crm.workbooks import (
    Column,
    Emphasis,
    Picture,
    workbook_sheets,
    write_workbook,
    xlsx_response,
)

from . import monthly
from .charts import funnel_png
from .forms import MonthlyForm

INT, MONEY, PERCENT, DAYS, DATE = "#,##0", "#,##0", "0.0%", "0.0", "yyyy-mm-dd"


def _date(iso: str | None):
    """An ISO date of the JSON as a real date cell, so Excel sorts and filters it as one."""
    return date.fromisoformat(iso) if iso else None


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
    rows.append(Emphasis([_("合计"), None, total["count"], total["value"], total["weighted"]]))
    # the page's picture beside the table (the same rows drawn the same way)
    height = 34 * len(data["stages"]) + 8
    picture = Picture(funnel_png(data["stages"], unit="¥", wan=_("万")), "J3", 640, height)
    return [(_("销售管道"), columns, rows, [picture])]


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
        _outcome_sheet(_("高层参与"), data["by_executive"]),
        (
            _("丢单原因"),
            lost_columns,
            [
                [r["hospital"], r["owner"], r["closed_on"], r["reason"]]
                for r in data["lost_reasons"]
            ],
        ),
    ]


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
    accuracy = data["accuracy"]
    accuracy_columns = [
        Column(_("月份"), 12),
        Column(_("快照日期"), 12),
        Column(_("加权预测（元）"), 16, MONEY),
        Column(_("承诺预测（元）"), 16, MONEY),
        Column(_("实际赢单（元）"), 16, MONEY),
        Column(_("达成率"), 10, PERCENT),
    ]
    return [
        sheet(_("按负责人"), data["managers"], "owner"),
        sheet(_("按团队"), data["teams"] + [total], "team"),
        (
            _("预测与实际"),
            accuracy_columns,
            [
                [m["month"], m["snapshot"], m["forecast"], m["committed"], m["won"], m["ratio"]]
                for m in accuracy["months"]
            ]
            + [
                Emphasis(
                    [
                        _("合计"),
                        None,
                        *(accuracy["total"][k] for k in ("forecast", "committed", "won", "ratio")),
                    ]
                )
            ]
            + [
                [m["name"], m["team"], m["forecast"], m["committed"], m["won"], m["ratio"]]
                for m in accuracy["managers"]
            ],
        ),
    ]


def weekly_sheets(data: dict) -> list:
    columns = [
        Column(_("医院"), 24),
        Column(_("项目"), 22),
        Column(_("周初阶段"), 12),
        Column(_("周末阶段"), 12),
        Column(_("状态"), 8),
        Column(_("业务联络"), 9, INT),
        Column(_("情感联络"), 9, INT),
        Column(_("本周进展"), 50, wrap=True),
        Column(_("下一步"), 30, wrap=True),
        Column(_("下一步日期"), 12, DATE),
        Column(_("联络逾期"), 9),
    ]
    yes = _("是")
    rows = []
    for r in data["projects"]:
        start = r["stage_start"] or _("本周新建")
        values = [
            r["hospital"],
            r["name"],
            start,
            r["stage_end"],
            r["status_label"],
            r["business"],
            r["relationship"],
            r["progress"],
            r["next_step"],
            _date(r["next_step_date"]),
            yes if r["overdue"] else "",
        ]
        # what moved this week stands out, as the director reads it
        rows.append(Emphasis(values) if r["moved"] or r["new"] else values)
    t = data["totals"]
    rows.append(
        Emphasis(
            [
                _("合计"),
                _("%(n)s 个项目") % {"n": t["projects"]},
                None,
                _("推进 %(n)s") % {"n": t["moved"]},
                None,
                t["business"],
                t["relationship"],
                _("新建 %(new)s，赢单 %(won)s，拜访 %(visits)s")
                % {"new": t["new_projects"], "won": t["won"], "visits": t["visits"]},
                None,
                None,
                t["overdue"],
            ]
        )
    )
    visit_columns = [
        Column(_("日期"), 12),
        Column(_("医院"), 24),
        Column(_("项目"), 22),
        Column(_("拜访结果"), 60),
    ]
    visits = [[v["date"], v["hospital"], v["project"], v["outcome"]] for v in data["visits"]]
    remark = [[_("本周说明"), data["remark"]]]
    if data["submitted"]:
        remark.append([_("提交"), f"{data['submitted_by']} {data['submitted_at'][:16]}"])
    else:
        remark.append([_("提交"), _("未提交（以下为当前记录生成的草稿）")])
    return [
        (_("项目进展"), columns, rows),
        (_("拜访"), visit_columns, visits),
        (_("说明"), [Column(_("项"), 12), Column(_("内容"), 80)], remark),
    ]


def _monthly_columns() -> list[Column]:
    return [
        Column(_("医院"), 24),
        Column(_("地区"), 14),
        Column(_("负责人"), 10),
        Column(_("信息来源"), 10),
        Column(_("切入方式"), 10),
        Column(_("分类"), 6),
        Column(_("阶段"), 10),
        Column(_("状态"), 8),
        Column(_("计划采购日期"), 12, DATE),
        Column(_("预计用氧量（Nm³/年）"), 14, INT),
        Column(_("金额（元）"), 14, MONEY),
        Column(_("赢单概率"), 9, "0%"),
        Column(_("加权金额（元）"), 14, MONEY),
        Column(_("本月进展"), 60, wrap=True),
        Column(_("下一步"), 30, wrap=True),
    ]


def _subtotal(label: str, cell: dict) -> Emphasis:
    return Emphasis(
        [
            label,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            cell["value"],
            None,
            cell["weighted"],
            _("%(n)s 个项目") % {"n": cell["count"]},
        ]
    )


def monthly_sheets(data: dict):
    """A summary sheet with every team and manager; then one sheet per team, its managers'
    projects each followed by the manager's subtotal, the team's total at the foot. The
    projects arrive sorted by team and manager, a chunk at a time (monthly.monthly with
    page=None), and are written as they come: memory stays flat for the whole country."""
    summary_columns = [
        Column(_("团队"), 14),
        Column(_("负责人"), 10),
        Column(_("项目数"), 10, INT),
        Column(_("金额（元）"), 16, MONEY),
        Column(_("加权金额（元）"), 16, MONEY),
        Column(_("本月赢单"), 10, INT),
        Column(_("已交周报"), 10),
    ]
    n_weeks = len(data["weeks"])
    summary = []
    for t in data["teams"]:
        for m in (m for m in data["managers"] if (m["team"] or "—") == t["team"]):
            summary.append(
                [
                    t["team"],
                    m["name"],
                    m["count"],
                    m["value"],
                    m["weighted"],
                    m["won"],
                    f"{m['weeks_submitted']}/{n_weeks}",
                ]
            )
        summary.append(
            Emphasis([t["team"], _("小计"), t["count"], t["value"], t["weighted"], t["won"]])
        )
    total = data["total"]
    summary.append(
        Emphasis([_("合计"), None, total["count"], total["value"], total["weighted"], total["won"]])
    )
    yield (_("汇总"), summary_columns, summary)
    managers = {m["owner"]: m for m in data["managers"]}
    teams = {t["team"]: t for t in data["teams"]}
    for team, projects in groupby(data["projects"], key=lambda r: r["team"] or "—"):
        yield (team, _monthly_columns(), _team_rows(team, projects, managers, teams[team]))


def _team_rows(team: str, projects, managers: dict, subtotal: dict):
    for owner, rows in groupby(projects, key=lambda r: r["owner"]):
        for r in rows:
            yield [
                r["hospital"],
                r["region"],
                r["owner_name"],
                r["source"],
                r["entry_path"],
                r["class"],
                r["stage"],
                r["status_label"],
                _date(r["planned_purchase_date"]),
                r["volume"],
                r["value"],
                r["probability"] / 100,
                r["weighted"],
                r["progress"],
                r["next_step"],
            ]
        yield _subtotal(_("%(name)s 小计") % {"name": managers[owner]["name"]}, managers[owner])
    yield _subtotal(_("%(team)s 合计") % {"team": team}, subtotal)


def discipline_sheets(data: dict) -> list:
    columns = [
        Column(_("团队"), 14),
        Column(_("负责人"), 10),
        Column(_("A类项目"), 9, INT),
        Column(_("A类业务联络达标"), 12, PERCENT),
        Column(_("A类情感联络达标"), 12, PERCENT),
        Column(_("B类项目"), 9, INT),
        Column(_("B类业务联络达标"), 12, PERCENT),
        Column(_("B类情感联络达标"), 12, PERCENT),
        Column(_("综合达标率"), 10, PERCENT),
    ]

    def line(team, name, r):
        a, b = r["A"], r["B"]
        return [
            team,
            name,
            a["projects"],
            a["business_share"],
            a["relationship_share"],
            b["projects"],
            b["business_share"],
            b["relationship_share"],
            r["share"],
        ]

    rows = [line(m["team"], m["name"], m) for m in data["managers"]]
    rows += [Emphasis(line(t["team"], _("小计"), t)) for t in data["teams"]]
    rows.append(Emphasis(line(_("合计"), None, data["total"])))
    late_columns = [
        Column(_("医院"), 24),
        Column(_("负责人"), 10),
        Column(_("分类"), 6),
        Column(_("联络类型"), 10),
        Column(_("逾期天数"), 10, INT),
    ]
    late = [
        [r["hospital"], r["owner"], r["class"], r["kind"], r["days_late"]]
        for r in data["late_projects"]
    ]
    return [(_("联络达标"), columns, rows), (_("逾期最久的项目"), late_columns, late)]


def _week_period(data: dict) -> str:
    return _("%(week)s（%(start)s 至 %(end)s）· %(name)s") % data


def _month_period(data: dict) -> str:
    scope = data["scope"]
    return _("%(month)s（%(start)s 至 %(end)s）") % scope


TITLES = {
    "funnel": gettext_lazy("销售管道图"),
    "sources": gettext_lazy("来源与切入分析"),
    "forecast": gettext_lazy("成单预测"),
    "weekly": gettext_lazy("业务进展汇总表"),
    "monthly": gettext_lazy("月度销售项目汇报表"),
    "discipline": gettext_lazy("联络达标"),
}
SHEETS = {
    "funnel": funnel_sheets,
    "sources": sources_sheets,
    "forecast": forecast_sheets,
    "weekly": weekly_sheets,
    "monthly": monthly_sheets,
    "discipline": discipline_sheets,
}
PERIODS = {"weekly": _week_period, "monthly": _month_period}


def content(report: str, data: dict) -> bytes:
    subtitle = PERIODS.get(report, _period)(data)
    return workbook_sheets(
        title=str(TITLES[report]), subtitle=subtitle, sheets=SHEETS[report](data)
    )


def response(report: str, data: dict) -> HttpResponse:
    return xlsx_response(content(report, data), str(TITLES[report]))


@export("monthly", title=TITLES["monthly"])
def monthly_export(user: Any, params: Mapping[str, Any], progress: Progress, into: BinaryIO) -> str:
    """The national (or team's, or manager's) monthly workbook in the background: the month's
    projects come in one query, the workbook is written after (about half and half)."""
    form = MonthlyForm(params, user=user, by_username=True)
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    progress(0.05)
    data = monthly.monthly(user, form.scope(), page=None)
    progress(0.6)
    write_workbook(into, title=str(TITLES["monthly"]), subtitle=_month_period(data),
                   sheets=SHEETS["monthly"](data))  # fmt: skip
    return str(TITLES["monthly"])
