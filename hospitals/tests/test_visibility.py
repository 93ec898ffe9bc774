"""The one visibility rule (docs/decisions/0003-visibility.md), model by model."""

import pytest

from hospitals.models import Contact, Department, Hospital

from .factories import ContactFactory, DepartmentFactory, HospitalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(alice, bob, carol):
    return {
        "alice": HospitalFactory(owner=alice, name="甲医院"),
        "bob": HospitalFactory(owner=bob, name="乙医院"),
        "carol": HospitalFactory(owner=carol, name="丙医院"),
        "nobody": HospitalFactory(owner=None, name="丁医院"),
    }


def names(qs):
    return sorted(h.name for h in qs)


def test_a_manager_sees_only_the_hospitals_they_own(world, alice):
    assert names(Hospital.objects.visible_to(alice)) == ["甲医院"]


def test_a_team_leader_sees_their_teams_hospitals(world, leader):
    assert names(Hospital.objects.visible_to(leader)) == ["乙医院", "甲医院"]


def test_a_leader_of_another_team_does_not(world, carol):
    assert names(Hospital.objects.visible_to(carol)) == ["丙医院"]


@pytest.mark.parametrize("who", ["assistant", "director", "admin_user"])
def test_assistant_director_and_admin_see_everything(world, who, request):
    user = request.getfixturevalue(who)
    assert Hospital.objects.visible_to(user).count() == 4


def test_an_inactive_user_sees_nothing(world, alice):
    alice.is_active = False
    assert not Hospital.objects.visible_to(alice).exists()


def test_departments_and_contacts_follow_their_hospital(world, alice, carol):
    DepartmentFactory(hospital=world["alice"], name="设备科")
    DepartmentFactory(hospital=world["carol"], name="设备科")
    ContactFactory(hospital=world["alice"], name="张伟")
    ContactFactory(hospital=world["carol"], name="李强")
    assert [d.hospital.name for d in Department.objects.visible_to(alice)] == ["甲医院"]
    assert [c.name for c in Contact.objects.visible_to(alice)] == ["张伟"]
    assert [c.name for c in Contact.objects.visible_to(carol)] == ["李强"]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("alice", True),  # owner
        ("leader", True),  # owner's team leader
        ("director", True),
        ("admin_user", True),
        ("bob", False),  # teammate
        ("carol", False),  # other team
        ("assistant", False),  # sees the contact, not their private life
    ],
)
def test_personal_details_are_for_the_owner_and_those_above(world, who, sees, request):
    user = request.getfixturevalue(who)
    contact = ContactFactory(hospital=world["alice"], hobbies="钓鱼")
    loaded = Contact.objects.with_owner().get(pk=contact.pk)
    assert loaded.personal_visible_to(user) is sees
