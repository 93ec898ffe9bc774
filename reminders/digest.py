"""The daily digest 每日提醒: what a user has to do today, in one message.

Today's visits; tasks due today or overdue; their own projects whose business or relationship
contact falls due today or is overdue (by how many days); proposals waiting for their approval;
their proposals approved or returned since yesterday; and, for a team leader, their team's
class-A projects overdue by more than the cadence again (escalation). Only what the user may
see: every list starts from the model's visible_to(user). A fixed number of queries a user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from o2crm.dates import midnight
from pipeline.models import PipelineSettings, Project
from proposals.models import Proposal, ProposalEvent, State
from visits.models import Task, Visit

from .models import Kind
from .notify import notify

# Sections a higher app adds to every digest (registered in its AppConfig.ready()): each takes
# the user and the day and returns its lines, in a fixed number of queries.
Section = Callable[[User, date], list[str]]
_SECTIONS: list[Section] = []


def section(lines_of: Section) -> Section:
    """Register `lines_of` as a section of the daily digest (once, whatever ready() does)."""
    if lines_of not in _SECTIONS:
        _SECTIONS.append(lines_of)
    return lines_of


@dataclass
class Digest:
    user: User
    day: date
    visits: list[Visit] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    due: list[tuple[Project, str, int]] = field(default_factory=list)  # kind, days late
    to_approve: list[Proposal] = field(default_factory=list)
    decided: list[ProposalEvent] = field(default_factory=list)
    escalated: list[Project] = field(default_factory=list)
    more: list[str] = field(default_factory=list)  # the registered sections' lines

    @property
    def empty(self) -> bool:
        return not (
            self.visits
            or self.tasks
            or self.due
            or self.to_approve
            or self.decided
            or self.escalated
            or self.more
        )

    def summary(self) -> dict[str, str]:
        """The counts the in-app message is written with."""
        return {
            "visits": str(len(self.visits)),
            "tasks": str(len(self.tasks)),
            "due": str(len(self.due)),
            "approve": str(len(self.to_approve)),
        }

    def lines(self) -> list[str]:
        """The digest as text, a line a thing (the dry run prints it; e-mail will send it)."""
        out = [_("%(name)s 的每日提醒（%(day)s）") % {"name": self.user, "day": self.day}]
        for v in self.visits:
            out.append(
                _("拜访 %(at)s %(hospital)s")
                % {
                    "at": timezone.localtime(v.planned_at).strftime("%H:%M"),
                    "hospital": v.hospital.name,
                }
            )
        for t in self.tasks:
            late = (self.day - t.due_date).days
            text = _("待办 %(title)s · %(hospital)s") % {
                "title": t.title,
                "hospital": t.hospital.name,
            }
            out.append(text + (_("（逾期 %(n)s 天）") % {"n": late} if late > 0 else ""))
        for project, kind, late in self.due:
            label = _("业务联络") if kind == "business" else _("情感联络")
            text = _("%(kind)s到期 %(hospital)s") % {
                "kind": label,
                "hospital": project.hospital.name,
            }
            out.append(text + (_("（逾期 %(n)s 天）") % {"n": late} if late > 0 else ""))
        for p in self.to_approve:
            out.append(
                _("待您审批 %(label)s（%(hospital)s）")
                % {"label": p.label, "hospital": p.project.hospital.name}
            )
        for e in self.decided:
            verb = _("已批准") if e.to_state == State.APPROVED else _("被退回")
            out.append(
                _("您的建议书 %(label)s %(verb)s") % {"label": e.proposal.label, "verb": verb}
            )
        for project in self.escalated:
            out.append(
                _("团队升级提醒 %(hospital)s（%(owner)s）")
                % {"hospital": project.hospital.name, "owner": project.owner}
            )
        return out + self.more


def digest_for(user: User, day: date) -> Digest:
    digest = Digest(user=user, day=day)
    start = midnight(day)
    digest.visits = list(
        Visit.objects.visible_to(user).planned_on(user, day).select_related("hospital")
    )
    digest.tasks = list(
        Task.objects.visible_to(user).open_due_by(user, day).select_related("hospital")
    )
    settings = PipelineSettings.current()
    mine = (
        Project.objects.visible_to(user)
        .open()
        .filter(owner=user)
        .with_cadence(settings, day)
        .filter(Q(business_due_on__lte=day) | Q(relationship_due_on__lte=day))
        .select_related("hospital")
        .order_by("pk")
    )
    for project in mine:
        for kind in ("business", "relationship"):
            due_on = getattr(project, f"{kind}_due_on")
            if due_on <= day:
                digest.due.append((project, kind, (day - due_on).days))
    digest.due.sort(key=lambda row: -row[2])
    if user.has_perm("proposals.approve_proposal"):
        digest.to_approve = list(
            Proposal.objects.visible_to(user)
            .filter(state=State.PENDING, superseded=False)
            .select_related("project__hospital")
            .order_by("pk")
        )
    digest.decided = list(
        ProposalEvent.objects.filter(
            proposal__created_by=user,
            to_state__in=[State.APPROVED, State.RETURNED],
            at__gte=start - timedelta(days=1),
            at__lt=start,
        )
        .select_related("proposal")
        .order_by("at")
    )
    if user.led_team_ids:
        again = timedelta(days=settings.cadence_a_days)
        digest.escalated = list(
            Project.objects.visible_to(user)
            .open()
            .filter(owner__team_id__in=user.led_team_ids)
            .exclude(owner=user)
            .with_cadence(settings, day)
            .filter(cls="A")
            .filter(Q(business_due_on__lt=day - again) | Q(relationship_due_on__lt=day - again))
            .select_related("hospital", "owner")
            .order_by("pk")[:20]
        )
    for lines_of in _SECTIONS:
        digest.more += lines_of(user, day)
    return digest


def send_digest(digest: Digest) -> bool:
    """The digest as an in-app notification, once a user and day (False if sent already or
    there is nothing to say)."""
    if digest.empty:
        return False
    return notify(
        recipient=digest.user,
        kind=Kind.DAILY_DIGEST,
        key=f"digest:{digest.day.isoformat()}",
        url="/",
        lines=digest.lines()[1:],
        **digest.summary(),
    )
