"""In-app notifications: a proposal submitted reaches the director, approved or returned its
maker; never the one who acted, never someone who may not see it, never twice; the bell,
the 通知 page and the API read the user's own."""

import pytest
from django.urls import reverse

from hospitals.tests.factories import HospitalFactory
from pipeline.tests.factories import ProjectFactory
from proposals import services as proposals
from proposals.tests.factories import make_proposal
from reminders import notify
from reminders.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)  # sent once the change is committed


@pytest.fixture
def proposal(alice):
    project = ProjectFactory(hospital=HospitalFactory(owner=alice, name="浙江省人民医院"))
    return make_proposal(project, by=alice)


def texts(user) -> list[str]:
    return [n.text for n in Notification.objects.filter(recipient=user)]


def test_a_submitted_proposal_reaches_the_director_and_nobody_else(
    alice, bob, carol, leader, director, proposal
):
    proposals.submit(proposal=proposal, by=alice)
    [text] = texts(director)
    assert "刘晓燕" in text and proposal.label in text and "浙江省人民医院" in text
    assert "等待您审批" in text
    for user in (alice, bob, carol, leader):  # the maker, who acted; the rest do not approve
        assert texts(user) == []


def test_approved_and_returned_reach_the_maker_once(alice, director, proposal):
    proposals.submit(proposal=proposal, by=alice)
    proposals.return_proposal(proposal=proposal, by=director, comment="单价偏低，请重算")
    [returned] = texts(alice)
    assert "被 周建华 退回" in returned and "单价偏低" in returned
    event = proposal.events.latest("pk")
    notify.proposal_event(event)  # the same event again (a retry, a second worker)
    assert len(texts(alice)) == 1
    assert texts(director) and all("退回" not in t for t in texts(director))
    # decided, the director's "waiting for you" counts as read
    assert notify.unread_count(director) == 0


def test_the_bell_counts_and_the_page_opens_and_marks_read(as_user, alice, director, proposal):
    proposals.submit(proposal=proposal, by=alice)
    client = as_user(director)
    badge = client.get(reverse("reminders:notification-badge")).content.decode()
    assert ">1<" in badge.replace(" ", "")
    page = client.get(reverse("reminders:notification-list")).content.decode()
    assert "等待您审批" in page
    note = Notification.objects.get(recipient=director)
    opened = client.get(reverse("reminders:notification-open", args=[note.pk]))
    assert opened.status_code == 302 and opened["Location"] == proposal.get_absolute_url()
    assert Notification.objects.get(pk=note.pk).read_at is not None
    assert client.get(reverse("reminders:notification-badge")).content.decode().strip() == ""
    # someone else's notification is not found
    assert (
        as_user(alice).get(reverse("reminders:notification-open", args=[note.pk])).status_code
        == 404
    )


def test_the_api_lists_the_users_own_and_marks_one_read(api_as, alice, director, proposal):
    proposals.submit(proposal=proposal, by=alice)
    api = api_as(director)
    body = api.get("/notifications", {"unread": "true"}).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert set(item) == {"id", "kind", "text", "url", "created_at", "read_at"}
    assert item["kind"] == "proposal_submitted" and item["read_at"] is None
    read = api.post(f"/notifications/{item['id']}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert api.get("/notifications", {"unread": "true"}).json()["count"] == 0
    assert api_as(alice).get("/notifications").json()["count"] == 0
    assert api_as(alice).post(f"/notifications/{item['id']}/read").status_code == 404


def test_the_page_takes_a_fixed_number_of_queries(as_user, alice, director, proposal, queries_for):
    proposals.submit(proposal=proposal, by=alice)
    client = as_user(director)
    url = reverse("reminders:notification-list")
    few = queries_for(lambda: client.get(url))
    for i in range(5):
        notify.notify(
            recipient=director,
            kind="proposal_submitted",
            key=f"k{i}",
            url="/",
            label="x",
            hospital="y",
            by="z",
        )
    assert queries_for(lambda: client.get(url)) == few


def test_the_bells_poll_after_the_session_ended_leaves_the_login_form_valid(client, alice):
    """The bell polls every minute. Signed out (the session expired, or another tab signed
    out), its poll was sent to the login page, which set a fresh CSRF cookie over the one a
    login form already on screen was rendered with: that form then failed as forged
    ("CSRF token from POST incorrect"; the browser test that signs in as someone else failed
    so on a slow day). The poll of nobody answers empty, sets no cookie, and the form works."""
    client = type(client)(enforce_csrf_checks=True)
    form = client.get(reverse("login"))
    token = form.context["csrf_token"]
    poll = client.get(reverse("reminders:notification-badge"), HTTP_HX_REQUEST="true", follow=True)
    assert poll.status_code == 204 and "csrftoken" not in poll.cookies
    signed_in = client.post(
        reverse("login"),
        {"username": "alice", "password": "o2crm-test", "csrfmiddlewaretoken": str(token)},
    )
    assert signed_in.status_code == 302
