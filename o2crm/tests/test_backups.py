"""`manage.py backup PATH` and `manage.py restore PATH` on the database the suite runs on: the
demo data backed up, restored into a new empty database of the same kind by a separate
process (as an operator would), and every table compared row by row."""

import io
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = [pytest.mark.timeless, pytest.mark.django_db(transaction=True)]


def rows_of(cursor, tables: list[str]) -> dict[str, list]:
    out = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')
        out[table] = sorted(cursor.fetchall(), key=repr)
    return out


def restore_elsewhere(path, url: str) -> subprocess.CompletedProcess:
    """`manage.py restore PATH` in its own process, on the database at `url`."""
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(path)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def empty_database():
    """A new, empty database of the suite's kind: (its DATABASE_URL, a DB-API connector)."""
    if connection.vendor == "sqlite":
        import sqlite3
        import tempfile

        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "restored.sqlite3")
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    import psycopg

    db = connection.settings_dict
    name = f"o2crm_restore_{uuid.uuid4().hex[:8]}"
    params = {k: db[K] for k, K in (("host", "HOST"), ("port", "PORT"), ("user", "USER")) if db[K]}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"
    try:
        yield url, lambda: psycopg.connect(dbname=name, **params)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_of_the_demo_restores_with_every_table_equal(tmp_path, empty_database):
    call_command("demo_data", stdout=io.StringIO())
    path = tmp_path / "o2crm.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    assert path.stat().st_size > 0

    url, connect = empty_database
    done = restore_elsewhere(path, url)
    assert done.returncode == 0, done.stderr

    tables = sorted(connection.introspection.table_names())
    if connection.vendor == "sqlite":  # read both sides alike: raw values, no converters
        import sqlite3

        source = sqlite3.connect(connection.settings_dict["NAME"])
        before = rows_of(source.cursor(), tables)
        source.close()
    else:
        import psycopg

        db = connection.settings_dict
        keys = (("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("password", "PASSWORD"))
        with psycopg.connect(dbname=db["NAME"], **{k: db[K] for k, K in keys if db[K]}) as source:
            before = rows_of(source.cursor(), tables)
    assert sum(len(rows) for rows in before.values()) > 1000  # the demo, not an empty shell
    restored = connect()
    try:
        after = rows_of(restored.cursor(), tables)
    finally:
        restored.close()
    differ = [t for t in tables if before[t] != after[t]]
    assert differ == [], (differ[0], before[differ[0]][:2], after[differ[0]][:2])

    # the restored database is not empty: a second restore asks for --force
    again = restore_elsewhere(path, url)
    assert again.returncode != 0 and "--force" in again.stderr


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, alice):
    path = tmp_path / "o2crm.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(path))


def test_restore_says_when_the_file_is_missing(tmp_path, db):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "nothing.backup"), "--force")
