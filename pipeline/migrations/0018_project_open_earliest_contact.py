"""待跟进's rows in due order (pipeline.counts.due_page_ids): the open projects by the earlier
of their two contact clocks, pipeline.models.earliest_contact, on PostgreSQL.

Not on SQLite: there the expression's date of a timestamp is a function Django registers on
its own connections (django_datetime_cast_date), so the file could no longer be read by any
other SQLite reader (the backup check, the sqlite3 shell). SQLite sorts the few rows it holds.
See docs/decisions/0011-national-aggregates.md.
"""

from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Least, TruncDate

NAME = "project_open_earliest_contact"


def index() -> models.Index:
    # the expression of pipeline.models.earliest_contact, written out so that this migration
    # keeps meaning what it meant when it ran; compiled by Django, as the queries are, so the
    # planner finds it equal to theirs
    started = TruncDate("created_at")
    return models.Index(
        Least(
            Coalesce(F("last_business_contact_on"), started),
            Coalesce(F("last_relationship_contact_on"), started),
        ),
        "id",
        condition=Q(status="open"),
        name=NAME,
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("pipeline", "Project"), index())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0017_project_lost_newest")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
