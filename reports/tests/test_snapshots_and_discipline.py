"""Weekly forecast snapshots and the forecast-vs-won comparison; contact discipline; the
funnel picture in the workbook; the 工作台 per role."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from o2crm import summaries
from o2crm.dates import midnight, week_start
from pipeline import contact_clocks, services
from pipeline import services as pipeline_services
from pipeline.models import ForecastSnapshot, ForecastSnapshotRow, PipelineSettings, Project
from pipeline.services import take_forecast_snapshot
from pipeline.tests.factories import stage
from reports import discipline as discipline_report
from reports import forecast as forecast_report
from reports.discipline import WORST, Route, route_for
from reports.scope import Scope, whole_months

from .test_weekly import at, contact, make, move

pytestmark = pytest.mark.django_db


# 成单预测周快照 ---------------------------------------------------------------------------


def test_the_first_change_of_a_week_keeps_the_forecast_as_the_week_began(alice):
    soon = timezone.localdate() + timedelta(days=40)
    p = make(alice, "杭州市第一人民医院", timezone.localdate() - timedelta(days=30))
    Project.objects.filter(pk=p.pk).update(planned_purchase_date=soon, contract_value=2_000_000)
    ForecastSnapshot.objects.all().delete()  # as if the week had just begun
    p.refresh_from_db()
    move(p, "proposal", timezone.localdate())  # 信息收集 10 % → 方案建议 50 %
    snapshot = ForecastSnapshot.objects.get()
    assert snapshot.week_start == week_start(timezone.localdate())
    row = ForecastSnapshotRow.objects.get(snapshot=snapshot)
    assert (row.owner, row.month, row.count) == (alice, soon.replace(day=1), 1)
    assert row.weighted == Decimal("200000.00")  # before the move: 10 % of 2,000,000
    # later changes the same week leave it alone
    services.move_stage(project=p, stage=stage("negotiation"), by=alice)
    assert ForecastSnapshot.objects.count() == 1
    assert ForecastSnapshotRow.objects.get().weighted == Decimal("200000.00")


def test_a_past_week_is_rebuilt_from_the_stage_history(alice):
    today = timezone.localdate()
    p = make(alice, "杭州市第一人民医院", today - timedelta(days=120), contract_value=1_000_000)
    move(p, "proposal", today - timedelta(days=10))
    monday = week_start(today - timedelta(days=30))
    Project.objects.filter(pk=p.pk).update(planned_purchase_date=monday + timedelta(days=35))
    call_command("forecast_snapshot", "--backfill", "5", stdout=io.StringIO())
    snapshot = ForecastSnapshot.objects.get(week_start=monday)
    assert snapshot.reconstructed
    row = snapshot.rows.get()
    assert row.weighted == Decimal("100000.00")  # a month ago it was still at 信息收集 (10 %)
    # a project created after that Monday is not in it
    make(alice, "宁波市第一医院", today - timedelta(days=3))
    assert snapshot.rows.count() == 1


def test_forecast_against_won_per_month_and_manager(as_user, alice, carol, director):
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    p = make(alice, "杭州市第一人民医院", last_month - timedelta(days=90), contract_value=4_000_000)
    move(p, "negotiation", last_month - timedelta(days=30))  # 70 %
    Project.objects.filter(pk=p.pk).update(planned_purchase_date=last_month + timedelta(days=10))
    q = make(carol, "温州市中心医院", last_month - timedelta(days=90), contract_value=1_000_000)
    Project.objects.filter(pk=q.pk).update(planned_purchase_date=last_month + timedelta(days=3))
    ForecastSnapshot.objects.all().delete()
    take_forecast_snapshot(monday=week_start(last_month), reconstruct=True)
    p.refresh_from_db()
    services.close_project(project=p, status="won", reason="", by=alice)
    Project.objects.filter(pk=p.pk).update(closed_at=at(last_month + timedelta(days=12)))
    summaries.changed(Project, {alice.pk})  # the test wrote past the services
    data = as_user(director).get("/api/v1/reports/forecast").json()["accuracy"]
    month = next(m for m in data["months"] if m["month"] == f"{last_month:%Y-%m}")
    assert Decimal(month["forecast"]) == 2_800_000 + 100_000  # 70 % of 4m, 10 % of 1m
    assert Decimal(month["won"]) == 4_000_000
    assert month["ratio"] == round(4_000_000 / 2_900_000, 4)
    managers = {m["owner"]: m for m in data["managers"]}
    assert Decimal(managers["carol"]["won"]) == 0 and managers["carol"]["ratio"] == 0
    # alice sees her own comparison only
    mine = as_user(alice).get("/api/v1/reports/forecast").json()["accuracy"]
    assert [m["owner"] for m in mine["managers"]] == ["alice"]


def test_the_page_lists_the_managers_furthest_off_and_the_json_pages_them(
    as_user, alice, bob, carol, director, monkeypatch
):
    """Won ÷ forecast per manager: alice 100 %, bob 0 %, carol 250 %. The page shows the
    furthest off first, only as many as it lists, and says how many there are; the JSON
    pages them in team and name order, and its pages add up to the workbook's list."""
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    ForecastSnapshot.objects.all().delete()
    snapshot = ForecastSnapshot.objects.create(week_start=week_start(last_month))
    for owner, won in ((alice, 1_000_000), (bob, 0), (carol, 2_500_000)):
        ForecastSnapshotRow.objects.create(
            snapshot=snapshot,
            owner=owner,
            month=last_month,
            count=1,
            value=2_000_000,
            weighted=1_000_000,
            committed=0,
        )
        if won:
            p = make(
                owner, f"{owner.name}的医院", last_month - timedelta(days=90), contract_value=won
            )
            services.close_project(project=p, status="won", reason="", by=owner)
            Project.objects.filter(pk=p.pk).update(closed_at=at(last_month + timedelta(days=5)))
            summaries.changed(Project, {owner.pk})  # the test wrote past the services
    monkeypatch.setattr("reports.views.MANAGERS_SHOWN", 2)
    page = as_user(director).get("/reports/forecast/").content.decode()
    listed = page[page.index('id="accuracy"') :]
    assert listed.index(carol.name) < listed.index(bob.name)  # 150 % off before 100 %
    assert alice.name not in listed  # spot on, and only two are listed
    assert "共 3 位销售经理，此处列出偏差最大的 2 位" in listed

    monkeypatch.setattr("reports.scope.MANAGERS_PAGE", 2)
    pages = [
        as_user(director).get(f"/api/v1/reports/forecast?page={n}").json()["accuracy"]
        for n in (1, 2)
    ]
    assert [p["managers_page"] for p in pages] == [
        {"number": 1, "pages": 2},
        {"number": 2, "pages": 2},
    ]
    assert {p["managers_count"] for p in pages} == {3}
    every = forecast_report.accuracy(director, Scope(start=this_month, end=this_month))
    assert [m["owner"] for p in pages for m in p["managers"]] == [
        m["owner"] for m in every["managers"]
    ]
    assert {m["owner"]: m["ratio"] for m in every["managers"]} == {
        "alice": 1.0,
        "bob": 0.0,
        "carol": 2.5,
    }


