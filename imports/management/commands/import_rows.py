"""python manage.py import_rows KIND FILE [--dry-run] [--as USER]

Prints the preview (every row's action, and each error as "第 17 行 床位数：…") and, without
--dry-run, imports the sheet whole — or nothing, exiting non-zero with the row errors, when
any row is wrong. KIND: hospitals, departments, contacts, projects, followups. The command
checks and imports in its own process, whatever the size (no worker needed)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from imports import services
from imports.sheets import SheetError

KINDS = ["hospitals", "departments", "contacts", "projects", "followups"]


class Command(BaseCommand):
    help = "Preview (--dry-run) or import a spreadsheet of one kind of record."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="preview, write nothing")
        parser.add_argument("--as", dest="username", help="import as this user (default: admin)")

    def handle(self, kind, file, dry_run=False, username=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        users = User.objects.filter(is_active=True)
        user = (
            users.filter(username=username).first()
            if username
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError(f"no active user {username or '(superuser)'} to import as")
        try:
            batch = services.upload(
                user=user, kind=kind, file_name=path.name, content=path.read_bytes()
            )
            result = services.preview(batch)
        except (ValidationError, SheetError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        counts = result["counts"]
        self.stdout.write(
            f"{path.name}: {counts['new']} new, {counts['update']} update, "
            f"{counts['duplicate']} duplicate, {counts['error']} error"
        )
        if result["unknown_columns"]:
            self.stdout.write("unknown columns: " + ", ".join(result["unknown_columns"]))
        for message in services.messages_of(result, kind):
            self.stdout.write(message)
        if counts["error"]:
            raise CommandError(f"{counts['error']} rows are wrong: nothing imported")
        if dry_run:
            return
        services.confirm(batch)
        self.stdout.write(f"imported as batch {batch.pk}")
