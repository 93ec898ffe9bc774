from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import HtmxHttpRequest
from o2crm import paging

from . import notify, services
from .calendar import calendar_for
from .models import Notification
from .panels import feed_context


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCal feed: no session, the key in the address is the credential."""
    user = services.feed_user(token)
    if user is None:
        raise Http404
    content = calendar_for(user, timezone.localdate(), request.build_absolute_uri)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="o2crm.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def calendar_create(request: HtmxHttpRequest) -> HttpResponse:
    """A new feed address, shown once (the old one stops working)."""
    key = services.issue_feed(user=request.user)
    url = request.build_absolute_uri(f"/calendar/{key}.ics")
    if request.htmx:
        ctx = {**feed_context(request, request.user), "new_url": url}
        return render(request, "reminders/_profile_calendar.html", ctx)
    messages.success(request, _("订阅地址（只显示这一次，请立即复制）：%(url)s") % {"url": url})
    return redirect("accounts:profile")


@require_POST
@login_required
def calendar_revoke(request: HtmxHttpRequest) -> HttpResponse:
    services.revoke_feed(user=request.user)
    messages.success(request, _("日历订阅地址已作废。"))
    return redirect("accounts:profile")


# 通知 -----------------------------------------------------------------------------------------


@require_GET
@login_required
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    page = paging.page(request, notify.inbox(request.user))
    ctx = {"page": page, "query_without_page": paging.query_without_page(request)}
    return render(request, "reminders/notification_list.html", ctx)


@require_GET
@login_required
def notification_badge(request: HtmxHttpRequest) -> HttpResponse:
    """The bell's count, loaded by htmx after the page (so no page pays for it)."""
    return render(request, "reminders/_badge.html", {"unread": notify.unread_count(request.user)})


@require_GET
@login_required
def notification_open(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Open what a notification is about, marking it read."""
    note = get_object_or_404(Notification.objects.filter(recipient=request.user), pk=pk)
    notify.mark_read(user=request.user, ids=[note.pk])
    return redirect(note.url)


@require_POST
@login_required
def notification_read_all(request: HtmxHttpRequest) -> HttpResponse:
    notify.mark_read(user=request.user)
    return redirect("reminders:notification-list")
