"""Every page route, read from the URL resolver, for every role: a route with an id answers
for a row the role may see and is not found (404) for one it may not; anonymous visitors are
sent to log in. A new route joins by itself; a route whose id the test cannot place fails
until ROWS says which model it names, so none is skipped silently."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import ApiToken, Role
from accounts.services import assign_role
from accounts.tests.factories import UserFactory
from hospitals.tests.factories import ContactFactory, DepartmentFactory, HospitalFactory
from imports.models import ImportBatch
from o2crm.models import ExportJob
from pipeline.models import Competitor, ProjectCompetitor
from pipeline.tests.factories import ProjectFactory
from placements.models import Contract, Reading, Statement
from proposals.tests.factories import make_proposal
from relations.models import (
    LedgerEntry,
    LedgerKind,
    PlanTarget,
    RelationshipAction,
    RelationshipPlan,
)
from reminders.models import Notification, Robot
from reports.models import iso_week
from visits.models import Task, Visit
from visits.tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db

NOT_PAGES = ("admin/", "api/", "i18n/")  # the admin site; the API has its own tests
# a user's own alone, whoever oversees them: API tokens, notifications (and the user's robots),
# background exports
PERSONAL = ("accounts/tokens/", "notifications/", "exports/", "imports/")
PUBLIC = {"login", "healthz", "favicon", "calendar-feed"}  # the feed: its key is the credential
# a poll of the page (the bell) answers a signed-out visitor with nothing, not the login page
# (whose fresh CSRF cookie would spoil a login form already on screen)
SILENT_SIGNED_OUT = {"notification-badge"}
# the model an id names, by the route's first segment (or the parameter's own name)
ROWS = {
    "hospitals": "hospital",
    "hospital_pk": "hospital",
    "departments": "department",
    "contacts": "contact",
    "projects": "project",
    "surveys": "survey",
    "visits": "visit",
    "tasks": "task",
    "proposals": "proposal",
    "accounts": "token",
    "notifications": "notification",
    "robot_pk": "robot",
    "team_pk": "team",
    "exports": "export",
    "imports": "import_batch",
    "row": "competitor",
    "project_pk": "project",
    "target_pk": "plan_target",
    "action_pk": "action",
    "entry_pk": "ledger_entry",
    "placements": "contract",
    "statement_pk": "statement",
    "reading_pk": "reading",
}


DESTRUCTIVE = ("remove", "delete", "undo")  # a POST to these takes its row away


def page_routes():
    """Every page route and its name, those whose POST removes a row last: an empty POST
    to the others must still find the rows (the URL conf's order does not matter)."""
    return sorted(_routes(), key=lambda r: any(w in (r[1] or "") for w in DESTRUCTIVE))


def _routes(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if not route.startswith(NOT_PAGES):
                yield from _routes(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route, p.name


def rows_of(owner) -> dict:
    hospital = HospitalFactory(owner=owner)
    project = ProjectFactory(hospital=hospital)
    competitor, _ = Competitor.objects.get_or_create(name="液氧供应商甲", kind="lox")
    tomorrow = timezone.now() + timedelta(days=1)
    visit = Visit.objects.create(
        hospital=hospital, project=project, owner=owner, planned_at=tomorrow
    )
    ApiToken.issue(owner)
    note = Notification.objects.create(recipient=owner, kind="proposal_submitted", key="k", url="/")
    return {
        "hospital": hospital,
        "department": DepartmentFactory(hospital=hospital),
        "contact": ContactFactory(hospital=hospital),
        "project": project,
        "competitor": ProjectCompetitor.objects.create(project=project, competitor=competitor),
        "survey": SurveyFactory(hospital=hospital),
        "visit": visit,
        "task": Task.objects.create(
            owner=owner,
            hospital=hospital,
            project=project,
            title="回电",
            level="business",
            due_date=timezone.localdate(),
        ),  # fmt: skip
        "proposal": make_proposal(project),
        "token": ApiToken.objects.filter(user=owner).latest("pk"),
        "notification": note,
        "robot": Robot.objects.create(user=owner, service="feishu", url="feishu://t0k3n"),
        "export": ExportJob.objects.create(
            user=owner,
            kind="hospitals",
            title="医院列表",
            language="zh-hans",
            status="done",
            content=b"PK",
            filename="医院列表.xlsx",
        ),  # fmt: skip
        "team": owner.team,
        "import_batch": ImportBatch.objects.create(
            user=owner, kind="hospitals", file_name="医院.csv", content=b"name\n"
        ),
        "username": owner.username,
        **relations_of(project, owner),
        **placement_of(project),
    }


def placement_of(project) -> dict:
    """A signed contract on the project's proposal, with a month's statement."""
    proposal = project.proposals.get()
    today = timezone.localdate()
    contract = Contract.objects.create(
        project=project, proposal=proposal, hospital=project.hospital,
        number=f"HT-{project.pk:04d}", signed_on=today, term_start=today,
        term_end=today + timedelta(days=3650), price=3, accepted_on=today, status="billing",
    )  # fmt: skip
    statement = Statement.objects.create(
        contract=contract, month=today.replace(day=1), volume_nm3=100, top_up_nm3=0, price=3,
        amount=300,
    )  # fmt: skip
    reading = Reading.objects.create(contract=contract, read_on=today, value=100, volume=100)
    return {"contract": contract, "statement": statement, "reading": reading}


def relations_of(project, owner) -> dict:
    """A relationship plan with one person and one action, and a ledger entry on them."""
    contact = ContactFactory(hospital=project.hospital, layer="decision")
    plan = RelationshipPlan.objects.create(project=project, created_by=owner)
    target = PlanTarget.objects.create(
        plan=plan, contact=contact, target_date=timezone.localdate(), owner=owner
    )
    action = RelationshipAction.objects.create(
        target=target, kind="dinner", planned_on=timezone.localdate(), owner=owner
    )
    entry = LedgerEntry.objects.create(
        hospital=project.hospital, date=timezone.localdate(), amount=100, per_person=100,
        kind=LedgerKind.objects.get(code="dinner"), purpose="工作餐", created_by=owner,
    )  # fmt: skip
    entry.contacts.set([contact])
    return {"plan_target": target, "action": action, "ledger_entry": entry}


def url_for(route: str, rows: dict) -> str:
    parts = []
    first = route.split("/", 1)[0]
    for piece in route.split("/"):
        if not piece.startswith("<"):
            parts.append(piece)
            continue
        _kind, name = piece[1:-1].split(":")
        if name == "username":
            parts.append(rows["username"])
        elif name == "week":
            parts.append(iso_week(timezone.localdate()))
        elif name == "action":
            parts.append("submit")
        elif name == "kind":  # a background export's kind
            parts.append("hospitals")
        elif name == "fmt":  # a statement's file
            parts.append("xlsx")
        else:
            model = ROWS.get(name) if name != "pk" else ROWS.get(first)
            assert model, f"{route}: which model does <{name}> name? Add it to ROWS."
            parts.append(str(rows[model].pk))
    return "/" + "/".join(parts)


@pytest.fixture
def rows(alice, carol):
    return {"alice": rows_of(alice), "carol": rows_of(carol)}


def answer(client, url: str) -> int:
    """The view's answer to the method it takes: GET, or POST (empty) for write-only views."""
    status = client.get(url).status_code
    return client.post(url).status_code if status == 405 else status


def test_anonymous_visitors_are_sent_to_log_in(rows):
    client = Client()
    for route, name in page_routes():
        if name in PUBLIC:
            continue
        url = url_for(route, rows["alice"])
        response = client.get(url)
        if name in SILENT_SIGNED_OUT:
            assert response.status_code == 204 and not response.content, url
            continue
        if response.status_code == 405:
            response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize(
    ("who", "theirs", "not_theirs"),
    [("alice", "alice", "carol"), ("leader", "alice", "carol"), ("carol", "carol", "alice")],
)
def test_a_row_the_role_may_not_see_is_not_found_on_every_route(
    request, as_user, rows, leader, who, theirs, not_theirs
):
    client = as_user(request.getfixturevalue(who))
    routes = [(r, n) for r, n in page_routes() if "<" in r and n not in PUBLIC]
    assert len(routes) > 30
    for route, _name in routes:
        if route.startswith(PERSONAL) and who == "leader":
            continue  # a token or a notification is its user's alone: none of alice's
        if route.startswith(("exports/<slug:kind>", "imports/template/")):
            continue  # names a kind (of export, of template), not a row: anyone may ask
        url = url_for(route, rows[not_theirs])
        assert answer(client, url) == 404, (who, url)
    for route, _name in routes:
        if route.startswith(PERSONAL) and who == "leader":
            continue
        url = url_for(route, rows[theirs])
        status = answer(client, url)
        assert status not in (404, 500), (who, url, status)


@pytest.mark.parametrize("who", ["director", "assistant"])
def test_those_who_see_everything_open_every_route(request, as_user, rows, who):
    client = as_user(request.getfixturevalue(who))
    for route, name in page_routes():
        if name in PUBLIC or route.startswith(PERSONAL):
            continue
        for owner in ("alice", "carol"):
            url = url_for(route, rows[owner])
            status = answer(client, url)
            assert status not in (404, 500), (who, url, status)


# what the auditor may still post: their own session, password, tokens, language and exports
AUDITOR_OPEN = ("accounts/", "i18n/", "exports/", "notifications/")


def test_the_auditor_opens_every_route_and_changes_nothing(as_user, rows, roles):
    """Read-only: every page answers, and every write is refused whatever the view checks."""
    auditor = assign_role(user=UserFactory(username="auditor"), role=Role.AUDITOR)
    client = as_user(auditor)
    writes = 0
    for route, name in page_routes():
        if name in PUBLIC or route.startswith(PERSONAL):
            continue
        for owner in ("alice", "carol"):
            url = url_for(route, rows[owner])
            assert client.get(url).status_code not in (404, 500), url
            if route.startswith(AUDITOR_OPEN):
                continue
            response = client.post(url, {"name": "审计员改的"})
            assert response.status_code in (403, 405), (url, response.status_code)
            writes += response.status_code == 403
    assert writes > 40
