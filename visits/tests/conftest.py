"""The visits' cast: alice's hospital, its president, a project there."""

import pytest

from hospitals.tests.factories import ContactFactory, HospitalFactory
from pipeline.tests.factories import ProjectFactory


@pytest.fixture
def hospital(alice):
    return HospitalFactory(owner=alice, name="浙江省人民医院", beds=2900, icu_beds=124)


@pytest.fixture
def president(hospital):
    return ContactFactory(
        hospital=hospital, name="周慧", title="院长", layer="decision", roles=["approve"]
    )


@pytest.fixture
def project(hospital):
    return ProjectFactory(hospital=hospital, informant_closeness=None)