# 联络达标 -------------------------------------------------------------------------------------

TODAY = timezone.localdate()
END = TODAY
A_SOON, B_LATER = 40, 400  # days to the planned purchase: class A, class B


CASES = [
    # weekly, from before the period to its last days: kept
    (100, A_SOON, [33, 26, 19, 12, 5], True),
    # one gap of eight days in the middle
    (100, A_SOON, [33, 26, 18, 12, 5], False),
    # in time all along, but nothing in the last nine days
    (100, A_SOON, [30, 23, 16, 9], False),
    # silent for weeks before the period, then weekly from its first day: in time for it
    (100, A_SOON, [29, 22, 15, 8, 1], True),
    # silent for weeks before the period, then weekly: behind on its first day
    (100, A_SOON, [60, 26, 19, 12, 5], False),
    # created in the period: its clock starts then
    (10, A_SOON, [5], True),
    (3, A_SOON, [], True),
    (12, A_SOON, [], False),
    # class B: every 25 days is in time for a 30-day cadence
    (200, B_LATER, [40, 15], True),
    (200, B_LATER, [40], False),
]


@pytest.mark.parametrize(("created", "planned", "contacts", "kept"), CASES)
def test_kept_within_cadence(as_user, alice, created, planned, contacts, kept):
    p = make(alice, "杭州市第一人民医院", TODAY - timedelta(days=created))
    Project.objects.filter(pk=p.pk).update(planned_purchase_date=TODAY + timedelta(days=planned))
    for days_ago in sorted(contacts, reverse=True):
        contact(p, TODAY - timedelta(days=days_ago))
    contact(p, TODAY - timedelta(days=1), kind="relationship")
    data = as_user(alice).get("/api/v1/reports/discipline").json()  # the last 30 days
    cls = "A" if planned == A_SOON else "B"
    cells = data["managers"][0][cls]
    assert cells["projects"] == 1
    assert cells["business"] == int(kept)


