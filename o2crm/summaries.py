"""Summaries kept by the writers: the one mechanism behind the national pages (decision 0029).

A report declares a `Summary` in its own module: the source rows (a queryset), the path to
their owner and province, a day and a key to group on, and up to four measures (n, a, b, c).
Its cells are `Tally` rows at three levels: per owner (level 0), per team (1) and for
everyone (2). When rows change, the code that changed them says whose: `changed(model,
owners)` (or, for a plain `save()`/`delete()` of a source model, the signals registered here
say it for them). For those owners the level-0 cells are recomputed from the source — a
GROUP BY over one owner's rows — and the difference from the cells they replace is added to
the team's and everyone's cells. So a follow-up logged late, a stage moved back, a handover
or a deletion cannot leave a summary wrong: nothing is counted by hand, only recomputed and
differenced. `check()` recomputes every cell from the rows and lists what differs
(`manage.py check_summaries`); `rebuild()` rewrites a topic whole (the generator, a change
of settings that every row depends on).

Reading: `cells(topic, user, ...)` gives the cells the user may see at the cheapest level —
everyone's for those who see everything, a team's for a team, the owners' otherwise — by
the same rule as every row (decision 0003: owners the user oversees, or all); a summary by
province also keeps its cells summed over the provinces (`ALL_PROVINCES`), read when no
province is asked, so a national page reads one cell where it would sum thirty-four.

As of today: a summary whose rows depend on the date (is a project behind on contact today?
which class is it in today?) says `as_of_today`; its `rows(today)` take the day and its
cells carry it as their day. The first reader of a day (or the scheduled job just after
midnight) builds the day's cells whole from the rows, the writers keep them from then on as
any other; a change of the rules every row depends on (`outdated()`) has the next reader
build them again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import F, Sum, Value
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from django_tasks import task

from .jobs import scheduled
from .models import NO_DAY, Tally

MEASURES = ("n", "a", "b", "c")
ALL_PROVINCES = "*"  # the cells summed over the provinces, for a page that asks for none
ZERO = Decimal(0)
NONE_DAY = date.fromisoformat(NO_DAY)

Owners = Callable[[Any], Iterable[int | None]]


@dataclass(frozen=True)
class Summary:
    """What a report keeps: `rows()` the source; `owner` and `province` paths from a source
    row (province "" for none); `day` and `key` expressions or paths (None for none);
    `measures` the aggregates stored in n, a, b, c; `sources` each model whose writes change
    it, with the owners a changed instance touches (its own owner if not given).
    `as_of_today`: `rows(today)` depend on the day, which is the cells' day (no `day`)."""

    topic: str
    rows: Callable[..., models.QuerySet]
    measures: Mapping[str, Any]
    owner: str = "owner_id"
    province: str | None = None
    day: Any = None
    key: Any = None
    sources: Mapping[type[models.Model], Owners | None] = field(default_factory=dict)
    as_of_today: bool = False


_SUMMARIES: dict[str, Summary] = {}


