"""The calendar feed's card on 我的账户 (see o2crm/panels.py)."""

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from o2crm.panels import panel

from .models import CalendarFeed


@panel("profile", template="reminders/_profile_calendar.html", order=10)
def feed_context(request: HttpRequest, user: User) -> dict[str, Any]:
    return {"feed": CalendarFeed.objects.filter(user=user).first()}
