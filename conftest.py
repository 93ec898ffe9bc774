"""The cast every test can use (STYLE.md §6), and the clock.

Team 1 ("浙北一组"): leader (leads it), alice (owns hospitals), bob (alice's teammate).
Team 2 ("浙南二组"): carol. Above everyone: director and admin; beside them: assistant.

The clock is the tests' to set, one way (time-machine): `--today 2026-12-28` (or
O2CRM_TODAY) sets it for a whole run, before any test module is imported, so "today" means
that day everywhere, the live server's thread included; `make calendar` runs the suite on
each of the hard days in CALENDAR. A test that needs a particular day asks for the `clock`
fixture: `clock("2027-01-01")`, or `clock("2027-01-01 07:30")` for a time of day.
"""

import json
import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import translation

from accounts.models import Role
from accounts.services import assign_role, sync_role_groups
from accounts.tests.factories import TeamFactory, UserFactory

# The day a run starts on when none is given: mid-morning in the app's time zone, when UTC
# has the same date (a test that wants the early hours, when UTC is a day behind, says so).
WORK_HOUR = time(10, 0)


def moment(when: str | date | datetime) -> datetime:
    """'2026-12-28' (at WORK_HOUR) or '2026-12-28 07:30' as an aware time in TIME_ZONE."""
    zone = ZoneInfo(settings.TIME_ZONE)
    if isinstance(when, str):
        when = datetime.fromisoformat(when) if len(when) > 10 else date.fromisoformat(when)
    if not isinstance(when, datetime):
        when = datetime.combine(when, WORK_HOUR)
    return when if when.tzinfo else when.replace(tzinfo=zone)


def pytest_addoption(parser):
    parser.addoption(
        "--today",
        default=os.environ.get("O2CRM_TODAY") or None,
        help="run every test with the clock set to this day (YYYY-MM-DD[ HH:MM], app time zone)",
    )


def pytest_configure(config):
    today = config.getoption("--today")
    if today:
        # ticking: the clock runs on from that moment, as it does for users
        config._o2crm_clock = time_machine.travel(moment(today), tick=True)
        config._o2crm_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_o2crm_clock", None)
    if clock:
        clock.stop()


def pytest_report_header(config):
    today = config.getoption("--today")
    return f"clock: {moment(today).isoformat()}" if today else "clock: the real one"


@pytest.fixture
def clock(time_machine):
    """clock(day) moves the clock to that day (or 'YYYY-MM-DD HH:MM'), ticking on from there;
    the run's own clock comes back after the test."""

    def move(when: str | date | datetime) -> datetime:
        time_machine.move_to(moment(when), tick=True)
        return moment(when)

    return move


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (zh-hans) and leaves it so: LocaleMiddleware
    activates a request's language for the thread and leaves it active after the response,
    so a test ending on a request in English left English to the next test of its worker
    (o2crm/tests/test_language_between_tests.py)."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded and exported files of a test go to a folder of its own, not the checkout."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


def body(response) -> bytes:
    """A response's bytes, whether sent whole or streamed from a file (downloads)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


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


class ApiClient:
    """The JSON API as integrations call it: paths under /api/v1, JSON bodies, and a bearer
    token issued for the user at /auth/token (none for an anonymous caller)."""

    def __init__(self, user=None, language: str | None = None):
        self.client = Client()
        self.headers = {"Accept-Language": language} if language else {}
        if user is not None:
            response = self.client.post(
                "/api/v1/auth/token",
                json.dumps({"username": user.username, "password": "o2crm-test"}),
                content_type="application/json",
            )
            assert response.status_code == 200, response.content
            self.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def get(self, path: str, params=None, **headers):
        return self.client.get("/api/v1" + path, params or {}, headers=self.headers | headers)

    def send(self, method: str, path: str, body=None, **headers):
        return getattr(self.client, method)(
            "/api/v1" + path,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=self.headers | headers,
        )

    def post(self, path: str, body=None, **headers):
        return self.send("post", path, body, **headers)

    def patch(self, path: str, body=None, **headers):
        return self.send("patch", path, body, **headers)

    def put(self, path: str, body=None, **headers):
        return self.send("put", path, body, **headers)

    def delete(self, path: str, **headers):
        return self.send("delete", path, None, **headers)


@pytest.fixture
def api_as(db):
    """api_as(alice) -> the JSON API as alice, with a token; api_as(None) -> anonymous;
    api_as(alice, language="en") -> answers in English."""
    return ApiClient


def _run_jobs() -> int:
    """Run every queued background job with django-tasks-db's own worker, in this process
    (batch mode: until the queue is empty); returns how many ran. The worker closes its
    connection between jobs, as a long-running process should; inside a test's transaction it
    must keep it, like Django's test client does for requests."""
    from unittest import mock

    from django_tasks_db.management.commands import db_worker

    with mock.patch.object(db_worker, "close_old_connections"):
        worker = db_worker.Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        )
        worker.run()
    return worker._run_tasks


@pytest.fixture
def run_jobs(db):
    """run_jobs() -> what a worker would do now with the queued jobs (see _run_jobs)."""
    return _run_jobs


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


@pytest.fixture
def operations(roles):
    return _user("operations", Role.OPERATIONS, name="郑海涛")


@pytest.fixture
def finance(roles):
    return _user("finance", Role.FINANCE, name="冯丽")
