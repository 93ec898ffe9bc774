"""Pure pipeline rules: weighted value, project class, contact cadence, evaluation scores,
buying-centre red flags. Values in, values out; no ORM, no request."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

# Value -------------------------------------------------------------------------------------


def weighted(value: Decimal | None, probability: int = 1) -> Decimal | None:
    """加权金额, the weighted value: contract value × win probability (in %) / 100.

    `weighted(value, 35)` for one project; for a sum that SQL multiplied row by row
    (models.value_times_probability, exact there), `weighted(total)`. None stays None."""
    if value is None:
        return None
    return value * probability / 100


# Class ------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def class_a_cutoff(today: date, window_months: int) -> date:
    """The last planned purchase date that still makes a project near-term (class A)."""
    return add_months(today, window_months)


def project_class(
    *, planned: date | None, today: date, window_months: int, override: str = ""
) -> str:
    """A = the customer plans to buy within the window (or an override says A); B otherwise,
    including when nobody knows the date yet."""
    if override in ("A", "B"):
        return override
    if planned is not None and planned <= class_a_cutoff(today, window_months):
        return "A"
    return "B"


# Cadence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    a_days: int = 7
    b_days: int = 30
    class_a_window_months: int = 6

    def days(self, project_class: str) -> int:
        return self.a_days if project_class == "A" else self.b_days


@dataclass(frozen=True)
class Clock:
    """One of the two contact clocks of a project (business or relationship)."""

    last: date | None  # the last contact of this kind, None when there was none
    days_since: int  # since the last contact, or since the project started when none
    due_on: date
    overdue: bool

    def late_by(self, today: date) -> int:
        return (today - self.due_on).days


@dataclass(frozen=True)
class CadenceStatus:
    project_class: str
    cadence_days: int
    business: Clock
    relationship: Clock

    @property
    def overdue(self) -> bool:
        return self.business.overdue or self.relationship.overdue

    @property
    def most_pressing(self) -> str:
        """The kind of contact to log next: the overdue one, the more overdue when both are
        (the earlier due date), else the one due first; business on a tie."""
        if self.relationship.due_on < self.business.due_on:
            return "relationship"
        return "business"


def clock(*, last: date | None, started: date, cadence_days: int, today: date) -> Clock:
    since = last or started
    due = since + timedelta(days=cadence_days)
    return Clock(last=last, days_since=(today - since).days, due_on=due, overdue=today > due)


def cadence_status(
    *,
    project_class: str,
    cadence: Cadence,
    started: date,
    last_business: date | None,
    last_relationship: date | None,
    today: date,
) -> CadenceStatus:
    """Class A wants a contact of each kind at least every a_days, class B every b_days; a
    project nobody has contacted yet counts from the day it was created."""
    days = cadence.days(project_class)
    return CadenceStatus(
        project_class=project_class,
        cadence_days=days,
        business=clock(last=last_business, started=started, cadence_days=days, today=today),
        relationship=clock(last=last_relationship, started=started, cadence_days=days, today=today),
    )


# Evaluation -------------------------------------------------------------------------------

ANSWER_VALUES = {"yes": 1.0, "partly": 0.5, "no": 0.0, "unknown": 0.0}
RISK_VALUES = {"low": 1.0, "medium": 0.5, "high": 0.0}
GROUPS = ("opportunity", "competition", "win", "worth")
RISKS = ("funding", "legal", "technical")


@dataclass(frozen=True)
class Answer:
    group: str
    weight: int
    answer: str  # yes / partly / no / unknown


@dataclass
class Scores:
    groups: dict[str, int] = field(default_factory=dict)  # 0-100 per question group
    overall: int = 0
    unknowns: int = 0


def evaluation_scores(answers: Iterable[Answer], risks: dict[str, str]) -> Scores:
    """Score each of the four questions 0-100 as the weighted share of its sub-questions
    answered yes (partly counts half, unknown counts nothing and is counted as unknown). The
    three risks are part of "worth winning": each is one more item, low=1, medium=½, high=0.
    Overall is the mean of the four; a question with no items scores 0."""
    totals = {g: [0.0, 0.0] for g in GROUPS}
    unknowns = 0
    for a in answers:
        totals[a.group][0] += a.weight * ANSWER_VALUES[a.answer]
        totals[a.group][1] += a.weight
        unknowns += a.answer == "unknown"
    for risk in RISKS:
        level = risks.get(risk, "medium")
        totals["worth"][0] += RISK_VALUES[level]
        totals["worth"][1] += 1
    groups = {g: round(100 * got / out) if out else 0 for g, (got, out) in totals.items()}
    return Scores(
        groups=groups, overall=round(sum(groups.values()) / len(GROUPS)), unknowns=unknowns
    )


# Buying centre ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    layer: str  # decision / functional / base
    roles: Sequence[str]
    attitude: str  # support / neutral / oppose / unknown
    influence: int
    closeness: int


def red_flags(
    people: Sequence[Person], *, entry_path: str, weeks_open: int, mid_entry_alert_weeks: int
) -> list[str]:
    """What is missing or dangerous in a project's buying centre, in words."""
    flags = []
    decision = [p for p in people if p.layer == "decision"]
    if not people:
        return [_("尚未梳理决策链：请在项目中加入相关联系人。")]
    if not decision:
        flags.append(_("没有决策层联系人。"))
    if not any("approve" in p.roles for p in people):
        flags.append(_("没有人担任“审批”角色：不知道谁拍板。"))
    if decision:
        top = max(decision, key=lambda p: (p.influence, "approve" in p.roles))
        if top.attitude == "oppose":
            flags.append(_("关键决策人反对我们。"))
        elif top.attitude == "unknown":
            flags.append(_("关键决策人的态度未知。"))
    if not any(p.attitude == "support" and p.closeness >= 3 for p in people):
        flags.append(_("内部没有支持我们的“教练”（支持且亲密程度≥3）。"))
    if entry_path == "mid" and not decision and weeks_open >= mid_entry_alert_weeks:
        flags.append(_("中层切入已 %(weeks)s 周，仍未接触决策层。") % {"weeks": weeks_open})
    return flags
