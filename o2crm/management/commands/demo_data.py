from django.core.management.base import BaseCommand

from hospitals import demo
from imports import demo as imports_demo
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

    def handle(self, *args, **options):
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