def test_a_contact_logged_late_closes_the_gap_it_fills(alice):
    p = make(alice, "杭州市第一人民医院", TODAY - timedelta(days=100))
    contact(p, TODAY - timedelta(days=30))
    later = contact(p, TODAY - timedelta(days=10))
    assert later.gap_days == 20
    contact(p, TODAY - timedelta(days=18))  # remembered and logged afterwards
    later.refresh_from_db()
    assert later.gap_days == 8
    first = p.follow_ups.order_by("date").first()
    assert first.gap_days == 70  # from the project's creation


def test_the_newest_late_contact_follows_what_is_logged(alice):
    p = make(alice, "杭州市第一人民医院", TODAY - timedelta(days=100))
    contact(p, TODAY - timedelta(days=30))  # 70 days after the project began: late for A and B
    contact(p, TODAY - timedelta(days=16))  # 14 days: late for A only
    p.refresh_from_db()
    assert (p.late_business_a_on, p.late_business_b_on) == (
        TODAY - timedelta(days=16),
        TODAY - timedelta(days=30),
    )
    contact(p, TODAY - timedelta(days=23))  # logged afterwards: now 7 and 7 days
    p.refresh_from_db()
    assert p.late_business_a_on == TODAY - timedelta(days=30)
    assert p.late_relationship_a_on is None  # no relationship contact, so none late


def make_cases(owner) -> list[Project]:
    """A project per case of CASES, with its business contacts; relationship contacts on the
    same days but, every other case, the first one missing (a gap more)."""
    made = []
    for i, (created, planned, contacts, _kept) in enumerate(CASES):
        p = make(owner, f"第{i + 1}人民医院", TODAY - timedelta(days=created))
        Project.objects.filter(pk=p.pk).update(
            planned_purchase_date=TODAY + timedelta(days=planned)
        )
        for days_ago in sorted(contacts, reverse=True):
            contact(p, TODAY - timedelta(days=days_ago))
        for days_ago in sorted(contacts[i % 2 :], reverse=True):
            contact(p, TODAY - timedelta(days=days_ago), kind="relationship")
        made.append(p)
    return made


def same_by_every_route(user, scope, routes, worst=WORST) -> dict:
    """The report by each of `routes` (the default route first): all equal; the report."""
    chosen = discipline_report.discipline(user, scope, worst=worst)
    for route in routes:
        assert discipline_report.discipline(user, scope, route=route, worst=worst) == chosen, (
            route,
            scope,
        )
    return chosen


def test_the_current_period_reads_what_the_contacts_say(alice, director):
    """A period running to today is counted from each project's own dates (its contact
    clocks and newest late contacts); counted from the follow-ups themselves, as a past
    period is, every case gives the same answer, for either kind and any period start, and
    the same most overdue projects."""
    make_cases(alice)
    seen = set()
    for start in (TODAY - timedelta(days=29), TODAY - timedelta(days=6), TODAY - timedelta(60)):
        scope = Scope(start=start, end=TODAY)
        routes = [Route.COUNTRY, Route.PROJECTS]
        if start == TODAY - timedelta(days=29):  # the page's own period: its summary
            assert route_for(director, scope, TODAY) == Route.SUMMARY
            routes.append(Route.TODAY)
        else:
            assert route_for(director, scope, TODAY) == Route.TODAY
        # fewer than the late pairs shown: the cut is tested too
        data = same_by_every_route(director, scope, routes, worst=3)
        assert len(data["late_projects"]) == 3  # more late pairs than are shown
        seen.add(str(data["managers"]))
    assert len(seen) > 1  # the start matters: the cases are not all kept or all late


def test_the_most_overdue_never_contacted_are_cut_by_day_then_project(alice, director):
    """Projects never contacted count late from their start's day; several started on the same
    day at hours out of the projects' order, some contacted: the page's own period (read from
    the clocks' indexes) lists the same most overdue as the projects one by one."""
    hours = [15, 9, 11, 8, 20, 10]
    for i, hour in enumerate(hours):
        p = make(alice, f"第{i + 1}中心医院", TODAY - timedelta(days=90))
        started = timezone.localtime(p.created_at).replace(hour=hour)
        Project.objects.filter(pk=p.pk).update(created_at=started)
        if i % 3 == 2:  # contacted once, business only, long ago
            contact(p, TODAY - timedelta(days=80 + i))
    summaries.rebuild_all()
    scope = Scope(start=TODAY - timedelta(days=29), end=TODAY)
    for worst in (1, 2, 3, 5, 20):
        data = same_by_every_route(director, scope, [Route.TODAY, Route.PROJECTS], worst=worst)
        assert len(data["late_projects"]) == min(worst, 12)  # both kinds late for all six
        first = data["late_projects"][0]
        assert first["days_late"] >= 90 - 30  # started 90 days ago, a B cadence of at most 30


