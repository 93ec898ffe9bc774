"""离职交接 / territory change, and deactivating a user (who must leave an heir).

A handover moves, in one transaction, a manager's chosen hospitals and everything of theirs
under them — the open projects (marked for a first contact by the new owner), the open
tasks, the planned visits, the proposals not yet submitted (drafts and returned ones) — to
another manager. Hospitals, projects and visits keep it in their history (made by who did
it, the reason naming both people); each moved row's version moves on, so an edit opened
before the handover cannot put the old owner back. The new owner is told once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from accounts.models import ROLES_ABOVE_ALL, Role, Team, User
from accounts.services import assign_role, revoke_tokens
from hospitals.models import Hospital
from o2crm import summaries
from pipeline.models import Project, Status
from proposals.models import Proposal, State
from reminders.models import Kind
from reminders.notify import notify
from visits.models import Task, Visit, VisitStatus

from .models import Handover, PersonEvent, Reason

UNSUBMITTED = [State.DRAFT, State.RETURNED]


def manages_people(user: User) -> bool:
    """Who hands over, deactivates and sees every handover: the director and the admin."""
    return user.is_superuser or user.role in ROLES_ABOVE_ALL


def people_visible_to(user: User) -> QuerySet[User]:
    """The users whose page `user` may open: everyone for those who manage people; a leader
    their team, anyone else themselves (and then may not act on it)."""
    if manages_people(user) or user.sees_all:
        return User.objects.all()
    return User.objects.filter(pk__in=sorted(user.overseen_user_ids))


def heirs_for(user: User) -> QuerySet[User]:
    """Who may take over `user`'s customers: the other active sales managers."""
    return (
        User.objects.filter(is_active=True, role=Role.MANAGER)
        .exclude(pk=user.pk)
        .select_related("team")
        .order_by("team__name", "username")
    )


def hospitals_of(
    user: User, *, provinces: list[str] | None = None, cities: list[str] | None = None,
    ids: list[int] | None = None,
) -> QuerySet[Hospital]:  # fmt: skip
    """`user`'s hospitals: all, those in these provinces or cities, or these ones."""
    rows = Hospital.objects.filter(owner=user)
    if ids:
        return rows.filter(pk__in=ids)
    if provinces or cities:
        return rows.filter(Q(province__in=provinces or []) | Q(city__in=cities or []))
    return rows


def _moving(from_user: User, ids: list[int], everything: bool) -> dict[str, QuerySet[Any]]:
    """What moves with these hospitals; `everything`: also what the user has elsewhere."""
    where = Q() if everything else Q(hospital_id__in=ids)
    return {
        "projects": Project.objects.filter(where, owner=from_user, status=Status.OPEN),
        "tasks": Task.objects.filter(where, owner=from_user, done=False),
        "visits": Visit.objects.filter(where, owner=from_user, status=VisitStatus.PLANNED),
        "proposals": Proposal.objects.filter(
            Q(project__hospital_id__in=ids) if not everything else Q(),
            created_by=from_user,
            state__in=UNSUBMITTED,
        ),
    }


def preview(
    from_user: User, hospitals: QuerySet[Hospital], everything: bool = False
) -> dict[str, int]:
    """How many of each would move: five counts."""
    ids = list(hospitals.values_list("pk", flat=True))
    counts = {"hospitals": len(ids)}
    counts.update(
        {name: rows.count() for name, rows in _moving(from_user, ids, everything).items()}
    )
    return counts


@transaction.atomic
def hand_over(
    *,
    from_user: User,
    to_user: User,
    hospitals: QuerySet[Hospital],
    by: User,
    reason: str = Reason.LEAVING,
    note: str = "",
    scope: str = "",
    everything: bool = False,
) -> Handover:
    if to_user.pk == from_user.pk:
        raise ValidationError({"heir": _("接手人不能是交出人自己。")})
    if not heirs_for(from_user).filter(pk=to_user.pk).exists():
        raise ValidationError({"heir": _("接手人必须是在职的销售经理。")})
    now = timezone.now()
    why = _("交接：%(from)s → %(to)s") % {"from": from_user, "to": to_user}
    rows = list(hospitals.select_for_update().order_by("pk"))
    ids = [h.pk for h in rows]
    moving = _moving(from_user, ids, everything)
    if not rows and not moving["projects"].exists():
        raise ValidationError({"scope": _("所选范围内没有要交接的医院或项目。")})
    for h in rows:
        h.owner, h.version = to_user, h.version + 1
    bulk_update_with_history(
        rows, Hospital, ["owner", "version"], batch_size=500, default_user=by,
        default_change_reason=why,
    )  # fmt: skip
    projects = list(moving["projects"].select_for_update().order_by("pk"))
    for p in projects:
        p.owner, p.version, p.handed_over_at = to_user, p.version + 1, now
    bulk_update_with_history(
        projects, Project, ["owner", "version", "handed_over_at"], batch_size=500,
        default_user=by, default_change_reason=why,
    )  # fmt: skip
    summaries.changed(Hospital, {from_user.pk, to_user.pk})
    summaries.changed(Project, {from_user.pk, to_user.pk})
    visits = list(moving["visits"].select_for_update().order_by("pk"))
    for v in visits:
        v.owner, v.version = to_user, v.version + 1
    bulk_update_with_history(
        visits, Visit, ["owner", "version"], batch_size=500, default_user=by,
        default_change_reason=why,
    )  # fmt: skip
    counts = {
        "hospitals": len(rows),
        "projects": len(projects),
        "tasks": moving["tasks"].update(owner=to_user),
        "visits": len(visits),
        "proposals": moving["proposals"].update(created_by=to_user, version=F("version") + 1),
    }
    handover = Handover.objects.create(
        from_user=from_user, to_user=to_user, by=by, at=now, reason=reason, note=note,
        scope=scope, counts=counts, hospital_ids=ids,
    )  # fmt: skip
    transaction.on_commit(lambda: tell_heir(handover))
    return handover


