"""python manage.py run_worker [--batch] [--no-schedule] [db_worker's options]

The background worker: django-tasks-db's `db_worker` (it claims one queued job at a time,
with a row lock on PostgreSQL), plus a thread that ticks the schedule (o2crm/jobs.py). Run
one beside the web server (`make run` does), or one or more per host in production: each
scheduled job still runs once per period. Stop it with Ctrl-C or SIGTERM; it finishes the
job in hand first."""

import threading
from typing import Any

from django_tasks_db.management.commands import db_worker

from o2crm.jobs import ticking


class Command(db_worker.Command):
    help = "Run background jobs and the schedule."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.set_defaults(reload=False, queue_name="*")
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="only run queued jobs; leave the schedule to other workers",
        )

    def handle(self, *args: Any, schedule: bool = True, **options: Any) -> None:
        stop = threading.Event()
        if schedule and not options.get("batch"):
            ticking(stop)
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
