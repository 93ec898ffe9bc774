"""What the pages and the API read of placements, each in a fixed number of queries: a
contract's comparison with its proposal, the receivables ageing, and the portfolio (the
director's view, and the evidence the economics settings page shows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth, ExtractYear

from accounts.models import Team, User
from hospitals.models import Hospital
from o2crm import summaries
from pipeline.counts import owner_of_project
from pipeline.models import Project, Status
from proposals.models import EconomicsSettings, Proposal, State

from . import domain
from .models import OPEN_RECEIVABLE, Contract, Payment, Reading, Statement

MONEY = DecimalField(max_digits=16, decimal_places=2)


def comparison(contract: Contract) -> domain.Comparison | None:
    """The contract against its proposal (None before acceptance)."""
    if contract.accepted_on is None:
        return None
    actuals = [
        domain.Actual(
            month,
            float(volume),
            float(amount),
            None if energy is None else float(energy),
            None if om is None else float(om),
        )
        for month, volume, amount, energy, om in contract.statements.order_by("month").values_list(
            "month", "volume_nm3", "amount", "energy_cost", "om_cost"
        )
    ]
    return domain.compare(
        contract.proposal.results,
        contract.accepted_on,
        float(contract.minimum_monthly_m3),
        actuals,
    )


# Receivables ageing ---------------------------------------------------------------------------


def _in_bucket(today: date, low: int, high: int | None) -> Q:
    """Invoiced `low` to `high` days before today (high None: or earlier)."""
    q = Q(invoiced_on__lte=today - timedelta(days=low))
    if high is not None:
        q &= Q(invoiced_on__gte=today - timedelta(days=high))
    return q


def bucket_sums(today: date) -> dict[str, Sum]:
    """Σ open balance per ageing bucket (days since invoicing) and overdue, in SQL."""
    out: dict[str, Sum] = {}
    balance = F("amount") - F("paid")
    for i, (low, high) in enumerate(domain.AGEING_BUCKETS):
        out[f"b{i}"] = Sum(balance, filter=_in_bucket(today, low, high), output_field=MONEY)
    out["total"] = Sum(balance, output_field=MONEY)
    out["overdue"] = Sum(balance, filter=Q(due_on__lt=today), output_field=MONEY)
    out["n"] = Count("pk")
    return out


# what each grouping of the receivables groups on, and the model and fields that name a group
GROUPS = {
    "hospital": ("contract__hospital_id", Hospital, ("name",)),
    "manager": ("contract__project__owner_id", User, User.LABEL_FIELDS),
    "team": ("contract__project__owner__team_id", Team, ("name",)),
}


def receivables(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    return statements.filter(status__in=OPEN_RECEIVABLE)


def ageing(statements: QuerySet[Statement], today: date, by: str) -> QuerySet:
    """Open receivables grouped by hospital, manager or team, largest overdue first: rows of
    `key` (the group's id, None for no team) and the sums. Grouped on the id alone: joining
    the names grouped every open statement with the 40,000 hospitals' names; `name_groups`
    names a page of them."""
    return (
        receivables(statements)
        .order_by()
        .values(key=F(GROUPS[by][0]))
        .annotate(**bucket_sums(today))
        .order_by(F("overdue").desc(nulls_last=True), F("total").desc(), "key")
    )


def name_groups(rows: list[dict], by: str) -> list[dict]:
    """The ageing rows of a page with their `name` (a hospital, a person or a team; None for
    statements of no manager or team): one query for the page."""
    ids = [r["key"] for r in rows if r["key"] is not None]
    _path, model, fields = GROUPS[by]
    names = {pk: str(obj) for pk, obj in model.objects.only(*fields).in_bulk(ids).items()}
    return [{**r, "name": names.get(r["key"])} for r in rows]


def ageing_totals(statements: QuerySet[Statement], today: date) -> dict:
    return receivables(statements).order_by().aggregate(**bucket_sums(today))


# Portfolio --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """The portfolio's actual figures against the settings' assumptions."""

    placements: int
    volume_ratio: float | None  # actual / proposed volume, all billing placements
    growth: float | None  # last 12 months over the 12 before (placements billing 24 months)
    growth_assumed: float
    growth_basis: int  # placements in the growth figure
    om_share: float | None  # recorded O&M a year over capex
    om_assumed: float
    om_basis: int
    realised_price: float | None  # Σ amount / Σ volume: what placed plants really earn a m³


def owners_of_statement(row: Statement | Reading) -> list[int]:
    """Whose a statement's (or a reading's) rows are: its contract's project's owner."""
    return list(
        Contract.objects.filter(pk=row.contract_id).values_list("project__owner_id", flat=True)
    )


def accepted_month(month: date) -> str:
    """The key of the placements accepted in `month` ("202412"): six digits, so that keys
    compare as the months do."""
    return f"{month.year * 100 + month.month}"


# The billed volume of accepted placements per owner, statement month and month of acceptance:
# the portfolio's growth (the last 12 months over the 12 before, placements billing 24 months)
# reads two sums of the company's cells instead of 24 months of every placement's statements.
VOLUMES = summaries.register(
    summaries.Summary(
        topic="placement-volumes",
        rows=lambda: Statement.objects.filter(contract__accepted_on__isnull=False),
        owner="contract__project__owner_id",
        day="month",
        key=ExtractYear("contract__accepted_on") * 100 + ExtractMonth("contract__accepted_on"),
        measures={"n": Count("*"), "a": Sum("volume_nm3")},
        sources={Statement: owners_of_statement, Contract: owner_of_project, Project: None},
    )
)


def owners_of_payment(payment: Payment) -> list[int]:
    """Whose a payment is: its statement's contract's project's owner."""
    return list(
        Statement.objects.filter(pk=payment.statement_id).values_list(
            "contract__project__owner_id", flat=True
        )
    )


