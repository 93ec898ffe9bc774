from pathlib import Path

from django.core.management.base import BaseCommand

from o2crm import backups


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the configured database to PATH while the app runs "
        "(SQLite: the online backup API; PostgreSQL: pg_dump's custom format)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        backups.backup(path)
        size = path.stat().st_size
        self.stdout.write(
            f"backup of the {backups.kind()} database written to {path} ({size:,} bytes)"
        )
