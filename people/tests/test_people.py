"""People and teams in the app (director and admin): new accounts with a temporary password
that must be changed at once, role and team changes noted, password resets that end every
session and token, teams with their leader; nobody else may."""

import pytest

from accounts.models import ApiToken, Team, User
from people.models import PersonEvent

pytestmark = pytest.mark.django_db


def test_a_new_person_logs_in_with_the_temporary_password_and_must_change_it(
    director, team1, as_user, client, api_as
):
    answer = as_user(director).post(
        "/people/new/",
        {"username": "zhaomin", "name": "赵敏", "role": "manager", "team": team1.pk,
         "email": "zhaomin@example.cn", "phone": "13900001111"},
    )  # fmt: skip
    assert answer.status_code == 200
    password = answer.context["password"]
    person = User.objects.get(username="zhaomin")
    assert person.must_change_password and person.team == team1 and person.role == "manager"
    assert person.groups.filter(name="销售经理").exists()
    api = api_as(None)
    refused = api.post("/auth/token", {"username": "zhaomin", "password": password})
    assert refused.status_code == 403  # no token with a temporary password
    logged_in = client.post("/accounts/login/", {"username": "zhaomin", "password": password})
    assert logged_in.status_code == 302
    forced = client.get("/hospitals/")
    assert forced.status_code == 302 and forced["Location"] == "/accounts/password/"
    new = "Yangqi-2026-zm"
    changed = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302
    assert client.get("/hospitals/").status_code == 200
    assert [e.what for e in PersonEvent.objects.filter(person=person)] == ["created"]


def test_a_username_taken_or_missing_is_said_in_the_field(director, alice, as_user):
    answer = as_user(director).post("/people/new/", {"username": "alice", "role": "manager"})
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert "username" in errors and "name" in errors


def test_moving_a_manager_between_teams_and_changing_the_role_are_noted(
    director, alice, team2, as_user
):
    client = as_user(director)
    answer = client.post(
        "/people/alice/edit/",
        {"name": alice.name, "email": "", "phone": "", "team": team2.pk, "role": "assistant"},
    )
    assert answer.status_code == 302
    alice.refresh_from_db()
    assert alice.team == team2 and alice.role == "assistant"
    assert alice.groups.filter(name="销售助理").exists()
    events = {e.what: (e.before, e.after) for e in PersonEvent.objects.filter(person=alice)}
    assert events["team"][1] == team2.name and events["role"] == ("销售经理", "销售助理")
    page = client.get("/people/alice/edit/").content.decode()
    assert "销售经理 → 销售助理" in page


def test_a_password_reset_ends_sessions_and_tokens_at_once(director, alice, as_user, api_as):
    key = ApiToken.issue(alice)
    session = as_user(alice)
    assert session.get("/").status_code == 200
    reset = as_user(director).post("/people/alice/password/")
    assert reset.status_code == 200 and reset.context["password"]
    assert session.get("/").status_code == 302  # logged out
    assert api_as(None).get("/hospitals", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    alice.refresh_from_db()
    assert alice.must_change_password


def test_a_team_s_leader_is_set_and_moved_into_it(director, carol, team1, as_user):
    client = as_user(director)
    answer = client.post(
        f"/people/teams/{team1.pk}/edit/", {"name": team1.name, "leader": carol.pk}
    )
    assert answer.status_code == 302
    carol.refresh_from_db()
    team1.refresh_from_db()
    assert team1.leader == carol and carol.team == team1
    assert team1.pk in User.objects.get(pk=carol.pk).led_team_ids
    created = client.post("/people/teams/new/", {"name": "浙西三组"})
    assert created.status_code == 302 and Team.objects.filter(name="浙西三组").exists()
    page = client.get("/people/teams/").content.decode()
    assert "浙西三组" in page and str(carol) in page


def test_only_the_director_and_the_admin_manage_people(alice, leader, team1, as_user):
    for who in (alice, leader):
        client = as_user(who)
        assert client.get("/people/new/").status_code == 403
        assert client.get("/people/teams/").status_code == 403
        assert client.post("/people/alice/password/").status_code == 403
        assert client.get(f"/people/teams/{team1.pk}/edit/").status_code == 403