# The rows of the API's national lists, counted (`summaries.counted`): their page totals read
# the director's one cell instead of counting 600,000 statements or payments.
STATEMENTS, PAYMENTS, READINGS = (
    summaries.register(
        summaries.Summary(
            topic=topic,
            rows=lambda model=model: model.objects.all(),
            owner=owner,
            measures={"n": Count("*")},
            sources={model: owners, Project: None},
        )
    )
    for topic, model, owner, owners in (
        ("statements", Statement, "contract__project__owner_id", owners_of_statement),
        ("payments", Payment, "statement__contract__project__owner_id", owners_of_payment),
        ("readings", Reading, "contract__project__owner_id", owners_of_statement),
    )
)


def _ageing_rows(today: date) -> QuerySet[Statement]:
    """The open receivables with their ageing bucket ("0" … "3"; "" for one not invoiced
    yet) and, overdue today, their balance and a one."""
    balance = F("amount") - F("paid")
    late = Q(due_on__lt=today)
    return receivables(Statement.objects.all()).annotate(
        bucket=Case(
            *(
                When(_in_bucket(today, low, high), then=Value(str(i)))
                for i, (low, high) in enumerate(domain.AGEING_BUCKETS)
            ),
            default=Value(""),
            output_field=CharField(),
        ),
        late_balance=Case(When(late, then=balance), default=Value(0), output_field=MONEY),
        late=Case(When(late, then=Value(1)), default=Value(0), output_field=IntegerField()),
    )


# The open receivables per owner and ageing bucket, as of today (decision 0029): 应收账龄 by
# manager and by team and its totals read the cells (the day's first reader builds them; the
# statements' saves, a payment's among them, keep them); by hospital groups the statements.
AGEING = summaries.register(
    summaries.Summary(
        topic="receivables-ageing",
        rows=_ageing_rows,
        owner="contract__project__owner_id",
        key="bucket",
        measures={
            "n": Count("*"),
            "a": Sum(F("amount") - F("paid"), output_field=MONEY),
            "b": Sum("late_balance"),
            "c": Sum("late"),
        },
        sources={Statement: owners_of_statement, Contract: owner_of_project, Project: None},
        as_of_today=True,
    )
)


def _from_cells(rows) -> dict:
    """Ageing sums of the cells `rows` (one per bucket key): the rows' shape of
    `bucket_sums`, a bucket with no statement and no overdue one as None, as SQL says it."""
    out: dict = {f"b{i}": None for i in range(len(domain.AGEING_BUCKETS))}
    out.update(total=None, overdue=None, n=0)
    for r in rows:
        out["n"] += r["n"]
        out["total"] = (out["total"] or Decimal(0)) + r["a"]
        if r["key"]:
            out[f"b{r['key']}"] = (out[f"b{r['key']}"] or Decimal(0)) + r["a"]
        if r["c"]:
            out["overdue"] = (out["overdue"] or Decimal(0)) + r["b"]
    return out


