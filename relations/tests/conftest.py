import pytest

from accounts.models import Role
from accounts.services import assign_role
from accounts.tests.factories import UserFactory
from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.tests.factories import ProjectFactory


@pytest.fixture
def auditor(roles):
    return assign_role(user=UserFactory(username="auditor", name="审计 孙敏"), role=Role.AUDITOR)


@pytest.fixture
def president(alice):
    """The president of alice's hospital, met through the middle layer: closeness 2, neutral."""
    hospital = HospitalFactory(owner=alice, name="嘉兴市第一医院")
    return ContactFactory(
        hospital=hospital, name="王建国", title="院长", layer="decision", influence=5,
        closeness=2, attitude="neutral", roles=["approve"],
    )  # fmt: skip


@pytest.fixture
def project(president, alice):
    chief = ContactFactory(hospital=president.hospital, name="李科长", title="设备科长")
    return ProjectFactory(
        hospital=president.hospital, owner=alice, entry_path="mid", contacts=[president, chief]
    )