def tell_heir(handover: Handover) -> bool:
    counts = handover.counts
    return notify(
        recipient=handover.to_user,
        kind=Kind.HANDOVER,
        key=f"handover:{handover.pk}",
        url=reverse("pipeline:project-list") + "?handed=1",
        by=str(handover.by or ""),
        from_name=str(handover.from_user),
        hospitals=str(counts.get("hospitals", 0)),
        projects=str(counts.get("projects", 0)),
    )


@transaction.atomic
def deactivate(*, user: User, heir: User | None, by: User) -> Handover | None:
    """End a user's access at once (their sessions stop on the next request, their API tokens
    and calendar feed now); what they own goes to `heir` first, who must be named when there
    is anything to hand over."""
    if user.pk == by.pk:
        raise ValidationError({"heir": _("不能停用自己的账户。")})
    handover = None
    owned = hospitals_of(user)
    has_work = owned.exists() or Project.objects.filter(owner=user, status=Status.OPEN).exists()
    if has_work:
        if heir is None:
            raise ValidationError(
                {
                    "heir": _("%(name)s 名下还有医院或进行中的项目，请先指定接手人。")
                    % {"name": user}
                }
            )
        handover = hand_over(
            from_user=user, to_user=heir, hospitals=owned, by=by, reason=Reason.LEAVING,
            scope=_("全部（停用账户）"), everything=True,
        )  # fmt: skip
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoke_tokens(user)
    _log(what=PersonEvent.What.DEACTIVATED, by=by, person=user,
         after=handover.to_user if handover else "")  # fmt: skip
    return handover


# People and teams -------------------------------------------------------------------------------


def temporary_password() -> str:
    """A password to give a person once: they must set their own at the next login."""
    return get_random_string(12, "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789")


def _log(*, what: str, by: User, person: User | None = None, team: Team | None = None,
         before: object = "", after: object = "") -> None:  # fmt: skip
    PersonEvent.objects.create(
        person=person, team=team, what=what, by=by,
        before=str(before or "")[:200], after=str(after or "")[:200],
    )  # fmt: skip


@transaction.atomic
def create_person(*, person: User, role: str, by: User) -> str:
    """A new account with a temporary password (returned, shown once)."""
    password = temporary_password()
    person.set_password(password)
    person.must_change_password = True
    person.full_clean(exclude=["password"])
    person.save()
    assign_role(user=person, role=role)
    _log(what=PersonEvent.What.CREATED, by=by, person=person, after=person.get_role_display())
    return password


@transaction.atomic
def update_person(*, person: User, role: str, by: User) -> User:
    """Save the edited details, team and role; each change noted with what it was."""
    before = User.objects.select_related("team").get(pk=person.pk)
    person.full_clean(exclude=["password"])
    person.save(update_fields=["name", "email", "phone", "team"])
    if before.team_id != person.team_id:
        _log(what=PersonEvent.What.TEAM, by=by, person=person, before=before.team,
             after=person.team)  # fmt: skip
    if before.role != role:
        assign_role(user=person, role=role)
        _log(what=PersonEvent.What.ROLE, by=by, person=person,
             before=before.get_role_display(), after=person.get_role_display())  # fmt: skip
    details = [f for f in ("name", "email", "phone") if getattr(before, f) != getattr(person, f)]
    if details:
        _log(what=PersonEvent.What.DETAILS, by=by, person=person,
             before="; ".join(str(getattr(before, f)) for f in details),
             after="; ".join(str(getattr(person, f)) for f in details))  # fmt: skip
    return person


@transaction.atomic
def reset_password(*, person: User, by: User) -> str:
    """A temporary password: the person's sessions and API tokens end at once, and they set a
    new password at the next login."""
    password = temporary_password()
    person.set_password(password)
    person.must_change_password = True
    person.save(update_fields=["password", "must_change_password"])
    revoke_tokens(person)
    _log(what=PersonEvent.What.PASSWORD, by=by, person=person)
    return password


@transaction.atomic
def reactivate(*, person: User, by: User) -> User:
    person.is_active = True
    person.save(update_fields=["is_active"])
    _log(what=PersonEvent.What.REACTIVATED, by=by, person=person)
    return person


@transaction.atomic
def save_team(*, team: Team, by: User) -> Team:
    """A new or edited team; its leader must be one of its members (who is moved into it)."""
    before = Team.objects.select_related("leader").filter(pk=team.pk).first()
    team.full_clean()
    team.save()
    if before is None:
        _log(what=PersonEvent.What.TEAM_CREATED, by=by, team=team, after=team.name)
    leader = team.leader
    if leader is not None and leader.team_id != team.pk:
        moved_from = leader.team
        leader.team = team
        leader.save(update_fields=["team"])
        _log(what=PersonEvent.What.TEAM, by=by, person=leader, before=moved_from, after=team)
    if before is not None and before.leader_id != team.leader_id:
        _log(what=PersonEvent.What.LEADER, by=by, team=team, before=before.leader,
             after=team.leader)  # fmt: skip
    elif before is None and leader is not None:
        _log(what=PersonEvent.What.LEADER, by=by, team=team, after=leader)
    return team


def events_of(person: User) -> QuerySet[PersonEvent]:
    return PersonEvent.objects.filter(person=person).select_related("by", "team")[:30]
