"""Trigram indexes so LIKE '%term%' searches stay fast at national scale on PostgreSQL.

SQLite has no such index; there the search scans (fine for the embedded, single-office case).
See docs/decisions/0005-pinyin-search.md.
"""

from django.db import migrations

INDEXES = [
    ("hospitals_hospital", "hospital_search_trgm"),
    ("hospitals_contact", "contact_search_trgm"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, name in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_text gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("hospitals", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
