"""The demo's import: the province's list of new and relocating hospitals, brought in by the
assistant three days before, waits in the 公海 for the managers of its regions."""

import pytest
from django.core.management import call_command

from accounts.models import User
from hospitals.models import Hospital
from imports.demo import FILE, ROWS

pytestmark = pytest.mark.django_db


def test_the_demo_list_is_imported_once_into_the_pool(as_user, capsys):
    call_command("demo_data")
    call_command("demo_data")  # a rerun imports nothing twice
    names = [row[0] for row in ROWS]
    imported = Hospital.objects.filter(name__in=names)
    assert imported.count() == len(ROWS) and not imported.filter(owner__isnull=False).exists()
    listing = as_user(User.objects.get(username="assistant")).get("/imports/")
    batches = list(listing.context["page"])
    assert [b.file_name for b in batches] == [FILE] and batches[0].counts["new"] == len(ROWS)
    pool = as_user(User.objects.get(username="manager3")).get("/hospitals/pool/")
    assert "温州医科大学附属第二医院龙湾院区" in pool.content.decode()
    assert "浙江省肿瘤医院杭州湾院区" not in pool.content.decode()  # 宁波: another region's
