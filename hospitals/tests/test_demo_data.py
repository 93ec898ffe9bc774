import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Team, User
from hospitals.models import Contact, Department, Hospital

pytestmark = pytest.mark.django_db


def test_demo_data_loads_once_and_reruns_harmlessly(capsys):
    call_command("demo_data")
    out = capsys.readouterr().out
    counts = (Hospital.objects.count(), Department.objects.count(), Contact.objects.count())
    assert counts[0] >= 40 and counts[2] >= 300
    assert "manager1" in out and "o2crm-demo" in out

    hospital = Hospital.objects.get(name="浙江省人民医院")
    hospital.notes = "用户改过的备注"
    hospital.save()
    call_command("demo_data")
    assert (Hospital.objects.count(), Department.objects.count(), Contact.objects.count()) == counts
    assert Hospital.objects.get(name="浙江省人民医院").notes == "用户改过的备注"


def test_the_demo_organisation_is_as_documented():
    call_command("demo_data")
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": "admin",
        "director": "director",
        "assistant": "assistant",
        "auditor": "auditor",
        "operations": "operations",
        "finance": "finance",
        "manager1": "manager",
        "manager2": "manager",
        "manager3": "manager",
    }
    team1 = Team.objects.get(leader__username="manager1")
    assert set(team1.members.values_list("username", flat=True)) == {"manager1", "manager2"}
    assert Team.objects.get(leader__username="manager3").members.count() == 1
    for username in roles:
        client = Client()
        response = client.post("/accounts/login/", {"username": username, "password": "o2crm-demo"})
        assert response.status_code == 302, username


def test_demo_hospitals_cover_grades_statuses_and_layers():
    call_command("demo_data")
    assert {"3A", "3B", "2A", "none"} <= set(Hospital.objects.values_list("grade", flat=True))
    assert {"operating", "new", "relocating", "expanding"} <= set(
        Hospital.objects.values_list("status", flat=True)
    )
    assert set(Contact.objects.values_list("layer", flat=True)) == {
        "decision",
        "functional",
        "base",
    }
    assert Contact.objects.search("zhang").filter(name="张伟").exists()
    # initials can collide: 浙江省人民医院 and 诸暨市人民医院 are both zjsrmyy
    assert set(Hospital.objects.search("zjsrmyy").values_list("name", flat=True)) == {
        "浙江省人民医院",
        "诸暨市人民医院",
    }
    # every hospital's personal data stays private to its team
    manager2 = User.objects.get(username="manager2")
    assert Hospital.objects.visible_to(manager2).exclude(owner=manager2).count() == 0
