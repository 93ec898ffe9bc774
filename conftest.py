"""The cast every test can use (STYLE.md §6).

Team 1 ("浙北一组"): leader (leads it), alice (owns hospitals), bob (alice's teammate).
Team 2 ("浙南二组"): carol. Above everyone: director and admin; beside them: assistant.
"""

import pytest
from django.test import Client

from accounts.models import Role
from accounts.services import assign_role, sync_role_groups
from hospitals.tests.factories import TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def roles(db):
    sync_role_groups()


def _user(username: str, role: str, team=None, name: str = ""):
    user = UserFactory(username=username, name=name or username, team=team)
    return assign_role(user=user, role=role)


@pytest.fixture
def team1(roles):
    return TeamFactory(name="浙北一组")


@pytest.fixture
def team2(roles):
    return TeamFactory(name="浙南二组")


@pytest.fixture
def leader(team1):
    user = _user("leader", Role.MANAGER, team1, "陈立军")
    team1.leader = user
    team1.save()
    return user


@pytest.fixture
def alice(team1, leader):
    return _user("alice", Role.MANAGER, team1, "刘晓燕")


@pytest.fixture
def bob(team1, leader):
    return _user("bob", Role.MANAGER, team1, "王磊")


@pytest.fixture
def carol(team2):
    user = _user("carol", Role.MANAGER, team2, "黄志强")
    team2.leader = user
    team2.save()
    return user


@pytest.fixture
def assistant(roles):
    return _user("assistant", Role.ASSISTANT, name="吴婷")


@pytest.fixture
def director(roles):
    return _user("director", Role.DIRECTOR, name="周建华")


@pytest.fixture
def admin_user(roles):
    user = _user("admin", Role.ADMIN, name="管理员")
    user.is_superuser = True
    user.save()
    return user


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_user():
    """as_user(alice) -> a test client logged in as alice."""
    return _client_for


@pytest.fixture
def queries_for():
    """queries_for(fn) -> how many SQL queries fn() ran (to compare small and large data)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(fn) -> int:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    return run
