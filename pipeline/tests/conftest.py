"""The pipeline's cast: alice's hospital and a project there."""

import pytest

from hospitals.tests.factories import HospitalFactory
from pipeline.tests.factories import ProjectFactory


@pytest.fixture
def hospital(alice):
    return HospitalFactory(owner=alice, name="浙江省人民医院", short_name="省人民医院")


@pytest.fixture
def project(hospital):
    return ProjectFactory(hospital=hospital, name="省人民医院制氧站投放项目")
