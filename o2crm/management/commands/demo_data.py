from django.core.management.base import BaseCommand

from hospitals import demo
from imports import demo as imports_demo
from o2crm import summaries
from pipeline import demo as pipeline_demo
from placements import demo as placements_demo
from proposals import demo as proposals_demo
from relations import demo as relations_demo
from reminders import demo as reminders_demo
from reports import demo as reports_demo
from visits import demo as visits_demo


class Command(BaseCommand):
    help = (
        "Load the demo data (浙江省 hospitals, contacts, projects, six demo users); safe to rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-summaries",
            action="store_true",
            help="let every write keep the summaries as it goes (slower; shows the writers "
            "keep them) instead of building them once after the load",
        )

    def handle(self, *args, **options):
        # A bulk load, like the generator's: thousands of writes would each recompute their
        # owners' summaries; they are built once from the rows after it instead.
        if options["keep_summaries"]:
            created = self.load()
        else:
            with summaries.paused():
                created = self.load()
            summaries.rebuild_all()
        self.report(created)

    def load(self) -> dict:
        created = demo.load()
        created["projects"] = pipeline_demo.load()
        created["surveys"] = visits_demo.load()
        created["visits"] = visits_demo.load_visits()
        created["proposals"] = proposals_demo.load()
        created["summaries"] = reports_demo.load()
        created["imported"] = imports_demo.load()
        created["plans"] = relations_demo.load()
        created["placements"] = placements_demo.load()
        created["digests"] = reminders_demo.load()
        return created

    def report(self, created: dict) -> None:
        self.stdout.write(
            "demo data: created {users} users, {hospitals} hospitals, {departments} departments, "
            "{contacts} contacts, {projects} projects, {surveys} oxygen surveys, {visits} visits, "
            "{proposals} proposals, {summaries} submitted weekly summaries, "
            "{imported} hospitals imported into the 公海, {plans} relationship plans, "
            "{placements} placements with their readings and statements, "
            "{digests} daily reminders for today "
            "(existing rows left as they were)".format(**created)
        )
        self.stdout.write("")
        self.stdout.write("Demo logins (password for all: %s):" % demo.DEMO_PASSWORD)
        for username, name, role, team, leads in demo.USERS:
            extra = f", {team}" + (" leader" if leads else "") if team else ""
            self.stdout.write(f"  {username:<10} {name} ({role.label}{extra})")