def test_a_past_end_gives_the_same_most_overdue_from_later_contacts_as_by_lookup(alice, director):
    """For the whole country the clocks at a past end are read from the contacts after it
    ("date minus gap" of the first one); elsewhere each project looks its clock up. Every
    case, contacts logged in order and one logged late, gives the same report both ways."""
    p = make_cases(alice)[-1]
    contact(p, TODAY - timedelta(days=50))  # logged late, before the others: gaps rewritten
    # A waited less than B but is later past due (weekly against monthly): ranked by the due
    # date, not by the clock, A comes first
    for name, planned, last in (("甲", A_SOON, 35), ("乙", B_LATER, 50)):
        p = make(alice, f"{name}县人民医院", TODAY - timedelta(days=100))
        Project.objects.filter(pk=p.pk).update(
            planned_purchase_date=TODAY + timedelta(days=planned)
        )
        for kind in ("business", "relationship"):
            contact(p, TODAY - timedelta(days=last), kind=kind)
            contact(p, TODAY - timedelta(days=2), kind=kind)
    lists = set()
    for worst in (1, 3, 100):
        for days_ago in (1, 4, 11, 20, 31, 45):
            end = TODAY - timedelta(days=days_ago)
            scope = Scope(start=end - timedelta(days=13), end=end)
            assert route_for(director, scope, TODAY) == Route.COUNTRY
            data = same_by_every_route(director, scope, [Route.PROJECTS], worst=worst)
            lists.add(tuple(r["days_late"] for r in data["late_projects"]))
    assert len(lists) > 3  # the ends differ: the comparison is not of empty lists


def test_whole_past_months_read_from_their_month_rows_as_from_the_contacts(alice, director):
    """联络达标 of months that have ended, for the whole country, reads each project's
    ContactMonth rows; the follow-ups themselves give the same counts and the same most
    overdue projects, for one month and for two, before and after a contact is logged late
    into a month already built. Contacts on a month's first day and last day included."""
    from pipeline.domain import add_months
    from pipeline.models import ContactMonth

    made = make_cases(alice)
    this_month = TODAY.replace(day=1)
    last, before = add_months(this_month, -1), add_months(this_month, -2)
    # closed during last month: out of it; closed today: still open at its end
    lost_then = midnight(last + timedelta(days=5))
    Project.objects.filter(pk=made[0].pk).update(status="lost", closed_at=lost_then)
    Project.objects.filter(pk=made[1].pk).update(status="won", closed_at=timezone.now())
    edges = make(alice, "边界人民医院", TODAY - timedelta(days=120))
    Project.objects.filter(pk=edges.pk).update(planned_purchase_date=TODAY + timedelta(days=A_SOON))
    for day in (before, add_months(last, 0) - timedelta(days=1), last, last + timedelta(days=9)):
        contact(edges, day)  # the first of a month after a long gap, a month's last day
        contact(edges, day, kind="relationship")
    # silent for months, then weekly from last month's first day to its last: kept in last
    # month (a period leaves out its first day's contacts), late over the two months
    first_day = make(alice, "首日人民医院", TODAY - timedelta(days=200))
    Project.objects.filter(pk=first_day.pk).update(
        planned_purchase_date=TODAY + timedelta(days=A_SOON)
    )
    for day in [last + timedelta(days=d) for d in (0, 6, 12, 18, 24)] + [
        this_month - timedelta(days=1)
    ]:
        contact(first_day, day)
        contact(first_day, day, kind="relationship")

    def both_ways(start, end):
        scope = Scope(start=start, end=end)
        # the follow-ups themselves, as for other periods: for the country and by project
        routes = [Route.COUNTRY, Route.PROJECTS]
        if start == last:  # last month alone: its summary, kept from the same month rows
            assert route_for(director, scope, TODAY) == Route.LAST_MONTH
            routes.append(Route.MONTHS)
        else:
            assert route_for(director, scope, TODAY) == Route.MONTHS, (start, end)
        data = same_by_every_route(director, scope, routes, worst=3)
        return data["managers"], data["late_projects"]

    periods = [(last, this_month - timedelta(days=1)), (before, this_month - timedelta(days=1))]
    seen = [both_ways(*period) for period in periods]
    existed = Project.objects.filter(created_at__lt=midnight(this_month))
    assert ContactMonth.objects.filter(month=last).count() == existed.count() > 0
    # logged late into a month already built: its rows follow, and the answers with them
    worst = Project.objects.get(pk=seen[0][1][0]["project"])  # last month's most overdue
    for kind in ("business", "relationship"):
        contact(worst, this_month - timedelta(days=1), kind=kind)  # on its last day after all
    contact(edges, last + timedelta(days=20))
    after = [both_ways(*period) for period in periods]
    assert after != seen  # the late contacts changed something the comparison covers
    assert whole_months(last, this_month + timedelta(days=3)) == []  # not ended
    assert whole_months(last + timedelta(days=1), this_month - timedelta(days=1)) == []


