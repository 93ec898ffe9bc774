"""python manage.py send_digests [--dry-run] [--user NAME]

Each active user's daily digest for today, now, whatever time they chose (the worker sends
each at their own time: reminders/jobs.py); once a user and day, so running it again, or
after the worker, sends nothing twice. --dry-run prints who would receive what and sends
nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from accounts.models import User
from reminders.channels import preference
from reminders.digest import digest_for, send_digest


class Command(BaseCommand):
    help = "Send (or with --dry-run, print) today's daily digests."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print, send nothing")
        parser.add_argument("--user", help="only this username")

    def handle(self, *args, dry_run: bool = False, user: str | None = None, **options):
        today = timezone.localdate()
        users = User.objects.filter(is_active=True).order_by("username")
        if user:
            users = users.filter(username=user)
            if not users.exists():
                raise CommandError(f"no active user named {user!r}")
        sent = 0
        for person in users:
            with translation.override(preference(person).language):  # in the reader's
                digest = digest_for(person, today)
                if digest.empty:
                    continue
                if dry_run:
                    self.stdout.write("\n".join(digest.lines()) + "\n")
                elif send_digest(digest):
                    sent += 1
        if not dry_run:
            self.stdout.write(f"{sent} digests sent for {today}")
