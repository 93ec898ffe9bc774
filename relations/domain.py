"""The rules of relationship plans and of the compliance policy. Values in, values out; no
ORM, no request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

# a target's gap is said when no action is planned this soon
ACTION_HORIZON_WEEKS = 8
# an action becomes its owner's task this many days before its date
ACTION_LEAD_DAYS = 7
CENT = Decimal("0.01")
# how a done action is logged as a relationship contact of the project (pipeline's Channel)
ACTION_CHANNEL = {
    "tech_exchange": "visit",
    "company_visit": "company_visit",
    "reference_visit": "reference_visit",
    "conference": "other",
    "executive_visit": "visit",
    "dinner": "dinner",
    "greeting": "wechat",
    "other": "other",
}


def money(amount: Decimal) -> str:
    return "¥" + number_format(amount.quantize(CENT), decimal_pos=0, force_grouping=True)


def per_person(amount: Decimal, people: int) -> Decimal:
    """The share of each of the hospital's people (the whole amount with nobody named)."""
    return (amount / max(people, 1)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Limits:
    name: str
    per_person: Decimal | None
    yearly: Decimal | None
    forbidden: bool


def refusal(limits: Limits) -> str | None:
    """Why an expense of this kind may not be recorded at all (cash, gift cards)."""
    if limits.forbidden:
        return _("“%(kind)s”按公司合规政策一律禁止，不能登记。") % {"kind": limits.name}
    return None


def breaches(limits: Limits, share: Decimal, year_before: dict[str, Decimal]) -> list[str]:
    """The limits an expense passes, in words: its per-person share against the per-occasion
    limit, and each person's total of this kind this year (`year_before`, by name, before this
    expense) against the yearly one."""
    out = []
    if limits.per_person is not None and share > limits.per_person:
        out.append(
            _("人均 %(share)s，超过“%(kind)s”每人每次限额 %(limit)s")
            % {"share": money(share), "kind": limits.name, "limit": money(limits.per_person)}
        )
    if limits.yearly is not None:
        for name, total in year_before.items():
            if total + share > limits.yearly:
                out.append(
                    _("%(name)s 本年“%(kind)s”累计 %(total)s，超过每人每年限额 %(limit)s")
                    % {
                        "name": name,
                        "kind": limits.name,
                        "total": money(total + share),
                        "limit": money(limits.yearly),
                    }
                )
    return out


@dataclass(frozen=True)
class TargetState:
    name: str
    title: str
    closeness: int
    attitude: str  # Attitude value
    target_closeness: int
    target_attitude: str
    target_date: date
    next_action: date | None  # the next planned action's date


ATTITUDE_RANK = {"oppose": 0.0, "unknown": 0.5, "neutral": 1.0, "support": 2.0}


def reached(t: TargetState) -> bool:
    return t.closeness >= t.target_closeness and ATTITUDE_RANK.get(
        t.attitude, 0
    ) >= ATTITUDE_RANK.get(t.target_attitude, 0)


def gap(t: TargetState, today: date) -> str | None:
    """What is missing for one person, in words ("院长 王建国：目标 4，当前 2，8 周内无计划行动"),
    or None when the target is reached or well in hand."""
    if reached(t):
        return None
    who = f"{t.title} {t.name}".strip()
    parts = [
        _("目标 %(target)s，当前 %(now)s") % {"target": t.target_closeness, "now": t.closeness}
    ]
    if ATTITUDE_RANK.get(t.attitude, 0) < ATTITUDE_RANK.get(t.target_attitude, 0):
        if t.attitude == "unknown":
            parts.append(_("态度尚不清楚"))
        elif t.target_attitude == "support":
            parts.append(_("态度尚未转为支持"))
        else:
            parts.append(_("态度仍为反对"))
    horizon = today + timedelta(weeks=ACTION_HORIZON_WEEKS)
    if t.next_action is None or t.next_action > horizon:
        parts.append(_("%(weeks)s 周内无计划行动") % {"weeks": ACTION_HORIZON_WEEKS})
    elif t.target_date >= today:
        return None  # behind, but an action is coming before the target date: in hand
    if t.target_date < today:
        parts.append(_("目标日期已过"))
    return who + _("：") + "，".join(parts)


@dataclass(frozen=True)
class Person:
    name: str
    title: str
    layer: str
    closeness: int
    attitude: str
    roles: tuple[str, ...]


def suggestion(p: Person, entry_path: str) -> tuple[str, str, str]:
    """For a key person without a plan: (the action kind to propose, our side, why), driven by
    the buying centre's red flags — an opponent sees a reference site, an unknown hears the
    technology, a president met through the middle layer gets an executive visit."""
    if p.attitude == "oppose":
        return "reference_visit", "manager", _("反对我们：请他看样板点的实际运行")
    if p.layer == "decision" and entry_path == "mid" and p.closeness <= 2:
        return "executive_visit", "hq", _("中层切入、尚未接触高层：安排高层对高层拜访")
    if p.attitude == "unknown":
        return "tech_exchange", "manager", _("态度未知：先做一次技术交流，听他的意见")
    if p.attitude == "neutral":
        return "company_visit", "manager", _("中立：邀请参观公司，建立信任")
    return "greeting", "manager", _("支持我们：保持联络，发展为内部教练")
