"""Placements on lower pages (o2crm/panels.py): a won project's contract (or the way to sign
it), and the portfolio's actual figures beside the economics settings they test; and the
overdue payments in the owner's daily digest."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, F, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from o2crm.panels import panel
from pipeline.models import Project, Status
from reminders.digest import section

from . import domain, figures
from .models import (
    OPEN_RECEIVABLE,
    Contract,
    ContractStatus,
    Reading,
    Statement,
    StatementStatus,
)

DIGEST_OVERDUE = 10
READINGS_SHOWN = 8


@panel("project", template="placements/_project_panel.html", order=30)
def project_contract(request: HttpRequest, project: Project) -> dict[str, Any]:
    contract = (
        Contract.objects.filter(project=project).select_related("plant").first()
        if project.status == Status.WON
        else None
    )
    return {
        "project": project,
        "won": project.status == Status.WON,
        "contract": contract,
        "can_sign": request.user.has_perm("placements.add_contract"),
    }


@panel("home", template="placements/_home_panel.html", order=10)
def placements_today(request: HttpRequest, user: User) -> dict[str, Any]:
    """工作台 for operations (this month's meters not read yet, those past their day
    first; statements to confirm) and finance
    (statements to invoice, overdue payments); a manager's own overdue payments."""
    today = timezone.localdate()
    operates = user.has_perm("placements.operate_contract")
    collects = user.has_perm("placements.invoice_statement")
    statements = Statement.objects.visible_to(user)
    ctx: dict[str, Any] = {"operates": operates, "collects": collects, "today": today}
    if operates:
        month = domain.first_of_month(today)
        read = Reading.objects.filter(read_on__gte=month).values("contract_id")
        due = (
            Contract.objects.visible_to(user)
            .filter(status=ContractStatus.BILLING)
            .exclude(pk__in=read)
            .select_related("hospital")
            .order_by("meter_reading_day", "pk")
        )
        ctx["readings_due"] = list(due[:READINGS_SHOWN])
        ctx["n_readings_due"] = due.count()
        ctx["n_readings_late"] = due.filter(meter_reading_day__lt=today.day).count()
        ctx["n_to_confirm"] = statements.filter(status=StatementStatus.PENDING).count()
    if collects:
        ctx["n_to_invoice"] = statements.filter(status=StatementStatus.CONFIRMED).count()
    if collects or not operates:
        mine = (
            statements
            if (collects or user.sees_all)
            else statements.filter(contract__project__owner=user)
        )
        ctx["overdue"] = mine.filter(status__in=OPEN_RECEIVABLE, due_on__lt=today).aggregate(
            n=Count("pk"), amount=Sum(F("amount") - F("paid"))
        )
    ctx["show"] = operates or collects or bool(ctx.get("overdue", {}).get("n"))
    return ctx


@panel("economics-settings", template="placements/_settings_panel.html", order=10)
def settings_evidence(request: HttpRequest, _record: Any) -> dict[str, Any]:
    return {"evidence": figures.evidence(request.user, timezone.localdate())}


@section
def overdue_payments(user: User, day: date) -> list[str]:
    """The owner's placements whose payment is overdue, the oldest first."""
    rows = (
        Statement.objects.visible_to(user)
        .filter(contract__project__owner=user, status__in=OPEN_RECEIVABLE, due_on__lt=day)
        .select_related("contract__hospital")
        .order_by("due_on", "pk")[:DIGEST_OVERDUE]
    )
    return [
        _("回款逾期 %(hospital)s %(month)s ¥%(left)s（逾期 %(n)s 天）")
        % {
            "hospital": s.contract.hospital.name,
            "month": f"{s.month:%Y-%m}",
            "left": f"{s.balance:,.2f}",
            "n": (day - s.due_on).days,
        }
        for s in rows
    ]
