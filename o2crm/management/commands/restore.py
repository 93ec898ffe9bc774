from pathlib import Path

from django.core.management.base import BaseCommand

from o2crm import backups


class Command(BaseCommand):
    help = (
        "Load a backup written by `backup` into the configured database, which must be empty "
        "and of the same kind; --force overwrites a database that is not."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="replace what a non-empty database holds"
        )

    def handle(self, *args, path: Path, force: bool, **options):
        backups.restore(path, force=force)
        self.stdout.write(f"{path} restored into the {backups.kind()} database")
