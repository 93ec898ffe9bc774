from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Team
from accounts.requests import HtmxHttpRequest
from o2crm import paging
from reports.weekly import managers_visible_to

from . import channels, jobs, notify, services
from .calendar import calendar_for
from .forms import PreferenceForm, RobotForm
from .models import Notification, Robot
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
def notification_badge(request: HtmxHttpRequest) -> HttpResponse:
    """The bell's count, loaded by htmx after the page (so no page pays for it) and every
    minute. Signed out, it answers nothing (204): sent on to the login page, the poll set a
    fresh CSRF cookie over the one a login form already on screen was rendered with, and
    that form then failed as forged."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
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


# 通知设置 --------------------------------------------------------------------------------------


def _robots(user):  # the robots a user may see and remove: theirs and their teams'
    teams = Team.objects.all() if user.is_superuser else Team.objects.filter(leader=user)
    return (
        Robot.objects.filter(Q(user=user) | Q(team__in=teams)).select_related("team").order_by("pk")
    )


@require_http_methods(["GET", "POST"])
@login_required
def notification_settings(request: HtmxHttpRequest) -> HttpResponse:
    pref = channels.preference(request.user)
    form = PreferenceForm(request.POST or None, instance=pref)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = form.save(commit=False)
            saved.language = translation.get_language() or saved.language
            saved.save()
            messages.success(request, _("通知设置已保存。"))
            return redirect("reminders:notification-settings")
        status = 400
    return _settings_page(request, form, RobotForm(user=request.user), status)


def _settings_page(
    request: HtmxHttpRequest, form: PreferenceForm, robot_form: RobotForm, status: int
) -> HttpResponse:
    ctx = {
        "form": form,
        "robot_form": robot_form,
        "robots": _robots(request.user),
        "has_email": bool(request.user.email),
    }
    return render(request, "reminders/notification_settings.html", ctx, status=status)


@require_POST
@login_required
def robot_add(request: HtmxHttpRequest) -> HttpResponse:
    form = RobotForm(request.POST, user=request.user)
    if not form.is_valid():
        preferences = PreferenceForm(instance=channels.preference(request.user))
        return _settings_page(request, preferences, form, 400)
    data = form.cleaned_data
    team = data.get("team")
    Robot.objects.create(
        user=None if team else request.user,
        team=team,
        service=data["service"],
        name=data.get("name") or "",
        url=data["url"],
        created_by=request.user,
    )
    messages.success(request, _("群机器人已添加。"))
    return redirect("reminders:notification-settings")


@require_POST
@login_required
def robot_remove(request: HtmxHttpRequest, robot_pk: int) -> HttpResponse:
    robot = get_object_or_404(_robots(request.user), pk=robot_pk)
    robot.delete()
    messages.success(request, _("群机器人已删除。"))
    return redirect("reminders:notification-settings")


@require_POST
@login_required
def weekly_nudge(request: HtmxHttpRequest, username: str, week: str) -> HttpResponse:
    """催交: remind one manager now to submit their week (at most once an hour)."""
    manager = get_object_or_404(managers_visible_to(request.user), username=username)
    if jobs.nudge(manager=manager, week=week, by=request.user):
        messages.success(request, _("已提醒 %(name)s 提交周报。") % {"name": manager})
    else:
        messages.info(request, _("%(name)s 一小时内已被提醒过，请稍后再试。") % {"name": manager})
    return redirect(reverse("reports:weekly-overview") + f"?week={week}")