def test_a_period_that_ended_reads_the_contacts_up_to_its_end(as_user, alice, discipline):
    kept, late = discipline  # carol's project: one contact 21 days ago, then silence
    end = TODAY - timedelta(days=10)
    data = as_user(alice).get(f"/api/v1/reports/discipline?end={end}").json()
    assert data["scope"]["end"] == end.isoformat()
    # alice's: contacted every five days, the last 10 days ago — in time at that end
    assert data["managers"][0]["A"]["business"] == 1
    director_view = as_user(late.owner).get(f"/reports/discipline/?end={end}")
    assert director_view.status_code == 200
    rows = director_view.context["data"]["late_projects"]
    business = next(r for r in rows if r["kind"] == "业务联络")
    assert business["days_late"] == (21 - 10) - 7  # its clock as it stood at that end


def test_a_clock_that_moved_after_the_period_is_read_back_to_its_end(as_user, director, alice):
    p = make(alice, "杭州市第一人民医院", TODAY - timedelta(days=100))
    Project.objects.filter(pk=p.pk).update(planned_purchase_date=TODAY + timedelta(days=A_SOON))
    contact(p, TODAY - timedelta(days=30))
    contact(p, TODAY - timedelta(days=2))  # after the period: today's clock says nothing of it
    contact(p, TODAY - timedelta(days=40), kind="relationship")
    end = TODAY - timedelta(days=10)
    rows = as_user(director).get(f"/api/v1/reports/discipline?end={end}").json()["late_projects"]
    late = {r["kind"]: r["days_late"] for r in rows if r["project"] == p.pk}
    # class A (weekly): at that end business had waited 20 days, relationship 30
    assert late == {"业务联络": 20 - 7, "情感联络": 30 - 7}


def test_new_cadences_rejudge_the_contacts_already_logged(as_user, alice):
    p = make(alice, "杭州市第一人民医院", TODAY - timedelta(days=100))
    Project.objects.filter(pk=p.pk).update(planned_purchase_date=TODAY + timedelta(days=A_SOON))
    for days_ago in (40, 30, 20, 10, 1):  # every ten days: behind a weekly cadence
        contact(p, TODAY - timedelta(days=days_ago))

    def kept() -> int:
        return (
            as_user(alice).get("/api/v1/reports/discipline").json()["managers"][0]["A"]["business"]
        )

    assert kept() == 0
    settings = PipelineSettings.current()
    settings.cadence_a_days = 14
    pipeline_services.change_settings(settings=settings)
    assert kept() == 1


@pytest.fixture
def discipline(alice, carol):
    """Alice: one A project contacted weekly (business) but not relationship; carol: one A
    project silent for three weeks. Both created long ago."""
    today = timezone.localdate()
    soon = today + timedelta(days=30)  # class A
    kept = make(alice, "杭州市第一人民医院", today - timedelta(days=100))
    for days_ago in range(0, 36, 5):
        contact(kept, today - timedelta(days=days_ago))
    late = make(carol, "温州市中心医院", today - timedelta(days=100))
    contact(late, today - timedelta(days=21))
    Project.objects.filter(pk__in=[kept.pk, late.pk]).update(planned_purchase_date=soon)
    return kept, late


