"""Relations on lower pages (o2crm/panels.py): the project's relationships, the evidence next
to the evaluation's "是不是能赢", and a person's path and ledger on the contact page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.http import HttpRequest
from django.utils import timezone

from hospitals import standing
from hospitals.models import ClosenessChange, Contact, Hospital
from o2crm.panels import panel
from pipeline.models import Project

from . import charts, reading
from .models import EntryStatus, LedgerEntry

LEDGER_ON_CONTACT = 5
CHANGES_ON_CONTACT = 8


@panel("project", template="relations/_project_panel.html", order=10)
def project_relations(request: HttpRequest, project: Project) -> dict[str, Any]:
    pic = reading.picture(project, timezone.localdate(), with_actions=False)
    return {"project": project, "pic": pic, "gaps": pic.gaps[:4], "more": len(pic.gaps) > 4}


@panel("evaluation-win", template="relations/_evaluation_panel.html", order=10)
def evaluation_evidence(request: HttpRequest, project: Project) -> dict[str, Any]:
    pic = reading.picture(project, timezone.localdate(), with_actions=False)
    return {"project": project, "pic": pic}


@panel("contact", template="relations/_contact_panel.html", order=10)
def contact_relations(request: HttpRequest, contact: Contact) -> dict[str, Any]:
    today = timezone.localdate()
    path = standing.paths([contact])[contact.pk]
    user = request.user
    sees_ledger = user.has_perm("relations.view_ledgerentry") and (
        user.audits or contact.personal_visible_to(user)
    )
    entries = []
    if sees_ledger:
        entries = list(
            LedgerEntry.objects.visible_to(user)
            .filter(contacts=contact)
            .select_related("kind")
            .order_by("-date", "-pk")[:LEDGER_ON_CONTACT]
        )
    changes = (
        ClosenessChange.objects.filter(contact=contact)
        .select_related("by")
        .order_by("-on", "-pk")[:CHANGES_ON_CONTACT]
    )
    start = min([p.on for p in path] + [today - timedelta(days=365)])
    return {
        "contact": contact,
        "spark": charts.spark(contact, path, start, today),
        "start": start,
        "changes": list(changes),
        "sees_ledger": sees_ledger,
        "entries": entries,
    }


@panel("hospital", template="relations/_hospital_panel.html", order=40)
def hospital_ledger(request: HttpRequest, hospital: Hospital) -> dict[str, Any]:
    """This year's compliance ledger of the hospital, for those who may see it."""
    user = request.user
    owner = hospital.owner
    sees = user.has_perm("relations.view_ledgerentry") and (
        user.audits or (owner is not None and user.oversees(owner.pk, owner.team_id))
    )
    totals = {}
    if sees:
        year = timezone.localdate().year
        totals = (
            LedgerEntry.objects.visible_to(user)
            .filter(hospital=hospital, date__year=year)
            .exclude(status=EntryStatus.REJECTED)
            .aggregate(n=Count("pk"), amount=Sum("amount"),
                       pending=Count("pk", filter=Q(status=EntryStatus.PENDING)))
        )  # fmt: skip
    return {"hospital": hospital, "sees": sees, "totals": totals}
