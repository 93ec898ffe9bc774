"""The hospital, contact and department lists, unfiltered, take their totals from the
summaries kept by the writers (decision 0029) instead of a COUNT over the table: on the page
and in the API, for every role, equal to the rows the user may see after the writes that move
them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hospitals.models import Contact, Department, Hospital
from o2crm import summaries
from o2crm.records import save_record

from .factories import ContactFactory, DepartmentFactory, HospitalFactory

pytestmark = pytest.mark.django_db


def test_the_lists_total_from_their_summaries_equal_to_the_rows(
    as_user, api_as, alice, bob, carol, leader, director, assistant
):
    hospitals = {
        owner: [HospitalFactory(owner=owner, province="浙江省") for _ in range(n)]
        for owner, n in ((alice, 3), (bob, 1), (carol, 2), (None, 2))  # None: the 公海
    }
    for i, hospital in enumerate(h for mine in hospitals.values() for h in mine):
        for _ in range(i % 3 + 1):
            ContactFactory(hospital=hospital)
        for _ in range(i % 2 + 1):
            DepartmentFactory(hospital=hospital)
    users = (director, assistant, leader, alice, bob, carol)

    def totals_equal_the_rows(when):
        assert summaries.check(["hospitals", "contacts", "departments"]) == [], when
        for user in users:
            for path, model in (("hospitals", Hospital), ("contacts", Contact)):
                rows = model.objects.visible_to(user).count()
                page = as_user(user).get(f"/{path}/").context["page"]
                assert page.paginator.count == rows, (when, user, path)
                assert api_as(user).get(f"/{path}").json()["count"] == rows, (when, user, path)
            rows = Department.objects.visible_to(user).count()
            assert api_as(user).get("/departments").json()["count"] == rows, (when, user)

    totals_equal_the_rows("made")
    gone = hospitals[alice][0]
    gone.owner = bob  # handed over
    save_record(record=gone, by=director)
    Contact.objects.filter(hospital=hospitals[carol][0]).first().delete()
    Department.objects.filter(hospital=hospitals[bob][0]).first().delete()
    hospitals[None][0].delete()  # its contacts go with it
    totals_equal_the_rows("after a handover and deletions")

    # the page says what it lists: the last page holds the last contacts in the list's order
    client = as_user(director)
    last = client.get("/contacts/", {"page": 99}).context["page"]
    expected = list(Contact.objects.order_by("pinyin", "pk").values_list("pk", flat=True))
    assert [c.pk for c in last.object_list] == expected[(last.number - 1) * 25 :]
    # and asks no COUNT of the table for it
    with CaptureQueriesContext(connection) as ran:
        client.get("/contacts/")
        client.get("/hospitals/", {"sort": "-beds"})
        api_as(director).get("/departments")
    counts = [q["sql"] for q in ran.captured_queries if "COUNT(" in q["sql"].upper()]
    tables = ("hospitals_contact", "hospitals_hospital", "hospitals_department")
    assert not [sql for sql in counts if any(table in sql for table in tables)]
    # a filter counts what it leaves
    filtered = client.get("/hospitals/", {"owner": alice.pk}).context["page"]
    assert filtered.paginator.count == Hospital.objects.filter(owner=alice).count() == 2
    departments = api_as(director).get("/departments", {"hospital": hospitals[bob][0].pk}).json()
    assert departments["count"] == Department.objects.filter(hospital=hospitals[bob][0]).count()
    contacts = api_as(director).get("/contacts", {"hospital": hospitals[bob][0].pk}).json()
    assert contacts["count"] == Contact.objects.filter(hospital=hospitals[bob][0]).count()
