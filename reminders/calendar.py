"""The iCalendar a phone's calendar app subscribes to (RFC 5545, written by `icalendar`): the
user's own planned visits, open tasks and the contact due dates of their open projects.
Three queries for any number of rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accounts.models import User
from o2crm.dates import midnight
from pipeline.models import PipelineSettings, Project
from visits.models import Task, Visit, VisitStatus

PAST_DAYS = 30  # what is still worth seeing behind today
AHEAD_DAYS = 180  # visits planned this far ahead
DUE_AHEAD_DAYS = 60  # contact due dates this far ahead
VISIT_MINUTES = 60  # a visit's length when its plan gives none


def calendar_for(user: User, today: date, link: Callable[[str], str]) -> bytes:
    """`link(path)` makes an absolute address of a path, for the events' links."""
    cal = Calendar()
    cal.add("prodid", "-//o2crm//直销投放//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("o2crm 拜访与待办"))
    cal.add("x-wr-timezone", timezone.get_current_timezone_name())
    cal.add("refresh-interval;value=duration", "PT1H")
    stamp = timezone.now()
    for visit in _visits(user, today):
        cal.add_component(_visit_event(visit, stamp, link))
    for task in _tasks(user):
        cal.add_component(_task_event(task, today, stamp, link))
    for event in _due_events(user, today, stamp, link):
        cal.add_component(event)
    return cal.to_ical()


def _visits(user: User, today: date) -> list[Visit]:
    since = midnight(today - timedelta(days=PAST_DAYS))
    until = since + timedelta(days=PAST_DAYS + AHEAD_DAYS)
    return list(
        Visit.objects.visible_to(user)
        .filter(owner=user, status=VisitStatus.PLANNED, planned_at__gte=since, planned_at__lt=until)
        .select_related("hospital", "project")
        .prefetch_related("contacts")
        .order_by("planned_at")
    )


def _visit_event(visit: Visit, stamp: datetime, link: Callable[[str], str]) -> Event:
    event = Event()
    event.add("uid", f"visit-{visit.pk}@o2crm")
    event.add("dtstamp", stamp)
    event.add("dtstart", visit.planned_at)
    event.add("dtend", visit.planned_at + timedelta(minutes=visit.minutes_needed or VISIT_MINUTES))
    event.add("summary", _("拜访：%(hospital)s") % {"hospital": visit.hospital.name})
    places = [p for p in (visit.hospital.address, visit.place) if p]
    place = ", ".join(dict.fromkeys(places))  # the plan's place is often the address again
    if place:
        event.add("location", place)
    people = "、".join(" ".join(p for p in (c.name, c.title) if p) for c in visit.contacts.all())
    lines = []
    if visit.project:
        lines.append(_("项目：%(name)s") % {"name": visit.project.name})
    if people:
        lines.append(_("拜访对象：%(people)s") % {"people": people})
    if visit.questions:
        lines.append(_("要问的问题：%(q)s") % {"q": visit.questions})
    brief = link(f"/visits/{visit.pk}/brief/")
    lines.append(_("拜访简报：%(url)s") % {"url": brief})
    event.add("description", "\n".join(lines))
    event.add("url", brief)
    return event


def _tasks(user: User) -> list[Task]:
    return list(
        Task.objects.visible_to(user)
        .filter(owner=user, done=False)  # every open one: an old to-do is still to do
        .select_related("hospital")
        .order_by("due_date", "pk")
    )


def _all_day(uid: str, day: date, summary: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy block
    return event


def _task_event(task: Task, today: date, stamp: datetime, link: Callable[[str], str]) -> Event:
    """On its due date; an overdue one on today, saying by how much."""
    summary = _("待办：%(t)s") % {"t": task.title}
    if task.hospital_id:
        summary += f"（{task.hospital.name}）"
    late = (today - task.due_date).days
    if late > 0:
        summary += _("（已逾期 %(n)s 天）") % {"n": late}
    event = _all_day(f"task-{task.pk}@o2crm", max(task.due_date, today), summary, stamp)
    event.add("url", link("/tasks/"))
    return event


def _due_events(
    user: User, today: date, stamp: datetime, link: Callable[[str], str]
) -> list[Event]:
    """The day each open project's business and relationship contact falls due (an overdue
    one on today, saying by how much), within DUE_AHEAD_DAYS."""
    settings = PipelineSettings.current()
    projects = (
        Project.objects.visible_to(user)
        .open()
        .filter(owner=user)
        .select_related("hospital")
        .order_by("pk")
    )
    kinds = (("business", _("业务联络")), ("relationship", _("情感联络")))
    horizon = today + timedelta(days=DUE_AHEAD_DAYS)
    events = []
    for project in projects:
        cadence = project.cadence_status(settings, today)
        for kind, label in kinds:
            clock = getattr(cadence, kind)
            if clock.due_on > horizon:
                continue
            late = clock.late_by(today)
            summary = _("%(kind)s到期：%(hospital)s") % {
                "kind": label,
                "hospital": project.hospital.short_name or project.hospital.name,
            }
            if late > 0:
                summary += _("（已逾期 %(n)s 天）") % {"n": late}
            event = _all_day(
                f"due-{project.pk}-{kind}@o2crm", max(clock.due_on, today), summary, stamp
            )
            event.add("url", link(project.get_absolute_url()))
            events.append(event)
    return events