def test_discipline_per_manager_and_kind(as_user, director, discipline):
    data = as_user(director).get("/api/v1/reports/discipline").json()
    managers = {m["owner"]: m for m in data["managers"]}
    alice, carol = managers["alice"]["A"], managers["carol"]["A"]
    assert (alice["projects"], alice["business"], alice["relationship"]) == (1, 1, 0)
    assert (alice["business_share"], alice["relationship_share"]) == (1.0, 0.0)
    assert (carol["business"], carol["business_share"]) == (0, 0.0)
    assert managers["alice"]["share"] == 0.5 and managers["carol"]["share"] == 0.0
    assert data["worst"][0]["owner"] == "carol"
    late = {(r["hospital"], r["kind"]): r["days_late"] for r in data["late_projects"]}
    assert late[("温州市中心医院", "业务联络")] == 21 - 7
    assert data["total"]["A"]["projects"] == 2


def test_the_discipline_api_pages_its_managers_and_keeps_the_rest_whole(
    as_user, director, discipline, monkeypatch
):
    """500 managers in one answer grew with the company: the JSON's managers come a page at a
    time, in team and name order; the teams, the total and the worst stay whole on each page,
    and the workbook lists every manager."""
    client = as_user(director)
    whole = client.get("/api/v1/reports/discipline").json()
    assert whole["managers_count"] == 2 and whole["managers_page"] == {"number": 1, "pages": 1}
    monkeypatch.setattr("reports.scope.MANAGERS_PAGE", 1)
    pages = [client.get(f"/api/v1/reports/discipline?page={n}").json() for n in (1, 2, 9)]
    assert [p["managers_page"] for p in pages] == [
        {"number": 1, "pages": 2},
        {"number": 2, "pages": 2},
        {"number": 2, "pages": 2},  # past the last: the last
    ]
    assert [m for p in pages[:2] for m in p["managers"]] == whole["managers"]
    for key in ("teams", "total", "worst", "late_projects"):
        assert all(p[key] == whole[key] for p in pages), key
    book = load_workbook(io.BytesIO(client.get("/api/v1/reports/discipline?format=xlsx").content))
    names = {r[1] for r in book["联络达标"].iter_rows(min_row=4, values_only=True)}
    assert {"刘晓燕", "黄志强"} <= names


@pytest.mark.parametrize("role", ["alice", "bob", "leader", "carol", "assistant", "director"])
def test_the_window_summary_answers_as_the_clocks_for_every_role_and_scope(
    request, alice, carol, bob, assistant, director, discipline, role
):
    """The page's own period comes from the summary kept as of today: for every reader and
    every narrowing (a manager, a team, a province), the same report as from the projects'
    clocks; and after a write, and after a project changes hands."""
    user = request.getfixturevalue(role)
    start, end = discipline_report.window(timezone.localdate())
    scopes = [
        Scope(start=start, end=end),
        Scope(start=start, end=end, owner=alice.pk),
        Scope(start=start, end=end, team=carol.team_id),
        Scope(start=start, end=end, province=discipline[0].hospital.province),
    ]
    kept, late = discipline
    for step in ("as made", "contacted", "handed over"):
        if step == "contacted":
            contact(late, timezone.localdate(), kind="relationship")
        if step == "handed over":
            late.refresh_from_db()
            late.owner = alice
            late.save()
        for scope in scopes:
            assert route_for(user, scope, timezone.localdate()) == Route.SUMMARY
            same_by_every_route(user, scope, [Route.TODAY])


