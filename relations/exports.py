"""The compliance report (合规台账报表): totals by kind, hospital, person and manager for a period,
and the workbook of every entry with its people and approval."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, BinaryIO

from django.db.models import Count, QuerySet, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from o2crm.exports import Progress, export
from o2crm.workbooks import Column, Emphasis, workbook_sheets, write_workbook, xlsx_response

from .forms import LedgerFilterForm
from .models import EntryStatus, LedgerEntry, LedgerKind

MONEY = "¥#,##0.00"


def sums(qs: QuerySet[LedgerEntry]) -> dict[str, Any]:
    """The ledger page's figures from one grouped query (kind × status) and the kinds: per
    kind (amount and count of what counts or waits, how many wait, how many were rejected),
    the totals of every entry, and the count per status."""
    # grouped on the entries' own columns (a hash of kind × status, no sort of every entry by
    # the kinds' names), the few kinds named after; the filters join nothing that repeats an
    # entry (a person at most once per entry), so a plain count counts each once
    rows = qs.order_by().values("kind_id", "status").annotate(amount=Sum("amount"), n=Count("pk"))
    kinds = {k.pk: k for k in LedgerKind.objects.all()}
    out: dict[str, dict[str, Any]] = {}
    totals: dict[str, Any] = {"amount": None, "count": 0}
    by_status: dict[str, int] = {}
    for r in rows:
        totals["count"] += r["n"]
        if r["amount"] is not None:
            totals["amount"] = (totals["amount"] or Decimal(0)) + r["amount"]
        by_status[r["status"]] = by_status.get(r["status"], 0) + r["n"]
        kind = kinds[r["kind_id"]]
        line = out.setdefault(
            kind.name,
            {"kind": kind.name, "order": kind.order, "amount": Decimal(0), "n": 0,
             "pending": 0, "rejected": 0},
        )  # fmt: skip
        if r["status"] == EntryStatus.REJECTED:
            line["rejected"] += r["n"]
            continue
        line["amount"] += r["amount"] or 0
        line["n"] += r["n"]
        if r["status"] == EntryStatus.PENDING:
            line["pending"] += r["n"]
    return {
        "by_kind": sorted(out.values(), key=lambda line: line["order"]),
        "totals": totals,
        "by_status": by_status,
    }


def _grouped(qs: QuerySet[LedgerEntry], *fields: str) -> list[tuple[Any, ...]]:
    """Totals of the entries that count or wait (not rejected) by these fields, largest first."""
    return list(
        qs.exclude(status=EntryStatus.REJECTED)
        .order_by()
        .values_list(*fields)
        .annotate(n=Count("pk", distinct=True), amount=Sum("amount"))
        .order_by("-amount")
    )


def ledger_response(qs: QuerySet[LedgerEntry], form: Any) -> HttpResponse:
    """The filtered ledger as a workbook, made while the user waits (a short list)."""
    return xlsx_response(workbook_sheets(**ledger_book(qs, form)), _("合规台账") + ".xlsx")


@export("ledger", title=gettext_lazy("合规台账"), permission="relations.view_ledgerentry")
def ledger_export(user: Any, params: Mapping[str, Any], progress: Progress, into: BinaryIO) -> str:
    """The ledger with the page's filters, in the background (what the user may see)."""
    form = LedgerFilterForm(params or None, user=user)
    write_workbook(into, **ledger_book(form.filter(LedgerEntry.objects.visible_to(user)), form))
    return _("合规台账")


def ledger_book(qs: QuerySet[LedgerEntry], form: Any) -> dict[str, Any]:
    """The filtered ledger's workbook: every entry (rows from a cursor, written as they
    come), then totals by hospital, by person (their per-person share) and by manager."""
    data = form.cleaned_data if form.is_valid() else {}
    period = " – ".join(d.isoformat() for d in (data.get("start"), data.get("end")) if d) or _(
        "全部日期"
    )
    entries = (
        qs.select_related("hospital", "kind", "created_by", "decided_by")
        .prefetch_related("contacts", "colleagues")
        .order_by("date", "pk")
    )
    statuses = dict(EntryStatus.choices)

    def entry_rows():
        total = Decimal(0)
        for e in entries.iterator(chunk_size=500):
            if e.status != EntryStatus.REJECTED:
                total += e.amount
            yield [
                e.date, e.hospital.name, str(e.kind), float(e.amount), float(e.per_person),
                "、".join(c.name for c in e.contacts.all()),
                "、".join(str(u) for u in e.colleagues.all()), e.purpose, e.receipt_no,
                str(statuses[e.status]), e.over_limit, e.reason,
                str(e.decided_by or ""), e.decision_note, str(e.created_by),
            ]  # fmt: skip
        yield Emphasis([_("合计（不含已驳回）"), "", "", float(total)])

    def named(rows):
        for *names, n, amount in rows:
            yield [*names, n, float(amount or 0)]

    people = _grouped(qs, "contacts__hospital__name", "contacts__name", "contacts__title")
    people_rows = ([h, name, title, n, float(amount or 0)] for h, name, title, n, amount in people)
    managers = _grouped(qs, "created_by__username", "created_by__name")
    manager_rows = (
        [User.label(name or "", "", "", username), n, float(amount or 0)]
        for username, name, n, amount in managers
    )
    sheets = [
        (
            _("台账明细"),
            [
                Column(_("日期"), 12, "yyyy-mm-dd"),
                Column(_("医院"), 26),
                Column(_("类别"), 10),
                Column(_("金额"), 12, MONEY),
                Column(_("人均"), 12, MONEY),
                Column(_("对方人员"), 20, wrap=True),
                Column(_("本方人员"), 16, wrap=True),
                Column(_("事由"), 30, wrap=True),
                Column(_("票据号"), 14),
                Column(_("状态"), 12),
                Column(_("超出的限额"), 30, wrap=True),
                Column(_("超限理由"), 24, wrap=True),
                Column(_("审批人"), 10),
                Column(_("审批意见"), 20, wrap=True),
                Column(_("登记人"), 10),
            ],  # fmt: skip
            entry_rows(),
        ),
        (
            _("按医院"),
            [Column(_("医院"), 30), Column(_("笔数"), 8), Column(_("金额"), 14, MONEY)],
            named(_grouped(qs, "hospital__name")),
        ),
        (
            _("按对方人员"),
            [
                Column(_("医院"), 26),
                Column(_("姓名"), 12),
                Column(_("职务"), 14),
                Column(_("笔数"), 8),
                Column(_("金额（整笔）"), 14, MONEY),
            ],  # fmt: skip
            people_rows,
        ),
        (
            _("按登记人"),
            [Column(_("登记人"), 14), Column(_("笔数"), 8), Column(_("金额"), 14, MONEY)],
            manager_rows,
        ),
    ]
    return {
        "title": _("合规台账"),
        "subtitle": _("期间：%(period)s · 导出于 %(at)s")
        % {"period": period, "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        "sheets": sheets,
    }
