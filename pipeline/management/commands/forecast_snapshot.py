from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from o2crm.dates import week_start
from pipeline.services import take_forecast_snapshot


class Command(BaseCommand):
    help = (
        "Take this week's forecast snapshot if it is missing (run it from cron early on "
        "Monday; the first change to the pipeline in a week takes it too). With --backfill N, "
        "rebuild the N weeks before it from the records where they are missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backfill", type=int, default=0, metavar="WEEKS")

    def handle(self, *args, backfill: int = 0, **options):
        this_monday = week_start(timezone.localdate())
        taken = []
        for weeks_ago in range(backfill, -1, -1):
            monday = this_monday - timedelta(days=7 * weeks_ago)
            if take_forecast_snapshot(monday=monday, reconstruct=weeks_ago > 0):
                taken.append(monday.isoformat())
        self.stdout.write(
            f"forecast snapshots taken: {', '.join(taken)}" if taken else "nothing to take"
        )
