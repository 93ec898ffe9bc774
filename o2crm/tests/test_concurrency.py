"""Several people writing at once, on the database the suite runs on (SQLite, the default,
and PostgreSQL): every write is stored or refused with a clear answer, never a 500 ("database
is locked"). Threads, each with its own connection, start together at a barrier."""

import json
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from hospitals.tests.factories import HospitalFactory
from o2crm import summaries
from pipeline.models import FollowUp, Project
from pipeline.tests.factories import ProjectFactory
from proposals.models import Proposal
from proposals.tests.test_api import EXAMPLE

pytestmark = [pytest.mark.timeless, pytest.mark.django_db(transaction=True)]


def at_once(n: int, request) -> list:
    """request(i) in n threads released together; their answers' status codes, in order."""
    barrier = threading.Barrier(n)
    codes: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            codes[i] = request(i).status_code
        except Exception as error:  # noqa: BLE001 — an error is an answer the test reports
            codes[i] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


def clients(user, n: int) -> list[Client]:
    out = []
    for _ in range(n):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        out.append(client)
    return out


def send(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_forty_follow_ups_to_one_project_at_once_are_all_stored(alice):
    project = ProjectFactory(hospital=HospitalFactory(owner=alice))
    people = clients(alice, 40)
    body = {"project": project.pk, "channel": "phone", "kind": "business", "summary": "电话沟通"}
    codes = at_once(40, lambda i: send(people[i], "post", "/api/v1/followups", body))
    assert codes == [201] * 40
    assert FollowUp.objects.filter(project=project).count() == 40
    project.refresh_from_db()
    assert project.last_business_contact_on is not None


def test_two_saves_of_the_same_version_give_one_success_and_one_conflict(alice, leader):
    project = ProjectFactory(hospital=HospitalFactory(owner=alice))
    for trial in range(10):
        version = Project.objects.get(pk=project.pk).version
        people = clients(alice, 1) + clients(leader, 1)

        def save(i, version=version, people=people, trial=trial):
            body = {"notes": f"第{trial}次，第{i}人", "version": version}
            return send(people[i], "patch", f"/api/v1/projects/{project.pk}", body)

        assert sorted(at_once(2, save)) == [200, 409]


def test_proposals_created_and_approved_at_once_never_fail(alice, director):
    project = ProjectFactory(hospital=HospitalFactory(owner=alice))
    people = clients(alice, 4)
    body = {"project": project.pk, "economics": EXAMPLE}
    codes = at_once(4, lambda i: send(people[i], "post", "/api/v1/proposals", body))
    assert codes == [201] * 4
    numbers = set(Proposal.objects.filter(project=project).values_list("number", flat=True))
    assert len(numbers) == 4  # each its own number from the year's counter
    proposal = Proposal.objects.filter(project=project).order_by("-pk").first()
    assert send(people[0], "post", f"/api/v1/proposals/{proposal.pk}/submit", {}).status_code == 200
    bosses = clients(director, 2)
    url = f"/api/v1/proposals/{proposal.pk}/approve"
    codes = at_once(2, lambda i: send(bosses[i], "post", url, {"override_reason": "区域首单"}))
    assert 200 in codes and all(code in (200, 400, 409) for code in codes), codes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_the_days_first_build_and_a_writer_of_two_owners_never_deadlock(alice, carol):
    """A write that moves the summaries of two people (a handover) while the day's first
    reader builds the as-of-today cells: the builder locks every person in id order, the
    writer holds the later one and then asks for the earlier. Both must finish."""
    first, later = sorted([alice, carol], key=lambda u: u.pk)
    holding = threading.Event()
    done: dict[str, str] = {}

    def writer() -> None:
        try:
            with transaction.atomic():
                summaries.changed(Project, [later.pk])
                holding.set()
                _until_someone_waits_for_a_lock()
                summaries.changed(Project, [first.pk])
            done["writer"] = "ok"
        except Exception as error:  # noqa: BLE001 — the test reports it
            done["writer"] = repr(error)
        finally:
            connections.close_all()

    def builder() -> None:
        try:
            holding.wait(30)
            summaries.cells("contact-due", alice)  # the day's first reader builds it
            done["builder"] = "ok"
        except Exception as error:  # noqa: BLE001
            done["builder"] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer), threading.Thread(target=builder)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert done == {"writer": "ok", "builder": "ok"}


def _until_someone_waits_for_a_lock() -> None:
    with connection.cursor() as cursor:
        for _ in range(200):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