@pytest.mark.parametrize("role", ["alice", "bob", "leader", "carol", "assistant", "director"])
def test_last_month_from_its_summary_answers_as_its_contacts_for_every_role_and_scope(
    request, alice, carol, bob, assistant, director, discipline, role
):
    """Last month comes from the summary kept as of today (decision 0029): for every reader
    and narrowing, the same report as from the month's rows and from the follow-ups; after
    a contact logged late into the month, a follow-up removed, a class change, a close and a
    handover; and on the next month's first day, when last month is another month."""
    user = request.getfixturevalue(role)
    kept, late = discipline
    today = timezone.localdate()
    start, end = discipline_report.last_month(today)
    scopes = [
        Scope(start=start, end=end),
        Scope(start=start, end=end, owner=alice.pk),
        Scope(start=start, end=end, team=carol.team_id),
        Scope(start=start, end=end, province=kept.hospital.province),
    ]
    other = make(alice, "嘉兴市第二医院", today - timedelta(days=80))
    weekly = [start + timedelta(days=d) for d in (-3, 3, 9, 15, 21, 27)]  # kept all month
    for day in weekly:
        contact(other, day, kind="relationship")
    answers = set()
    for step in ("as made", "logged late", "removed", "class", "closed", "handed over"):
        if step == "logged late":  # into the month: carol's gap there closes
            contact(late, end - timedelta(days=3))
            contact(late, end - timedelta(days=3), kind="relationship")
        if step == "removed":  # as an import's undo removes follow-ups, in bulk: a gap of 12
            other.follow_ups.filter(date=weekly[2]).delete()
            contact_clocks.projects_changed([other.pk])
        if step == "class":  # B now: a month's cadence
            Project.objects.filter(pk=kept.pk).update(planned_purchase_date=today + timedelta(400))
            summaries.changed(Project, {alice.pk})  # the test wrote past the services
        if step == "closed":
            Project.objects.filter(pk=other.pk).update(status="lost", closed_at=midnight(start))
            summaries.changed(Project, {alice.pk})
        if step == "handed over":
            late.refresh_from_db()
            late.owner = alice
            late.save()
        assert summaries.check([discipline_report.KEPT_LAST_MONTH.topic]) == [], step
        for scope in scopes:
            assert route_for(user, scope, today) == Route.LAST_MONTH
            routes = [Route.PROJECTS]
            if user.sees_all and scope == scopes[0]:  # the country's own routes too
                routes += [Route.MONTHS, Route.COUNTRY]
            data = same_by_every_route(user, scope, routes)
            answers.add(str((data["total"], data["late_projects"])))
    if role != "bob":  # bob has no project: nothing to move
        assert len(answers) > 2  # the steps moved what the comparison covers
    with pytest.raises(ValueError):  # the summary keeps that month alone
        discipline_report.discipline(user, Scope(start=start, end=end - timedelta(days=1)),
                                     route=Route.LAST_MONTH)  # fmt: skip


def test_last_month_moves_on_the_first_of_the_next(clock, alice, director):
    """On a month's first day the summary's month is the one that just ended: read on the
    last day of February, then on 1 March, the same project counts for January, then for
    February (kept in January, late all February)."""
    clock("2027-02-28 20:00")
    p = make(alice, "绍兴市人民医院", date(2026, 12, 1))
    Project.objects.filter(pk=p.pk).update(planned_purchase_date=date(2027, 3, 20))  # A
    for day in range(1, 32, 6):
        contact(p, date(2027, 1, day))
        contact(p, date(2027, 1, day), kind="relationship")
    months = []
    for now in ("2027-02-28 20:00", "2027-03-01 08:00"):
        clock(now)
        start, end = discipline_report.last_month(timezone.localdate())
        scope = Scope(start=start, end=end)
        assert route_for(director, scope, timezone.localdate()) == Route.LAST_MONTH
        routes = [Route.MONTHS, Route.COUNTRY, Route.PROJECTS]
        months.append((start.isoformat(), same_by_every_route(director, scope, routes)["total"]))
    (january, kept), (february, late) = months
    assert (january, february) == ("2027-01-01", "2027-02-01")
    assert (kept["A"]["business"], kept["A"]["relationship"]) == (1, 1)
    assert (late["A"]["projects"], late["A"]["business"], late["A"]["relationship"]) == (1, 0, 0)


def test_discipline_is_visible_by_the_one_rule(as_user, alice, discipline):
    data = as_user(alice).get("/api/v1/reports/discipline").json()
    assert [m["owner"] for m in data["managers"]] == ["alice"]
    page = as_user(alice).get("/reports/discipline/")
    html = page.content.decode()
    assert page.status_code == 200 and "温州市中心医院" not in html
    # her A projects: business kept (100 %), relationship not (0 %, in red)
    assert '<span class="share"><i><b style="width:100%"></b></i>100%</span>' in html
    assert '<span class="share low"><i><b style="width:0%"></b></i>0%</span>' in html


def test_discipline_workbook_matches_the_json(as_user, director, discipline):
    client = as_user(director)
    data = client.get("/api/v1/reports/discipline").json()
    book = load_workbook(io.BytesIO(client.get("/api/v1/reports/discipline?format=xlsx").content))
    rows = list(book["联络达标"].iter_rows(min_row=4, values_only=True))
    by_name = {r[1]: r for r in rows}
    assert by_name["刘晓燕"][3] == data["managers"][0]["A"]["business_share"] == 1.0
    assert rows[-1][0] == "合计" and rows[-1][8] == data["total"]["share"]


# 销售管道图 in Excel, 工作台 --------------------------------------------------------------


