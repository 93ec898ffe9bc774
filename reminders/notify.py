"""Sending, counting and reading in-app notifications; the events that send them."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from proposals.models import Proposal, ProposalEvent, State

from . import channels
from .models import Kind, Notification


def notify(*, recipient: User, kind: str, key: str, url: str, **params: object) -> bool:
    """Tell `recipient` once about `key`, in the app and on the outside channels they chose;
    False when they had been told already."""
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                recipient=recipient, kind=kind, key=key, url=url, params=params
            )
    except IntegrityError:  # told already (the same event, or a second worker)
        return False
    channels.plan(note)
    return True


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()


def mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read: these, or all of them."""
    rows = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


def approvers() -> QuerySet[User]:
    """The active users who may approve proposals (the director; an admin), in one query."""
    perm = Q(codename="approve_proposal", content_type__app_label="proposals")
    holders = Permission.objects.filter(perm)
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=holders)
            | Q(user_permissions__in=holders)
        )
        .distinct()
    )


def proposal_event(event: ProposalEvent) -> None:
    """A proposal submitted: to everyone who approves and may see it; approved or returned:
    to whoever made it, if they may still see it. Never to the one who acted."""
    proposal = (
        Proposal.objects.select_related("project__hospital", "created_by")
        .filter(pk=event.proposal_id)
        .first()
    )
    if proposal is None:
        return
    by = str(event.by) if event.by else ""
    params = {"label": proposal.label, "hospital": proposal.project.hospital.name, "by": by}
    url = proposal.get_absolute_url()
    key = f"proposal-event:{event.pk}"
    if event.to_state == State.PENDING:
        for user in approvers().exclude(pk=event.by_id or 0):  # not the one who acted
            if Proposal.objects.visible_to(user).filter(pk=proposal.pk).exists():
                notify(recipient=user, kind=Kind.PROPOSAL_SUBMITTED, key=key, url=url, **params)
    elif event.to_state in (State.APPROVED, State.RETURNED):
        # decided: the approvers' "waiting for you" about it is done with
        Notification.objects.filter(kind=Kind.PROPOSAL_SUBMITTED, url=url, read_at=None).update(
            read_at=timezone.now()
        )
        maker = proposal.created_by
        if maker is None or maker.pk == event.by_id or not maker.is_active:
            return
        if not Proposal.objects.visible_to(maker).filter(pk=proposal.pk).exists():
            return
        kind = (
            Kind.PROPOSAL_APPROVED if event.to_state == State.APPROVED else Kind.PROPOSAL_RETURNED
        )
        notify(recipient=maker, kind=kind, key=key, url=url, comment=event.comment, **params)