def kept_ageing(user: User, by: str) -> list[dict]:
    """`ageing` by manager or team for everything `user` may see, from the summary: rows of
    `key` (None for no team) and the sums, largest overdue first."""
    group = "owner" if by == "manager" else "team"
    cells = summaries.cells(AGEING.topic, user, by_owner=by == "manager", by_team=by == "team")
    groups: dict[int, list] = {}
    for r in summaries.totals(cells, group, "key"):
        if r["n"]:
            groups.setdefault(r[group], []).append(r)
    rows = [{"key": key or None, **_from_cells(cells)} for key, cells in groups.items()]
    return sorted(
        rows,
        key=lambda r: (
            r["overdue"] is None,
            -(r["overdue"] or 0),
            -r["total"],
            r["key"] is None,
            r["key"] or 0,
        ),
    )


def kept_ageing_totals(user: User) -> dict:
    """`ageing_totals` of everything `user` may see, from the summary."""
    cells = summaries.cells(AGEING.topic, user)
    return _from_cells(r for r in summaries.totals(cells, "key") if r["n"])


def evidence(user: User, today: date) -> Evidence:
    """Four small aggregates of what `user` may see: the contracts' running totals, the
    volumes of the last 24 months of the mature ones (from the summary), the months with O&M
    recorded (the partial index `statement_costs`) and their capex."""
    contracts = Contract.objects.visible_to(user)
    settings = EconomicsSettings.current().values
    billing = contracts.exclude(accepted_on__isnull=True)
    totals = billing.aggregate(
        n=Count("pk"),
        volume=Sum("volume_to_date"),
        planned=Sum("planned_to_date"),
        revenue=Sum("revenue_to_date"),
    )
    this_year = domain.add_months(today, -12)
    year_before = domain.add_months(today, -24)
    month = domain.first_of_month(today)
    mature = billing.filter(accepted_on__lt=year_before)
    g = (
        summaries.cells(VOLUMES.topic, user)
        .filter(key__lt=accepted_month(year_before), day__gte=year_before, day__lt=month)
        .aggregate(
            now=Sum("a", filter=Q(day__gte=this_year)), before=Sum("a", filter=Q(day__lt=this_year))
        )
    )
    recorded = Statement.objects.filter(
        contract__in=billing.values("pk"),
        om_cost__isnull=False,
        month__gte=this_year,
        month__lt=month,
    )
    om = recorded.aggregate(
        om=Sum("om_cost"), months=Count("pk"), n=Count("contract", distinct=True)
    )
    om_share = None
    if om["months"]:
        capex = contracts.filter(pk__in=recorded.values("contract")).aggregate(c=Sum("capex"))
        if capex["c"]:
            # a year's O&M: the recorded months' average × 12, over the capex of those placements
            per_year = float(om["om"]) / om["months"] * 12 * om["n"]
            om_share = per_year / float(capex["c"])
    return Evidence(
        placements=totals["n"] or 0,
        volume_ratio=float(totals["volume"] / totals["planned"]) if totals["planned"] else None,
        growth=float(g["now"] / g["before"] - 1) if g["now"] and g["before"] else None,
        growth_assumed=float(settings.get("growth", 0)),
        growth_basis=mature.count() if g["before"] else 0,
        om_share=om_share,
        om_assumed=float(settings.get("om_rate", 0)),
        om_basis=om["n"] or 0,
        realised_price=float(totals["revenue"] / totals["volume"]) if totals["volume"] else None,
    )


def ratio_bands(contracts: QuerySet[Contract]) -> dict:
    """How many billing placements run below 80 %, 80–100 %, at or above their proposal."""
    billing = contracts.filter(planned_to_date__gt=0)
    band = Case(
        When(volume_to_date__lt=F("planned_to_date") * Decimal("0.8"), then=Value(0)),
        When(volume_to_date__lt=F("planned_to_date"), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    rows = billing.order_by().annotate(band=band).values("band").annotate(n=Count("pk"))
    counts = {r["band"]: r["n"] for r in rows}
    return {"low": counts.get(0, 0), "mid": counts.get(1, 0), "high": counts.get(2, 0)}


def open_proposals(user) -> QuerySet[Proposal]:
    """The pipeline's live proposals (their prices and floors against what plants earn)."""
    return (
        Proposal.objects.visible_to(user)
        .filter(
            superseded=False,
            state__in=[State.PENDING, State.APPROVED, State.SENT],
            project__status=Status.OPEN,
        )
        .select_related("project__hospital")
        .order_by("-created_at", "-pk")
    )