def test_the_funnel_workbook_carries_the_chart(as_user, director, alice):
    make(alice, "杭州市第一人民医院", timezone.localdate() - timedelta(days=3))
    content = as_user(director).get("/api/v1/reports/funnel?format=xlsx").content
    sheet = load_workbook(io.BytesIO(content))["销售管道"]
    assert len(sheet._images) == 1
    picture = Image.open(io.BytesIO(sheet._images[0]._data()))
    assert picture.format == "PNG" and picture.width >= 1000


def test_the_dashboard_differs_by_role(as_user, alice, director, bob):
    make(alice, "杭州市第一人民医院", timezone.localdate() - timedelta(days=3))
    mine = as_user(alice).get("/")
    assert [w[1] for w in mine.context["my_weeks"]] == ["上周", "本周"]
    assert "我的销售管道" in mine.content.decode() and "last_week" not in mine.context
    boss = as_user(director).get("/")
    # alice, bob and their leader: nobody has submitted last week
    assert boss.context["last_week"]["missing"] == boss.context["last_week"]["managers"] == 3
    team = boss.context["team_pipeline"][0]
    assert (team["team"], team["n"], team["value"]) == ("浙北一组", 1, 1_000_000)
    assert team["weighted"] == 100_000  # 信息收集: 10 %
    body = boss.content.decode()
    assert "上周周报" in body and "成单预测" in body and "联络达标" in body
    assert "my_weeks" not in boss.context


def test_the_funnel_picture_still_draws_without_a_chinese_font(monkeypatch):
    from reports import charts

    rows = [{"name": "信息收集", "count": 3, "value": 3_000_000, "weighted": 300_000}]
    with_font = Image.open(io.BytesIO(charts.funnel_png(rows, unit="¥", wan="万")))
    monkeypatch.setattr(charts, "CJK_FONTS", ())
    without = Image.open(io.BytesIO(charts.funnel_png(rows, unit="¥", wan="万")))
    assert without.size == with_font.size and without.format == "PNG"


def _periods() -> dict[str, tuple]:
    """A past month, a past half-year (whole months, read from the month rows for the
    country) and a period before any data; each as (start, end)."""
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    half_year = this_month
    for _ in range(6):
        half_year = (half_year - timedelta(days=1)).replace(day=1)
    long_ago = this_month.replace(year=this_month.year - 3)
    return {
        "last month": (last_month, this_month - timedelta(days=1)),
        "last half-year": (half_year, this_month - timedelta(days=1)),
        "before any data": (long_ago, long_ago + timedelta(days=30)),
    }


@pytest.mark.parametrize("period", ["last month", "last half-year", "before any data"])
@pytest.mark.parametrize("role", ["alice", "bob", "leader", "carol", "assistant", "director"])
def test_every_role_reads_discipline_of_a_past_period(
    request, as_user, discipline, bob, assistant, director, role, period
):
    """bob is a manager without a project of his own: nothing visible is an empty report,
    not an error, on the page, in the JSON and in the workbook."""
    start, end = _periods()[period]
    client = as_user(request.getfixturevalue(role))
    query = f"start={start}&end={end}"
    data = client.get(f"/api/v1/reports/discipline?{query}")
    assert data.status_code == 200, data.content
    data = data.json()
    assert data["scope"]["start"] == start.isoformat()
    assert client.get(f"/reports/discipline/?{query}").status_code == 200
    book = client.get(f"/api/v1/reports/discipline?{query}&format=xlsx")
    assert book.status_code == 200
    rows = list(load_workbook(io.BytesIO(book.content))["联络达标"].iter_rows(values_only=True))
    assert rows[-1][0] == "合计"
    # the fixture's projects began 100 days ago: no period that ended before has any
    started = timezone.localdate() - timedelta(days=100)
    counted = data["total"]["A"]["projects"] + data["total"]["B"]["projects"]
    if end < started or role == "bob":
        assert counted == 0 and data["managers"] == []
    elif role in ("alice", "carol"):
        assert [m["owner"] for m in data["managers"]] == [role]


def test_a_route_that_cannot_answer_a_period_says_so(director):
    past = Scope(start=TODAY - timedelta(days=40), end=TODAY - timedelta(days=10))
    with pytest.raises(ValueError):
        discipline_report.discipline(director, past, route=Route.TODAY)
    with pytest.raises(ValueError):  # not whole months
        discipline_report.discipline(director, past, route=Route.MONTHS)
    with pytest.raises(ValueError):  # the summary keeps the last 30 days alone
        discipline_report.discipline(director, past, route=Route.SUMMARY)
    with pytest.raises(ValueError):  # and the other the month before today's
        discipline_report.discipline(director, past, route=Route.LAST_MONTH)
