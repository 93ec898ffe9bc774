"""Recompute every summary from its rows and compare (decision 0029).

python manage.py check_summaries            # exit 1 and list the cells that differ
python manage.py check_summaries --repair   # then rebuild the topics that differ
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from o2crm import summaries


class Command(BaseCommand):
    help = "Recompute every summary (o2crm/summaries.py) from its rows and compare."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="rebuild the topics that differ")

    def handle(self, *args, repair: bool = False, **options) -> None:
        topics = sorted(summaries.summaries())
        problems = summaries.check(topics)
        for line in problems[:50]:
            self.stdout.write(line)
        if len(problems) > 50:
            self.stdout.write(f"… and {len(problems) - 50} more")
        if not problems:
            self.stdout.write(f"summaries equal their rows: {', '.join(topics)}")
            return
        if repair:
            for topic in sorted({p.split(" ", 1)[0] for p in problems}):
                self.stdout.write(f"rebuilt {topic}: {summaries.rebuild(topic)} cells")
            return
        raise CommandError(f"{len(problems)} summary cells differ from their rows")
