"""Backups of the configured database, taken while the app runs, and their restore into an
empty database of the same kind (docs/decisions/0019-backup-and-restore.md).

- SQLite: the online backup API (sqlite3's Connection.backup), page by page from a live
  connection: a consistent copy even while others write, never a file copy (which can catch
  a write halfway, or miss what still sits in the WAL file).
- PostgreSQL: `pg_dump --format=custom` (one snapshot, whatever runs meanwhile) and
  `pg_restore`."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection
from django.utils.translation import gettext as _


def kind() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def backup(path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif kind() == "postgresql":
        _run_pg(["pg_dump", "--format=custom", "--no-owner", "--file", str(path)])
    else:
        raise CommandError(_("不支持的数据库：%s") % kind())


def restore(path: Path, *, force: bool = False) -> None:
    path = Path(path)
    if not path.is_file():
        raise CommandError(_("找不到备份文件 %s。") % path)
    existing = tables()
    if existing and not force:
        raise CommandError(
            _("数据库不是空的（已有 %(n)s 张表），恢复会覆盖其中的数据；确认覆盖请加 --force。")
            % {"n": len(existing)}
        )
    if kind() == "sqlite":
        _restore_sqlite(path)
    elif kind() == "postgresql":
        args = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
        if existing:
            args += ["--clean", "--if-exists"]
        _run_pg([*args, str(path)], database_flag="--dbname")
    else:
        raise CommandError(_("不支持的数据库：%s") % kind())


def _restore_sqlite(path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise CommandError(_("备份文件 %s 已损坏。") % path)
        connection.ensure_connection()
        source.backup(connection.connection)  # replaces every page of the live database
    except sqlite3.DatabaseError as error:
        raise CommandError(
            _("%(path)s 不是 SQLite 备份：%(error)s") % {"path": path, "error": error}
        ) from None
    finally:
        source.close()
    connection.close()  # the next query reads the restored database afresh


def _run_pg(args: list[str], database_flag: str = "--dbname") -> None:
    settings = connection.settings_dict
    program = shutil.which(args[0])
    if program is None:
        raise CommandError(_("找不到 %s：请安装 PostgreSQL 客户端。") % args[0])
    command = [program, *args[1:], database_flag, settings["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command += [flag, str(settings[key])]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    connection.close()  # pg_restore --clean must not wait on our own open transaction
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CommandError(done.stderr.strip() or f"{args[0]} exited with {done.returncode}")
