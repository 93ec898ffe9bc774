"""This app's panels on lower apps' pages (see o2crm/panels.py): the calendar feed and the
通知设置 on 我的账户; the 催交 button beside a manager who has not submitted the week."""

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from o2crm.panels import panel

from .channels import preference
from .models import CalendarFeed, Robot


@panel("profile", template="reminders/_profile_calendar.html", order=10)
def feed_context(request: HttpRequest, user: User) -> dict[str, Any]:
    return {"feed": CalendarFeed.objects.filter(user=user).first()}


@panel("profile", template="reminders/_profile_notices.html", order=20)
def notices_context(request: HttpRequest, user: User) -> dict[str, Any]:
    return {"pref": preference(user), "robots": Robot.objects.filter(user=user).count()}


@panel("weekly-missing", template="reminders/_weekly_nudge.html", order=10)
def nudge_context(request: HttpRequest, manager: User) -> dict[str, Any]:
    """A manager row of the weekly overview (its week in `overview_week`); no query."""
    week = manager.overview_week  # type: ignore[attr-defined]
    return {"show": manager.pk != request.user.pk, "manager": manager, "week": week}
