"""公海 return: with POOL_RETURN_DAYS set (0, the default, keeps hospitals with their owners),
a hospital its owner has not touched for that many days goes back to the pool, where the
managers of its region may claim it; a week before, the owner is told which hospitals will go
and on which day (decision 0025).

Touched: the newest of — a change to the hospital's record (its history: an edit, or its
becoming the owner's by claim, handover, import or assignment), a visit recorded there, a
project opened there, a contact logged on one of its projects (business or relationship).
Run nightly by the worker; a few grouped queries whatever the number of hospitals."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from simple_history.utils import bulk_update_with_history

from accounts.models import User
from hospitals.models import Hospital
from o2crm import summaries
from o2crm.jobs import period_of, scheduled
from pipeline.models import Project
from reminders.models import Kind
from reminders.notify import notify

WARN_DAYS = 7


def last_touched() -> dict[int, tuple[int, date]]:
    """Each owned hospital's owner and the day it was last touched."""
    owned = Hospital.objects.filter(owner__isnull=False)
    touched: dict[int, tuple[int, date]] = {}
    for pk, owner, visited, created in owned.values_list(
        "pk", "owner_id", "last_visited_on", "created_at"
    ):
        days = [timezone.localdate(created)] + ([visited] if visited else [])
        touched[pk] = (owner, max(days))

    def later(pk: int, day: date | None) -> None:
        if pk in touched and day is not None and day > touched[pk][1]:
            touched[pk] = (touched[pk][0], day)

    history = (
        Hospital.history.filter(owner__isnull=False).values("id").annotate(at=Max("history_date"))
    )
    for row in history.values_list("id", "at"):
        later(row[0], timezone.localdate(row[1]))
    projects = (
        Project.objects.filter(hospital__owner__isnull=False)
        .values("hospital")
        .annotate(
            business=Max("last_business_contact_on"),
            relationship=Max("last_relationship_contact_on"),
            opened=Max("created_at"),
        )
        .values_list("hospital", "business", "relationship", "opened")
    )
    for pk, business, relationship, opened in projects:
        later(pk, business)
        later(pk, relationship)
        later(pk, timezone.localdate(opened) if opened else None)
    return touched


def _names(ids: list[int]) -> list[str]:
    return list(
        Hospital.objects.filter(pk__in=ids[:5]).order_by("pinyin").values_list("name", flat=True)
    )


@transaction.atomic
def return_idle(today: date) -> dict[str, int]:
    """Return the hospitals untouched for POOL_RETURN_DAYS by `today`; warn the owners of those
    that will go in a week. Each owner hears once a day at most of each."""
    days = settings.POOL_RETURN_DAYS
    if days <= 0:
        return {"returned": 0, "warned": 0}
    cutoff = today - timedelta(days=days)
    warn_on = cutoff + timedelta(days=WARN_DAYS)
    going: dict[int, list[int]] = {}
    warned: dict[int, list[int]] = {}
    for pk, (owner, day) in last_touched().items():
        if day <= cutoff:
            going.setdefault(owner, []).append(pk)
        elif day == warn_on:
            warned.setdefault(owner, []).append(pk)
    url = reverse("hospitals:hospital-list")
    owners = User.objects.in_bulk(set(going) | set(warned))
    for owner, ids in warned.items():
        notify(
            recipient=owners[owner], kind=Kind.POOL_WARNING, key=f"pool-warning:{today}", url=url,
            count=len(ids), days=days - WARN_DAYS, on=str(today + timedelta(days=WARN_DAYS)),
            names="、".join(_names(ids)), hospitals=ids,
        )  # fmt: skip
    returned = 0
    for owner, ids in going.items():
        rows = list(Hospital.objects.select_for_update().filter(pk__in=ids, owner_id=owner))
        for h in rows:
            h.owner, h.version = None, h.version + 1
        bulk_update_with_history(
            rows, Hospital, ["owner", "version"], batch_size=500,
            default_change_reason=_("%(days)s 天未联络，退回公海") % {"days": days},
        )  # fmt: skip
        summaries.changed(Hospital, {owner, None})
        returned += len(rows)
        notify(
            recipient=owners[owner], kind=Kind.POOL_RETURNED, key=f"pool-returned:{today}",
            url=reverse("hospitals:hospital-pool"), count=len(rows), days=days,
            names="、".join(_names([h.pk for h in rows])),
        )  # fmt: skip
    return {"returned": returned, "warned": sum(len(ids) for ids in warned.values())}


@scheduled("30 5 * * *", name="pool-return", late=timedelta(days=2))
@task()
def pool_return(period: str) -> dict[str, int]:
    """Nightly (05:30): idle hospitals back to the pool, and next week's warned."""
    return return_idle(timezone.localtime(period_of(period)).date())