def register(summary: Summary) -> Summary:
    """Keep `summary` from now on: its sources' saves and deletions recompute it."""
    _SUMMARIES[summary.topic] = summary
    for model in summary.sources:
        uid = f"summaries-{model._meta.label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
        post_save.connect(_after_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(_before_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_after_delete, sender=model, dispatch_uid=uid)
    return summary


def summaries() -> dict[str, Summary]:
    return dict(_SUMMARIES)


def _owners_of(summary: Summary, model: type[models.Model], instance: Any) -> set[int | None]:
    touched = summary.sources.get(model)
    return set(touched(instance)) if touched else {instance.owner_id}


def _depending(model: type[models.Model]) -> list[Summary]:
    return [s for s in _SUMMARIES.values() if model in s.sources]


_PAUSED: ContextVar[bool] = ContextVar("summaries_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """Writes inside keep no summary: for a bulk loader that rebuilds them all after it
    (`rebuild_all`), as the generator does."""
    token = _PAUSED.set(True)
    try:
        yield
    finally:
        _PAUSED.reset(token)


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    """The owners the row counts for in the database before this save or deletion (an owner
    or a hospital may change; the instance in hand may be older than the row)."""
    if raw or instance.pk is None or _PAUSED.get():
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    if old is not None:
        instance._summary_owners_before = {
            s.topic: _owners_of(s, sender, old) for s in _depending(sender)
        }


def _after_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or _PAUSED.get():
        return
    before = getattr(instance, "_summary_owners_before", {})
    _refresh(
        {
            s.topic: _owners_of(s, sender, instance) | before.get(s.topic, set())
            for s in _depending(sender)
        }
    )


def _after_delete(sender, instance, **kwargs) -> None:
    if _PAUSED.get():
        return
    before = getattr(instance, "_summary_owners_before", {})
    _refresh(
        {
            s.topic: _owners_of(s, sender, instance) | before.get(s.topic, set())
            for s in _depending(sender)
        }
    )


def changed(model: type[models.Model] | None, owners: Iterable[int | None]) -> None:
    """Rows of `model` owned (or formerly owned) by `owners` changed without a `save()` (an
    UPDATE, a bulk insert): recompute what depends on them. `model` None: every summary (a
    person moved to another team)."""
    owners = set(owners)
    if owners:
        _refresh(
            {s.topic: owners for s in (_SUMMARIES.values() if model is None else _depending(model))}
        )


def saved(
    model: type[models.Model], rows: Iterable[Any], owners: Iterable[int | None] = ()
) -> None:
    """Rows of `model` written in bulk (no `save()`, so no signal): recompute what depends on
    them for the owners they count for now, and `owners` (those they counted for before)."""
    rows = list(rows)
    work = {}
    for s in _depending(model):
        work[s.topic] = set(owners)
        for row in rows:
            work[s.topic] |= _owners_of(s, model, row)
    _refresh(work)


def _team_before(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    instance._summary_team_before = (
        sender._default_manager.filter(pk=instance.pk).values_list("team_id", flat=True).first()
    )


def _team_after(sender, instance, created=False, raw=False, **kwargs) -> None:
    """A person moved to another team: their cells move from one team's to the other's."""
    if raw or created or not _SUMMARIES:
        return
    if getattr(instance, "_summary_team_before", None) != getattr(instance, "team_id", None):
        changed(None, [instance.pk])


pre_save.connect(_team_before, sender=settings.AUTH_USER_MODEL, dispatch_uid="summaries-team")
post_save.connect(_team_after, sender=settings.AUTH_USER_MODEL, dispatch_uid="summaries-team")


# Computing ----------------------------------------------------------------------------------

Cell = tuple[int, int, str, date, str]  # owner, team, province, day, key


def _expression(value: Any) -> Any:
    if value is None:
        return Value("")
    return F(value) if isinstance(value, str) else value


def _computed(
    summary: Summary,
    owners: set[int | None] | None,
    teams: Mapping[int, int] | None = None,
    today: date | None = None,
) -> dict[Cell, list]:
    """Level-0 cells from the source rows, for `owners` (None: everyone); `teams` the
    owners' teams when the caller has read them; `today` the day of an as-of-today one."""
    if summary.as_of_today:
        qs = summary.rows(today)
        day: Any = Value(today, output_field=models.DateField())
    else:
        qs = summary.rows()
        day = _expression(summary.day) if summary.day is not None else Value(NONE_DAY)
    if owners is not None:
        ids = sorted(o for o in owners if o is not None)
        condition = models.Q(**{f"{summary.owner}__in": ids})
        if None in owners or 0 in owners:
            condition |= models.Q(**{f"{summary.owner}__isnull": True})
        qs = qs.filter(condition)
    grouped = (
        qs.order_by()
        .annotate(
            _owner=F(summary.owner),
            _province=_expression(summary.province),
            _day=day,
            _key=_expression(summary.key),
        )
        .values("_owner", "_province", "_day", "_key")
        .annotate(**{f"_{m}": agg for m, agg in summary.measures.items()})
    )
    out: dict[Cell, list] = {}
    rows = list(grouped)
    if teams is None:
        teams = _teams({r["_owner"] for r in rows if r["_owner"]})
    for r in rows:
        owner = r["_owner"] or 0
        day = r["_day"]
        if isinstance(day, str):  # SQLite hands back text for a computed date
            day = date.fromisoformat(day[:10])
        cell = (owner, teams.get(owner, 0), r["_province"] or "", day, str(r["_key"] or ""))
        out[cell] = [r.get(f"_{m}") or (0 if m == "n" else ZERO) for m in MEASURES]
    if summary.province is not None:  # and every province together, read when none is asked
        for (owner, team, _province, day, key), values in list(out.items()):
            _add_into(out, (owner, team, ALL_PROVINCES, day, key), values)
    return out


def _add_into(cells: dict, cell: Any, values: list, sign: int = 1) -> None:
    """Add `values` (times `sign`) to `cells[cell]`, a cell of zeros if there is none yet."""
    into = cells.setdefault(cell, [0, ZERO, ZERO, ZERO])
    for i, v in enumerate(values):
        into[i] += sign * v


def _teams(owners: Iterable[int]) -> dict[int, int]:
    ids = sorted(owners)
    if not ids:
        return {}
    return {
        pk: team or 0
        for pk, team in get_user_model().objects.filter(pk__in=ids).values_list("pk", "team_id")
    }


def _stored(topic: str, owners: set[int | None] | None, today: date | None) -> dict[Cell, list]:
    qs = Tally.objects.filter(topic=topic, level=Tally.OWNER)
    if today is not None:
        qs = qs.filter(day=today)
    if owners is not None:
        qs = qs.filter(owner__in=sorted({o or 0 for o in owners}))
    return {
        (t.owner, t.team, t.province, t.day, t.key): [t.n, t.a, t.b, t.c]
        for t in qs.only("owner", "team", "province", "day", "key", *MEASURES)
    }


def _rolled_up(cells: Mapping[Cell, list]) -> dict[tuple[int, int, str, date, str], list]:
    """Level-1 and level-2 cells (as (level, team, province, day, key)) of level-0 cells."""
    out: dict[tuple[int, int, str, date, str], list] = {}
    for (_owner, team, province, day, key), values in cells.items():
        for level, team_of in ((Tally.TEAM, team), (Tally.EVERYONE, 0)):
            _add_into(out, (level, team_of, province, day, key), values)
    return out


def refresh(topic: str, owners: Iterable[int | None]) -> None:
    """Recompute `topic`'s cells for `owners` and move the team and national cells by the
    difference."""
    _refresh({topic: set(owners)})


@transaction.atomic
def _refresh(work: Mapping[str, set[int | None]]) -> None:
    """`refresh` for several topics at once (every summary one write moves): the owners'
    user rows are locked first, all of them, in id order, so two writers for one owner take
    turns and never count a change twice; their teams are read once."""
    if _PAUSED.get():
        return
    work = {topic: owners for topic, owners in work.items() if owners}
    ids = sorted({o for owners in work.values() for o in owners if o})
    if not work:
        return
    teams = {}
    if ids:
        _writers_turn()
        teams = {
            pk: team or 0
            for pk, team in get_user_model()
            .objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", "team_id")
        }
    for topic, owners in work.items():
        _refresh_topic(topic, owners, teams)


def _refresh_topic(topic: str, owners: set[int | None], teams: Mapping[int, int]) -> None:
    summary = _SUMMARIES[topic]
    today = timezone.localdate() if summary.as_of_today else None
    if today is not None and not _built(topic, today):
        return  # the day's first reader builds it whole (after this write: it waits for it)
    new = _computed(summary, owners, teams, today)
    old = _stored(topic, owners, today)
    if new == old:
        return
    delta = _rolled_up(new)
    for cell, values in _rolled_up(old).items():
        _add_into(delta, cell, values, sign=-1)
    Tally.objects.filter(
        topic=topic, level=Tally.OWNER, owner__in=sorted({o or 0 for o in owners})
    ).delete()
    Tally.objects.bulk_create(
        Tally(
            topic=topic,
            level=Tally.OWNER,
            owner=owner,
            team=team,
            province=province,
            day=day,
            key=key,
            **dict(zip(MEASURES, values, strict=True)),
        )
        for (owner, team, province, day, key), values in new.items()
    )
    _add(topic, {cell: v for cell, v in delta.items() if any(v)})


def _add(topic: str, delta: Mapping[tuple[int, int, str, date, str], list]) -> None:
    """Add `delta` to the team and national cells: one INSERT … ON CONFLICT DO UPDATE (both
    SQLite and PostgreSQL), in key order so concurrent writers lock rows in the same order."""
    if not delta:
        return
    table = connection.ops.quote_name(Tally._meta.db_table)
    columns = "topic, level, owner, team, province, day, key, n, a, b, c"
    rows = sorted(delta.items())
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values = ", ".join(["(%s, %s, 0, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        params: list[Any] = []
        for (level, team, province, day, key), v in chunk:
            params += [topic, level, team, province, day, key, *v]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "
                "ON CONFLICT (topic, level, owner, team, province, day, key) DO UPDATE SET "
                + ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in MEASURES),
                params,
            )


@transaction.atomic
def rebuild(topic: str) -> int:
    """Rewrite `topic` whole from the source rows (an as-of-today one: for today, every
    person's row locked first, so no write of the rows falls between the reading and the
    writing); returns the number of cells."""
    summary = _SUMMARIES[topic]
    today = None
    if summary.as_of_today:
        today = timezone.localdate()
        _lock_everyone()
    new = _computed(summary, None, today=today)
    Tally.objects.filter(topic=topic).delete()
    cells = [
        Tally(topic=topic, level=Tally.OWNER, owner=o, team=t, province=p, day=d, key=k,
              **dict(zip(MEASURES, v, strict=True)))
        for (o, t, p, d, k), v in new.items()
    ] + [
        Tally(topic=topic, level=level, team=t, province=p, day=d, key=k,
              **dict(zip(MEASURES, v, strict=True)))
        for (level, t, p, d, k), v in _rolled_up(new).items()
    ]  # fmt: skip
    Tally.objects.bulk_create(cells, batch_size=2000)
    return len(cells)


def rebuild_all() -> dict[str, int]:
    return {topic: rebuild(topic) for topic in _SUMMARIES}


def _built(topic: str, today: date) -> bool:
    """An as-of-today topic has its day's cells (its national cells, or the marker of a day
    with no rows)."""
    return Tally.objects.filter(topic=topic, level=Tally.EVERYONE, day=today).exists()


# The day's builder and the writers (PostgreSQL): a writer may lock one person, then another
# of a lower id in the same transaction (a handover), so a builder locking everyone in id
# order could hold the second while waiting for the first. Writers share this advisory lock
# for their transaction; the builder takes it alone before it locks anyone, so it waits for
# the writers under way to finish and none of them waits for it. (SQLite: one writer at a
# time already.)
_BUILD_LOCK = 0x02C2_0029


def _writers_turn(alone: bool = False) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            kind = "" if alone else "_shared"
            cursor.execute(f"SELECT pg_advisory_xact_lock{kind}(%s)", [_BUILD_LOCK])


def _lock_everyone() -> None:
    """Every person's row, in id order (the order every writer locks its owners in), once
    the writers under way are done (`_BUILD_LOCK`)."""
    _writers_turn(alone=True)
    list(get_user_model().objects.select_for_update().order_by("pk").values_list("pk"))


def _today(topic: str) -> date:
    """The day an as-of-today topic's cells are read for, built first if they are not yet
    (once: a second builder waits for the first's locks, then finds them built)."""
    today = timezone.localdate()
    if not _built(topic, today):
        with transaction.atomic():
            _lock_everyone()
            if not _built(topic, today):  # not built by another while this one waited
                rebuild(topic)
                Tally.objects.get_or_create(
                    topic=topic,
                    level=Tally.EVERYONE,
                    owner=0,
                    team=0,
                    province="",
                    day=today,
                    key="",
                )  # the day is built even when no row counts
    return today


def outdated() -> None:
    """The rules every row of an as-of-today summary depends on changed (a cadence, the
    class A window): the next reader builds the day again."""
    for topic, summary in _SUMMARIES.items():
        if summary.as_of_today:
            Tally.objects.filter(topic=topic).delete()


@scheduled("1 0 * * *", name="summaries-of-the-day", late=timedelta(days=1))
@task()
def build_the_day(period: str) -> int:
    """Just after midnight: the as-of-today summaries built for the new day, so no reader
    waits for it."""
    return sum(1 for topic, s in _SUMMARIES.items() if s.as_of_today and _today(topic))


def build_missing(**kwargs) -> None:
    """After `migrate`: a topic with no cells yet (new, or a database from before it) is
    built from its rows, so an upgrade needs no step of its own."""
    kept = set(Tally.objects.values_list("topic", flat=True).distinct())
    for topic in _SUMMARIES:
        if topic not in kept:
            rebuild(topic)


def check(topics: Iterable[str] | None = None) -> list[str]:
    """Every cell recomputed from the rows and compared with the stored one; the differences
    as lines (empty: every summary equals the truth). Cells of zero are as good as none."""
    problems = []
    for topic in topics or _SUMMARIES:
        today = _today(topic) if _SUMMARIES[topic].as_of_today else None
        truth = _computed(_SUMMARIES[topic], None, today=today)
        expected = {(Tally.OWNER, o, t, p, d, k): v for (o, t, p, d, k), v in truth.items()}
        expected |= {(lv, 0, t, p, d, k): v for (lv, t, p, d, k), v in _rolled_up(truth).items()}
        stored = {
            (t.level, t.owner, t.team, t.province, t.day, t.key): [t.n, t.a, t.b, t.c]
            for t in Tally.objects.filter(topic=topic, **({"day": today} if today else {}))
        }
        for cell in sorted(set(expected) | set(stored), key=str):
            want = expected.get(cell, [0, ZERO, ZERO, ZERO])
            have = stored.get(cell, [0, ZERO, ZERO, ZERO])
            if [Decimal(v) for v in want] != [Decimal(v) for v in have]:
                problems.append(f"{topic} {cell}: stored {have}, rows say {want}")
    return problems


# Reading ------------------------------------------------------------------------------------


def cells(
    topic: str,
    user: Any,
    *,
    owner: int | None = None,
    team: int | None = None,
    province: str = "",
    by_owner: bool = False,
    by_team: bool = False,
) -> models.QuerySet[Tally]:
    """The cells of `topic` that `user` may see, narrowed to an owner, a team or a province,
    at the cheapest level that answers: everyone's cells for those who see everything (teams'
    with `team` or `by_team`), owners' cells otherwise or with `by_owner` (a per-manager
    table).
    The rule is the rows' own (decision 0003): the owners the user oversees, or everyone."""
    qs = Tally.objects.filter(topic=topic)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if not user.sees_all:
        qs = qs.filter(level=Tally.OWNER, owner__in=sorted(user.overseen_user_ids))
    elif owner or by_owner:
        qs = qs.filter(level=Tally.OWNER)
    elif team or by_team:
        qs = qs.filter(level=Tally.TEAM)
    else:
        qs = qs.filter(level=Tally.EVERYONE)
    if owner:
        qs = qs.filter(owner=owner)
    if team:
        qs = qs.filter(team=team)
    if _SUMMARIES[topic].province is not None:
        qs = qs.filter(province=province or ALL_PROVINCES)
    if _SUMMARIES[topic].as_of_today:
        qs = qs.filter(day=_today(topic))
    return qs


def totals(qs: models.QuerySet[Tally], *group: str) -> models.QuerySet:
    """`qs`'s cells summed over everything but `group` (e.g. "key", or "owner", "day")."""
    return qs.order_by().values(*group).annotate(**{m: Sum(m) for m in MEASURES})


def total(qs: models.QuerySet[Tally]) -> dict[str, Any]:
    """`qs`'s cells summed into one (n as 0 and sums as 0 when there are none)."""
    sums = qs.aggregate(**{m: Sum(m) for m in MEASURES})
    return {m: sums[m] or (0 if m == "n" else ZERO) for m in MEASURES}


def counted(qs: models.QuerySet, topic: str, user: Any) -> models.QuerySet:
    """Mark `qs` as every row of `topic` that `user` may see, unfiltered, so that a page's
    total is the `n` of the cells the user may see instead of a COUNT over the table (the
    API's national lists: `o2crm.params.Pages`). The topic's owner path must be the rows'
    visibility path, and its `n` a count of its rows."""
    qs._counted_by = (topic, user)  # type: ignore[attr-defined]
    return qs


def count_of(qs: models.QuerySet) -> int | None:
    """The count `counted` promised for `qs` (None when it was not marked)."""
    marked = getattr(qs, "_counted_by", None)
    if marked is None:
        return None
    return int(total(cells(*marked))["n"])
