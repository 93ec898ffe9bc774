"""The app's sections, once, for the desktop bar and the phone's tab bar and its 更多 sheet.

Each section names the URL it opens and the URL names that belong to it, so the bar shows
where the user is. On a phone the first `TABS` sections are tabs and the rest sit in 更多,
one tap away: every section is two taps away at most on either width."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    key: str  # also the icon's name: templates/icons/<key>.svg
    label: str | Promise
    url_name: str
    pages: frozenset[str]  # the URL names (without namespace) that belong to the section
    desktop: bool = True  # in the desktop bar (search and the account have their own places)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _pages(names: str) -> frozenset[str]:
    return frozenset(names.split())


SECTIONS = (
    Section("home", _("工作台"), "home", _pages("home")),
    Section(
        "hospitals",
        _("医院"),
        "hospitals:hospital-list",
        _pages(
            "hospital-list hospital-detail hospital-create hospital-edit hospital-history "
            "department-create department-edit"
        ),
    ),
    Section(
        "projects",
        _("项目"),
        "pipeline:board",
        _pages(
            "board project-list project-detail project-create project-edit "
            "project-pick-hospital followup-create evaluation-create plan target-add "
            "target-edit action-add action-edit action-record"
        ),
    ),
    Section(
        "visits",
        _("拜访"),
        "visits:visit-list",
        _pages(
            "visit-list visit-detail visit-create visit-record visit-brief survey-list "
            "survey-detail survey-create survey-edit survey-blank"
        ),
    ),
    Section("due", _("待跟进"), "pipeline:due", _pages("due")),
    Section("tasks", _("我的待办"), "visits:task-list", _pages("task-list")),
    Section(
        "contacts",
        _("联系人"),
        "hospitals:contact-list",
        _pages("contact-list contact-detail contact-create contact-edit contact-history"),
    ),
    Section(
        "proposals",
        _("建议书"),
        "proposals:proposal-list",
        _pages("proposal-list proposal-detail proposal-edit proposal-calculator proposal-settings"),
    ),
    Section(
        "placements",
        _("合同"),
        "placements:contracts",
        _pages(
            "contracts contract contract-create contract-edit contract-amend installation "
            "reading-create statements statement receivables portfolio"
        ),
    ),
    Section(
        "reports",
        _("报表"),
        "reports:weekly-overview",
        _pages(
            "report-funnel report-sources report-forecast report-discipline report-monthly "
            "weekly-overview weekly-detail"
        ),
    ),
    Section("search", _("搜索"), "hospitals:search", _pages("search"), desktop=False),
    Section(
        "profile",
        _("我的"),
        "accounts:profile",
        _pages("profile password-change"),
        desktop=False,
    ),
)

TABS = 4  # 工作台, 医院, 项目, 拜访; the rest in 更多


def active_key(url_name: str | None) -> str | None:
    return next((s.key for s in SECTIONS if url_name in s.pages), None)
