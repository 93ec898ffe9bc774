import json

import pytest

from hospitals.tests.factories import HospitalFactory
from pipeline.tests.factories import ProjectFactory
from proposals import services
from proposals.models import EconomicsSettings, Proposal
from proposals.tests.factories import make_proposal

EXAMPLE = {
    "departments": {"general_ward": 280, "icu": 12, "operating_room": 8},
    "consumption": {"lox_t_per_year": 150},
    "baseline": {"cny_per_t_lox": 1800},
    "price": 2.40,
    "term_years": 10,
}
KEYS = {
    "design_flow_lpm",
    "design_flow_nm3h",
    "annual_consumption_nm3",
    "consumption_origin",
    "required_flow_nm3h",
    "duty_units",
    "unit_size_nm3h",
    "units",
    "installed_nm3h",
    "production_cap_nm3",
    "capex",
    "om_per_year",
    "baseline_cny_per_nm3",
    "cash_flows",
    "payback_years",
    "discounted_payback_years",
    "npv",
    "irr",
    "lcoo",
    "price_floor",
    "hospital_saving_year1",
    "hospital_saving_total",
    "hospital_npv",
    "investor_viable",
    "hospital_viable",
    "mutual_price_exists",
}


def test_economics_computes_the_worked_example(alice, api_as):
    response = api_as(alice).post("/economics", EXAMPLE)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == KEYS
    assert data["consumption_origin"] == "lox"
    assert data["units"] == 3 and data["unit_size_nm3h"] == 20
    assert data["npv"] == pytest.approx(-213_133, abs=1)
    assert data["irr"] == pytest.approx(0.0354, abs=0.0001)
    assert data["price_floor"] == pytest.approx(2.93, abs=0.005)
    assert len(data["cash_flows"]) == 11 and data["cash_flows"][0] == -1_050_000
    assert data["mutual_price_exists"] is False
    assert not Proposal.objects.exists()


def test_none_is_null_and_estimates_are_labelled(alice, api_as):
    body = {**EXAMPLE, "consumption": {}, "price": 0.5}
    data = api_as(alice).post("/economics", body).json()
    assert data["consumption_origin"] == "estimated"
    assert data["irr"] is None and data["payback_years"] is None


def test_settings_override_applies(alice, api_as):
    body = {**EXAMPLE, "settings": {"capex_per_nm3h": 10000, "hurdle_irr": 0.08}}
    data = api_as(alice).post("/economics", body).json()
    assert data["capex"] == 150_000 + 10_000 * 60
    assert data["price_floor"] == pytest.approx(data["lcoo"])


@pytest.mark.parametrize(
    "change, field",
    [
        ({"departments": {"icu": -2}}, "departments.icu"),
        ({"departments": {"kitchen": 2}}, "departments.kitchen"),
        ({"settings": {"nonsense": 1}}, "settings.nonsense"),
        ({"term_years": 0}, "term_years"),
        ({"term_years": 31}, "term_years"),
        ({"price": 0}, "price"),
        ({"price": -1.5}, "price"),
        ({"baseline": {}}, "baseline"),
        ({"hyperbaric": {"users": -1}}, "hyperbaric.users"),
    ],
)
def test_bad_input_answers_400_naming_the_field(alice, change, field, api_as):
    response = api_as(alice).post("/economics", {**EXAMPLE, **change})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_economics_needs_a_login(api_as):
    assert api_as(None).post("/economics", EXAMPLE).status_code == 401


def test_command_prints_the_same_output(tmp_path, alice, capsys, api_as):
    from django.core.management import call_command

    path = tmp_path / "case.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    call_command("economics", str(path))
    printed = json.loads(capsys.readouterr().out)
    assert printed == api_as(alice).post("/economics", EXAMPLE).json()


def test_command_names_a_bad_field(tmp_path, db):
    from django.core.management import CommandError, call_command

    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**EXAMPLE, "term_years": 40}), encoding="utf-8")
    with pytest.raises(CommandError, match="term_years"):
        call_command("economics", str(path))


@pytest.fixture
def project(alice):
    return ProjectFactory(hospital=HospitalFactory(owner=alice))


def test_proposals_follow_the_visibility_rule(api_as, project, alice, bob, leader, carol, director):
    proposal = make_proposal(project)
    for user, seen in [
        (alice, True),
        (leader, True),
        (director, True),
        (bob, False),
        (carol, False),
    ]:
        client = api_as(user)
        ids = [p["id"] for p in client.get("/proposals").json()["items"]]
        assert (proposal.pk in ids) is seen, user
        assert client.get(f"/proposals/{proposal.pk}").status_code == (200 if seen else 404)
        docx = client.get(f"/proposals/{proposal.pk}/document.docx")
        assert docx.status_code == (200 if seen else 404)


def test_create_and_walk_a_proposal_through_the_api(api_as, project, alice, director):
    client = api_as(alice)
    response = client.post(
        "/proposals", {"project": project.pk, "economics": EXAMPLE, "minimum_monthly_m3": 8000}
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["number"].startswith("JY-") and data["state"] == "draft"
    assert data["economics"]["irr"] == pytest.approx(0.0354, abs=0.0001)
    assert data["settings_version"] == EconomicsSettings.current().pk
    pk = data["id"]
    assert client.post(f"/proposals/{pk}/submit", {}).json()["state"] == "pending"
    # alice is no director; the director must give a reason for an unviable proposal
    assert client.post(f"/proposals/{pk}/approve", {}).status_code == 403
    boss = api_as(director)
    refused = boss.post(f"/proposals/{pk}/approve", {"override_reason": ""})
    assert refused.status_code == 400 and "override_reason" in refused.json()["errors"]
    ok = boss.post(f"/proposals/{pk}/approve", {"override_reason": "区域首单"})
    assert ok.json()["state"] == "approved"


def test_create_refuses_someone_elses_project(api_as, project, carol):
    response = api_as(carol).post("/proposals", {"project": project.pk, "economics": EXAMPLE})
    assert response.status_code == 400 and "project" in response.json()["errors"]


def test_list_has_a_fixed_number_of_queries(api_as, project, director, queries_for):
    client = api_as(director)
    make_proposal(project)
    client.get("/proposals")  # the token's first use is stamped once
    few = queries_for(lambda: client.get("/proposals"))
    for _ in range(4):
        services.submit(proposal=make_proposal(project), by=project.owner)
    assert queries_for(lambda: client.get("/proposals")) == few
