"""A person's standing with us over time (关系发展): every change of closeness, attitude or
influence is kept as a `ClosenessChange` with its day and the event that caused it. This module
is the only writer of those rows; the contact form and API (here), follow-ups (pipeline),
visits (visits) and relationship actions (relations) call it. Reads for the charts and the
buying-centre map are here too, one query for any number of people."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from o2crm.records import save_record

from .models import ClosenessChange, Contact, StandingCause

Standing = tuple[int, str, int]  # closeness, attitude, influence


def snapshot(contact: Contact) -> Standing:
    return (contact.closeness, contact.attitude, contact.influence)


def _keep(
    contact: Contact,
    *,
    before: Standing | None,
    now: Standing,
    on: date,
    by: User | None,
    kind: str,
    cause: Any = None,
    note: str = "",
) -> ClosenessChange:
    row = ClosenessChange(
        contact=contact,
        on=on,
        closeness=now[0],
        attitude=now[1],
        influence=now[2],
        closeness_before=before[0] if before else None,
        attitude_before=before[1] if before else "",
        cause_kind=kind,
        cause=cause,
        note=note[:200],
        by=by,
    )
    row.full_clean(exclude=["cause_type", "cause_id", "contact", "by"])
    row.save()
    return row


def record(
    contact: Contact,
    *,
    before: Standing | None,
    by: User | None,
    kind: str = StandingCause.EDIT,
    on: date | None = None,
) -> ClosenessChange | None:
    """After a contact was saved by its form or the API: keep the change of standing, if any,
    dated today unless `on` says (`before` None: the contact is new, its first standing kept)."""
    now = snapshot(contact)
    if before == now:
        return None
    if before is None:
        kind = StandingCause.CREATED
    day = on or timezone.localdate()
    return _keep(contact, before=before, now=now, on=day, by=by, kind=kind)


@transaction.atomic
def change(
    contact: Contact,
    *,
    on: date,
    by: User | None,
    kind: str,
    cause: Any = None,
    closeness: int | None = None,
    attitude: str | None = None,
    influence: int | None = None,
    note: str = "",
) -> ClosenessChange | None:
    """Move a person's standing because of an event of day `on` (a follow-up, a visit, a
    relationship action). The row is kept either way; the person's present values move only
    when no later change is recorded (an event logged late does not undo a newer one)."""
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    before = snapshot(current)
    now = (closeness or before[0], attitude or before[1], influence or before[2])
    if now == before:
        return None
    if not ClosenessChange.objects.filter(contact_id=current.pk, on__gt=on).exists():
        current.closeness, current.attitude, current.influence = now
        save_record(record=current, by=by)
        contact.closeness, contact.attitude, contact.influence = now
        contact.version = current.version
    return _keep(current, before=before, now=now, on=on, by=by, kind=kind, cause=cause, note=note)


@dataclass(frozen=True)
class Point:
    on: date
    closeness: int
    attitude: str
    influence: int
    cause: str  # StandingCause value
    note: str


def paths(contacts: Iterable[Contact]) -> dict[int, list[Point]]:
    """Each person's standing over time, oldest first: where they started (the first row's
    values before it, when known), then every change. One query."""
    people = {c.pk: c for c in contacts}
    rows = ClosenessChange.objects.filter(contact_id__in=list(people)).order_by("on", "pk")
    out: dict[int, list[Point]] = defaultdict(list)
    for r in rows.values_list(
        "contact_id", "on", "closeness", "attitude", "influence", "cause_kind", "note",
        "closeness_before", "attitude_before",
    ):  # fmt: skip
        contact_id, on, closeness, attitude, influence, cause, note, c0, a0 = r
        if not out[contact_id] and c0 is not None:
            out[contact_id].append(Point(on, c0, a0 or attitude, influence, "", ""))
        out[contact_id].append(Point(on, closeness, attitude, influence, cause, note))
    return {pk: out.get(pk, []) for pk in people}


def as_of(contact: Contact, path: list[Point], day: date) -> Standing:
    """Where a person stood on `day`: the last change up to it; before the first change, the
    values it started from; with no change kept, as they are now."""
    then = None
    for point in path:
        if point.on > day:
            break
        then = point
    if then is None:
        if not path:
            return snapshot(contact)
        first = path[0]
        return (first.closeness, first.attitude, first.influence)
    return (then.closeness, then.attitude, then.influence)


class Move(NamedTuple):
    """A change of one person's standing an event brings; None for what stays."""

    contact: Contact
    closeness: int | None
    attitude: str | None


def apply(
    moves: Iterable[Move], *, hospital_id: int, on: date, by: User | None, kind: str, cause: Any
) -> list[ClosenessChange]:
    """The moves an event brings for people of its hospital, each kept with the event as cause."""
    moves = list(moves)
    wrong = [m.contact.name for m in moves if m.contact.hospital_id != hospital_id]
    if wrong:
        raise ValidationError(
            {"standing": _("这些人不属于该医院：%(names)s。") % {"names": "、".join(wrong)}},
            code="contact_other_hospital",
        )
    kept = []
    for contact, closeness, attitude in moves:
        row = change(
            contact, on=on, by=by, kind=kind, cause=cause, closeness=closeness, attitude=attitude
        )
        if row is not None:
            kept.append(row)
    return kept
