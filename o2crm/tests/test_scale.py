"""The national-scale generator at a small size, on whichever database the suite runs."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import Team, User
from hospitals.models import ClosenessChange, Contact, Hospital
from o2crm import summaries
from o2crm.models import Tally
from pipeline import contact_clocks
from pipeline.models import FollowUp, ForecastSnapshot, PipelineSettings, Project, StageChange
from placements.models import Contract, Payment, Reading, Statement
from proposals.models import NumberCounter, Proposal
from relations.models import LedgerEntry, PlanTarget, RelationshipAction, RelationshipPlan
from reports.models import WeeklySummary
from visits.models import OxygenSurvey, Task, Visit

pytestmark = pytest.mark.django_db


def test_the_generator_fills_every_table_in_proportion(capsys):
    call_command("generate_scale", "--hospitals", "80", "--seed", "3")
    assert summaries.check() == []  # the generator's bulk rows, summarised once at the end
    assert Tally.objects.filter(topic="forecast", level=Tally.EVERYONE).exists()
    assert Hospital.objects.count() == 80
    assert Contact.objects.count() >= 160
    assert Project.objects.count() == 100
    assert FollowUp.objects.count() == 2000
    assert StageChange.objects.count() >= 100
    assert OxygenSurvey.objects.exists() and Visit.objects.exists() and Task.objects.exists()
    assert User.objects.filter(username__startswith="m").count() == 10
    assert Team.objects.exclude(leader=None).count() == Team.objects.count()
    assert (
        Proposal.objects.count() == 4 + Contract.objects.count()
    )  # one per 20 hospitals, and the placements
    assert NumberCounter.objects.get().last == 4
    assert WeeklySummary.objects.filter(submitted_at__isnull=False).exists()
    assert ForecastSnapshot.objects.count() == 27  # half a year of weeks and this one
    assert "follow-ups" in capsys.readouterr().out
    # a relationship plan per ten hospitals, a ledger of one entry per two hospitals
    assert RelationshipPlan.objects.count() == 8
    assert PlanTarget.objects.count() >= 10 and RelationshipAction.objects.count() >= 30
    assert ClosenessChange.objects.count() == 3 * PlanTarget.objects.count()
    assert LedgerEntry.objects.count() == 40
    assert not LedgerEntry.objects.filter(contacts=None).exists()
    # a placement per eight hospitals, ten years of monthly readings and statements each
    assert Contract.objects.count() == 10
    assert Reading.objects.count() == Statement.objects.count() >= 10 * 120
    contract = Contract.objects.order_by("pk").first()
    assert contract.months_billed == contract.statements.count() >= 120
    assert contract.volume_to_date == sum(s.volume_nm3 for s in contract.statements.all())
    assert Payment.objects.count() == Statement.objects.filter(status="paid").count() > 0
    # rows are usable as the app makes them: searchable, with cadence clocks set
    name = Hospital.objects.order_by("pk").first().name
    initials = Hospital.objects.order_by("pk").first().initials
    assert Hospital.objects.search(initials).filter(name=name).exists()
    assert Project.objects.exclude(last_business_contact_on=None).exists()
    # the late-contact dates as the app keeps them (derived again from the follow-ups)
    generated = list(Project.objects.order_by("pk").values(*LATE))
    assert any(row["late_business_b_on"] for row in generated)
    contact_clocks.cadences_changed(PipelineSettings.current())
    assert list(Project.objects.order_by("pk").values(*LATE)) == generated


LATE = (
    "late_business_a_on",
    "late_business_b_on",
    "late_relationship_a_on",
    "late_relationship_b_on",
)


def test_the_generator_is_reproducible():
    call_command("generate_scale", "--hospitals", "30", "--seed", "7")
    first = list(Hospital.objects.order_by("pk").values_list("name", "beds"))
    WeeklySummary.objects.all().delete()  # a user's submitted weeks protect the user
    LedgerEntry.objects.all().delete()  # a hospital's ledger protects the hospital
    Payment.objects.all().delete()
    Contract.objects.all().delete()  # a placement protects its project and proposal
    Proposal.objects.all().delete()
    NumberCounter.objects.all().delete()
    Project.objects.all().delete()
    Hospital.objects.all().delete()
    User.objects.all().delete()
    Team.objects.all().delete()
    call_command("generate_scale", "--hospitals", "30", "--seed", "7")
    assert list(Hospital.objects.order_by("pk").values_list("name", "beds")) == first


def test_the_generator_refuses_a_database_with_data():
    call_command("generate_scale", "--hospitals", "20")
    with pytest.raises(CommandError):
        call_command("generate_scale", "--hospitals", "20")


def test_generated_users_can_log_in_and_see_their_pages(client):
    call_command("generate_scale", "--hospitals", "40")
    assert (
        client.post(
            "/accounts/login/", {"username": "m0002", "password": "o2crm-bench"}
        ).status_code
        == 302
    )
    for path in ("/", "/hospitals/", "/projects/board/", "/projects/due/", "/visits/"):
        assert client.get(path).status_code == 200, path


def test_every_benchmark_page_answers_for_every_role():
    """bench/run.py's one list of pages, on generated data: each answers 200 for each role."""
    import importlib.util

    from django.conf import settings

    spec = importlib.util.spec_from_file_location("bench_run", settings.BASE_DIR / "bench/run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    call_command("generate_scale", "--hospitals", "200", "--seed", "2")
    rows = bench.sample_rows()
    for role in ("manager", "leader", "director"):
        client = Client()
        client.force_login(User.objects.get(username=rows[role]["username"]))
        for name, template in bench.PAGES:
            path = template.format(**rows[role])
            assert client.get(path, follow=True).status_code == 200, (role, name)
        for name, template in bench.DIRECTOR_PAGES:  # the director's alone
            path = template.format(**rows[role])
            wanted = 200 if role == "director" else 403
            assert client.get(path).status_code == wanted, (role, name)
    client.force_login(User.objects.get(username=rows["operations"]["username"]))
    for name, template in bench.OPERATIONS_PAGES:  # 运营's own
        assert client.get(template.format(**rows["operations"])).status_code == 200, name
    client.force_login(User.objects.get(username=rows["director"]["username"]))
    for name, template in bench.EXPORTS:  # the workbooks the benchmark times
        response = client.get(template.format(**rows["director"]))
        assert response.status_code == 200 and response.content[:2] == b"PK", name


def test_healthz_answers_a_constant(db):
    response = Client().get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
