#!/usr/bin/env python
"""Benchmark every page of o2crm under gunicorn against a generated database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2crm_bench \
        .venv/bin/python bench/run.py --generate 40000 --requests 20

See bench/README.md. Prints a table and writes bench/results/<db>-<date>.json.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# The calculator page gets the reference's worked example, as its form sends it.
CALCULATOR_CASE = urllib.parse.urlencode(
    {
        "dept_general_ward": 280, "dept_icu": 12, "dept_operating_room": 8,
        "consumption_kind": "lox_t_per_year", "consumption_value": 150,
        "baseline_kind": "cny_per_t_lox", "baseline_value": 1800,
        "price": "2.40", "term_years": 10, "mode": "keep",
    }
)  # fmt: skip
# The one list of what the benchmark requests; {hospital}, {contact}, {project}, {visit},
# {survey}, {proposal} are filled per role with a row that role may see; {manager} is the
# sales manager whose week every role reads (their own for the manager), {week} and {month}
# the last whole ones ({month_end} its last day), {today} and {five_years_ago} dates.
PAGES = [
    ("home", "/"),
    ("hospital list", "/hospitals/"),
    ("hospital list by beds", "/hospitals/?sort=-beds"),
    ("hospital list filtered", "/hospitals/?grade=3A&status=operating"),
    ("hospital pinyin search", "/hospitals/?q=zhongxin"),
    ("hospital pool", "/hospitals/pool/"),
    ("search (pinyin)", "/search/?q=zhang"),
    ("search (initials)", "/search/?q=rmyy"),
    ("search (one letter)", "/search/?q=l"),
    ("owner type-ahead", "/owners/suggest/?q=wang"),
    ("hospital detail", "/hospitals/{hospital}/"),
    ("hospital history", "/hospitals/{hospital}/history/"),
    ("hospital edit form", "/hospitals/{hospital}/edit/"),
    ("new contact form", "/hospitals/{hospital}/contacts/new/"),
    ("contact list", "/contacts/"),
    ("contact list last page", "/contacts/?page=99999"),
    ("contact detail", "/contacts/{contact}/"),
    ("contact edit form", "/contacts/{contact}/edit/"),
    ("contact history", "/contacts/{contact}/history/"),
    ("project board", "/projects/board/"),
    ("project board class A", "/projects/board/?project_class=A"),
    ("project list", "/projects/"),
    ("project list by value", "/projects/?status=&sort=-value"),
    ("project list last page", "/projects/?status=&page=99999"),
    ("待跟进 due list", "/projects/due/"),
    ("project detail", "/projects/{project}/"),
    ("new project form", "/hospitals/{hospital}/projects/new/"),
    ("project edit form", "/projects/{project}/edit/"),
    ("follow-up form", "/projects/{project}/follow-ups/new/"),
    ("evaluation form", "/projects/{project}/evaluations/new/"),
    ("visits", "/visits/"),
    ("visit detail", "/visits/{visit}/"),
    ("visit brief", "/visits/{visit}/brief/"),
    ("visit record form", "/visits/{visit}/record/"),
    ("new visit form", "/hospitals/{hospital}/visits/new/"),
    ("my tasks", "/tasks/"),
    ("notifications", "/notifications/"),
    ("notification bell", "/notifications/badge/"),
    ("notification settings", "/notifications/settings/"),
    ("exports", "/exports/"),
    ("imports", "/imports/"),
    ("relationship plan", "/relations/projects/{project}/plan/"),
    ("relationship plan a year", "/relations/projects/{project}/plan/?since=365"),
    ("new plan target form", "/relations/projects/{project}/plan/targets/new/"),
    ("compliance ledger", "/relations/ledger/"),
    ("compliance ledger filtered", "/relations/ledger/?status=approved&start={month}-01"),
    ("compliance ledger last page", "/relations/ledger/?page=99999"),
    ("compliance policy", "/relations/ledger/policy/"),
    ("placements", "/placements/"),
    ("placements overdue", "/placements/?overdue=on"),
    ("placement statements", "/placements/statements/"),
    ("receivables ageing", "/placements/receivables/"),
    ("receivables by manager", "/placements/receivables/?by=manager"),
    ("placement portfolio", "/placements/portfolio/"),
    ("placement", "/placements/{contract}/"),
    ("placement statement", "/placements/statements/{statement}/"),
    ("surveys", "/surveys/"),
    ("survey detail", "/surveys/{survey}/"),
    ("new survey form", "/hospitals/{hospital}/surveys/new/"),
    ("economics calculator", "/projects/{project}/economics/?" + CALCULATOR_CASE),
    ("proposal list", "/proposals/"),
    ("proposal detail", "/proposals/{proposal}/"),
    ("proposal settings", "/proposals/settings/"),
    ("pipeline chart", "/reports/funnel/"),
    ("pipeline chart, five years", "/reports/funnel/?start={five_years_ago}&end={today}"),
    ("sources report", "/reports/sources/"),
    ("forecast", "/reports/forecast/"),
    ("contact discipline", "/reports/discipline/"),
    ("contact discipline last month", "/reports/discipline/?start={month}-01&end={month_end}"),
    ("monthly report", "/reports/monthly/?month={month}"),
    ("monthly report this month", "/reports/monthly/"),
    ("weekly summary", "/reports/weekly/{manager}/{week}/"),
    ("weekly overview", "/reports/weekly/?week={week}"),
    ("profile", "/accounts/profile/"),
    ("api hospitals search", "/api/v1/hospitals?q=zx"),
    ("api hospital", "/api/v1/hospitals/{hospital}"),
    ("api departments", "/api/v1/departments"),
    ("api contacts", "/api/v1/contacts"),
    ("api contact", "/api/v1/contacts/{contact}"),
    ("api stages", "/api/v1/stages"),
    ("api projects", "/api/v1/projects"),
    ("api project", "/api/v1/projects/{project}"),
    ("api stage history", "/api/v1/projects/{project}/stage-history"),
    ("api follow-ups", "/api/v1/followups"),
    ("api evaluations", "/api/v1/evaluations"),
    ("api visits", "/api/v1/visits"),
    ("api visit", "/api/v1/visits/{visit}"),
    ("api tasks", "/api/v1/tasks"),
    ("api notifications", "/api/v1/notifications"),
    ("api surveys", "/api/v1/surveys"),
    ("api survey", "/api/v1/surveys/{survey}"),
    ("api proposals", "/api/v1/proposals"),
    ("api proposal", "/api/v1/proposals/{proposal}"),
    ("api proposal Word", "/api/v1/proposals/{proposal}/document.docx"),
    ("api proposal PDF", "/api/v1/proposals/{proposal}/document.pdf"),
    ("api funnel", "/api/v1/reports/funnel"),
    ("api sources", "/api/v1/reports/sources"),
    ("api forecast", "/api/v1/reports/forecast"),
    ("api discipline", "/api/v1/reports/discipline"),
    ("api monthly", "/api/v1/reports/monthly?month={month}"),
    ("api weekly", "/api/v1/reports/weekly?user={manager}&week={week}"),
    ("api weekly overview", "/api/v1/reports/weekly/overview?week={week}"),
    ("api relationship plans", "/api/v1/relationship-plans"),
    ("api relationship actions", "/api/v1/relationship-actions?status=planned"),
    ("api contracts", "/api/v1/contracts"),
    ("api readings", "/api/v1/readings"),
    ("api statements", "/api/v1/statements"),
    ("api payments", "/api/v1/payments"),
    ("api actual vs plan", "/api/v1/contracts/{contract}/actual-vs-plan"),
    ("api contract readings", "/api/v1/readings?contract={contract}"),
    ("api ledger", "/api/v1/ledger"),
    ("api closeness history", "/api/v1/contacts/{contact}/closeness-history"),
    ("api schema", "/api/v1/openapi.json"),
]
# Pages only the director (and the admin) opens: requested for the director alone.
DIRECTOR_PAGES = [
    ("people", "/people/"),
    ("handovers", "/people/handovers/"),
    ("handover form", "/people/{manager}/handover/"),
    ("person form", "/people/{manager}/edit/"),
    ("teams", "/people/teams/"),
]
CEILING = "/healthz"
PASSWORD = "o2crm-bench"


def env_for_server(port: int) -> dict:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "O2CRM_BENCH": "1",
        "LOG_LEVEL": "ERROR",
    }


def manage(*args: str, env: dict | None = None) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True, env=env or os.environ)
    return time.perf_counter() - started


# The national hospital list made as a worker makes it, in a process of its own: how long,
# how large, and the process's peak memory (issue #23: under 300 MB whatever the size).
BACKGROUND_EXPORT = """
import resource, time
from accounts.models import User
from o2crm.exports import run_export, start_export
job = start_export(user=User.objects.get(username="{director}"), kind="hospitals", params={{}})
started = time.perf_counter()
run_export.call(job.pk)
job.refresh_from_db()
print("RESULT", job.status, round(time.perf_counter() - started, 2), job.size,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def background_export(director: str, env: dict) -> dict:
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", BACKGROUND_EXPORT.format(director=director)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    _word, status, seconds, size, peak = line.split()
    return {"status": status, "seconds": float(seconds), "bytes": int(size), "peak_mb": int(peak)}


def hospitals_in(url: str) -> int | None:
    """How many hospitals the database of `url` holds (None: no such database or tables)."""
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c",
         "from hospitals.models import Hospital; print(Hospital.objects.count())"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    return int(lines[-1]) if done.returncode == 0 and lines and lines[-1].isdigit() else None


def fresh_database(url: str) -> None:
    """Empty the database of `url`: delete an SQLite file, recreate a PostgreSQL one."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        Path(parsed.path).unlink(missing_ok=True)
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _typical_manager(last_week):
    """The manager whose pages the benchmark reads, and their team (whose leader it reads as
    the leader): a manager of median load whose last week is not submitted yet (the weekly
    summary built live, the costlier path), in the first team that has one. The same
    username at two sizes is a different load (m0051: 72 projects at 10,000 hospitals, 103 at
    40,000) and, nine managers in ten submitting, a frozen week at one size and a live one at
    the other: the 'growth' of a manager's weekly pages was the generator's, not the code's."""
    from datetime import timedelta

    from django.db.models import Count, Q

    from accounts.models import Role, Team, User
    from reports.models import WeeklySummary

    monday = last_week - timedelta(days=last_week.weekday())
    managers = User.objects.filter(role=Role.MANAGER).annotate(n=Count("projects"))
    loads = sorted(managers.values_list("n", flat=True))
    median = loads[len(loads) // 2]
    submitted = WeeklySummary.objects.filter(week_start=monday, submitted_at__isnull=False)
    live = managers.exclude(Q(pk__in=submitted.values("owner")) | Q(led_teams__isnull=False))
    for team in Team.objects.exclude(leader=None).order_by("pk"):
        members = sorted(live.filter(team=team), key=lambda u: (abs(u.n - median), u.pk))
        if members:
            return team, members[0]
    team = Team.objects.exclude(leader=None).order_by("pk").first()
    return team, User.objects.filter(team=team).exclude(pk=team.leader_id).order_by("pk").first()


def sample_rows() -> dict:
    """Usernames of the three roles and, for each, rows they may see (read with Django)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2crm.settings")
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from hospitals.models import Contact, Hospital
    from pipeline.models import Project
    from placements.models import Contract, Statement
    from proposals.models import Proposal
    from visits.models import OxygenSurvey, Visit

    today = timezone.localdate()
    last_week = today - timedelta(days=7)
    year, week, _day = last_week.isocalendar()
    month_end = today.replace(day=1) - timedelta(days=1)
    team, manager = _typical_manager(last_week)
    leader = team.leader
    director = User.objects.get(username="director")
    out = {}
    operations = User.objects.get(username="operations")
    people = (("manager", manager), ("leader", leader), ("director", director))
    for role, user in (*people, ("operations", operations)):
        hospital = Hospital.objects.visible_to(user).order_by("pk").first()
        project = Project.objects.visible_to(user).order_by("pk").first()
        out[role] = {
            "username": user.username,
            "hospital": hospital.pk,
            "contact": Contact.objects.visible_to(user).order_by("pk").first().pk,
            "project": project.pk,
            "visit": Visit.objects.visible_to(user).order_by("pk").first().pk,
            "proposal": Proposal.objects.visible_to(user).order_by("pk").first().pk,
            "manager": manager.username,
            "week": f"{year}-W{week:02d}",
            "survey": OxygenSurvey.objects.visible_to(user).order_by("pk").first().pk,
            "contract": Contract.objects.visible_to(user).order_by("pk").first().pk,
            "statement": Statement.objects.visible_to(user).order_by("pk").first().pk,
            "month": month_end.strftime("%Y-%m"),
            "month_end": month_end.isoformat(),
            "today": today.isoformat(),
            "five_years_ago": (today - timedelta(days=5 * 365)).isoformat(),
        }
    out["counts"] = {
        "hospitals": Hospital.objects.count(),
        "contacts": Contact.objects.count(),
        "projects": Project.objects.count(),
        "follow_ups": __import__("pipeline.models", fromlist=["FollowUp"]).FollowUp.objects.count(),
        "users": User.objects.count(),
    }
    from django.db import connection

    out["vendor"] = connection.vendor
    return out


class Session:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, dict, bytes, float]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=120) as r:
                body = r.read()
                return r.status, dict(r.headers), body, time.perf_counter() - started
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read(), time.perf_counter() - started

    def log_in(self, username: str) -> None:
        _, _, body, _ = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/", data=data, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(request, timeout=60) as r:
            if "/accounts/login/" in r.url:
                raise SystemExit(f"could not log in as {username}")


def worker_peak_mb(master_pid: int) -> float:
    peaks = []
    for line in subprocess.run(
        ["pgrep", "-P", str(master_pid)], capture_output=True, text=True
    ).stdout.split():
        status = Path(f"/proc/{line}/status").read_text()
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            peaks.append(int(found.group(1)) / 1024)
    return round(max(peaks), 1) if peaks else float("nan")


# The workbooks timed once each, as the director (the largest): every list or report export.
# Operations' own pages (运营: readings, installation), asked by the operations user alone.
OPERATIONS_PAGES = [
    ("placement reading form", "/placements/{contract}/readings/new/"),
    ("placement installation", "/placements/{contract}/installation/"),
    ("placement statement", "/placements/statements/{statement}/"),
    ("placement statements pending", "/placements/statements/?status=pending"),
    ("receivables by team", "/placements/receivables/?by=team"),
    ("placements", "/placements/"),
    ("placement portfolio", "/placements/portfolio/"),
]

EXPORTS = [
    ("hospitals", "/hospitals/export/"),
    ("monthly report", "/api/v1/reports/monthly?month={month}&format=xlsx"),
    ("forecast", "/api/v1/reports/forecast?format=xlsx"),
    ("discipline", "/api/v1/reports/discipline?format=xlsx"),
    ("weekly summary", "/api/v1/reports/weekly?user={manager}&week={week}&format=xlsx"),
    ("funnel", "/api/v1/reports/funnel?format=xlsx"),
    ("compliance ledger", "/relations/ledger/export/"),
]


def markdown_table(data: dict) -> str:
    """The results as the table in bench/README.md, ⚠ where a page misses its target."""
    by_page: dict[str, dict] = {}
    for r in data["pages"]:
        by_page.setdefault(r["page"], {})[r["role"]] = r

    def cell(r: dict) -> str:
        over = r["median_ms"] > 100 or r["p95_ms"] > 250
        return f"{r['median_ms']:.0f} / {r['p95_ms']:.0f}" + (" ⚠" if over else "")

    roles = ("manager", "leader", "director", "operations")
    lines = [
        "| page | manager median / p95 ms | leader median / p95 ms | director median / p95 ms "
        "| operations median / p95 ms | queries (m/l/d/o) |",
        "|---|---|---|---|---|---|",
    ]
    for page, rows in by_page.items():
        queries = "/".join(str(rows[role]["queries"]) if role in rows else "–" for role in roles)
        lines.append(
            f"| {page} | "
            + " | ".join(cell(rows[role]) if role in rows else "–" for role in roles)
            + f" | {queries} |"
        )
    missed = sum(1 for r in data["pages"] if r["median_ms"] > 100 or r["p95_ms"] > 250)
    if data.get("exports"):
        lines += [
            "",
            "| Excel export (director, the whole country) | seconds | size |",
            "|---|---|---|",
        ]
        for name, e in data["exports"].items():
            lines.append(f"| {name} | {e['seconds']:.2f} | {e['bytes'] / 1024:,.0f} KiB |")
    lines.append("")
    lines.append(f"{missed} of {len(data['pages'])} page × role measurements miss a target.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--generate",
        type=int,
        metavar="HOSPITALS",
        help="recreate the database and generate this many hospitals first",
    )
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--table", metavar="RESULTS_JSON", help="print a results file as bench/README.md's table"
    )
    parser.add_argument(
        "--compare-sizes",
        type=int,
        nargs=2,
        metavar=("SMALL", "LARGE"),
        help="generate SMALL and LARGE hospitals in two databases, serve both, ask every page "
        "of both in turn and print each page's growth",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="with --compare-sizes: use a database already generated at its size as it is",
    )
    parser.add_argument("--sample-rows", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.table:
        print(markdown_table(json.loads(Path(args.table).read_text())))
        return
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("set DATABASE_URL to the database to benchmark")
    if args.sample_rows:  # the rows of the DATABASE_URL database, for a benchmark process
        print(json.dumps(sample_rows()))
        return
    if args.compare_sizes:
        sites = [
            Site(size, f"-{size}", database_url(f"_{size}"), keep=args.keep)
            for size in args.compare_sizes
        ]
        compare_sizes(*bench(args, sites))
        return
    bench(args, [Site(args.generate, "", os.environ["DATABASE_URL"])])


def database_url(suffix: str) -> str:
    """DATABASE_URL with `suffix` on the database's name (an SQLite file's stem)."""
    url = os.environ["DATABASE_URL"]
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme.startswith("sqlite"):  # sqlite:////tmp/x.sqlite3: the path is the rest
        stem, extension = os.path.splitext(url)
        return stem + suffix + extension
    return parsed._replace(path=parsed.path + suffix).geturl()


# The targets of issue 23: a page's median and p95 at the large size, and its growth.
MEDIAN_TARGET_MS, P95_TARGET_MS, GROWTH_TARGET = 50, 120, 1.3


def compare_sizes(small: dict, large: dict) -> dict:
    """Each page × role's median at both sizes and the growth, from one run of both: a
    ratio is what a noisy machine can measure (issue 23). Writes …-sizes.json beside them."""
    before = {(r["page"], r["role"]): r for r in small["pages"]}
    rows = []
    for r in large["pages"]:
        a = before.get((r["page"], r["role"]))
        if a is None:
            continue
        growth = round(r["median_ms"] / max(a["median_ms"], 0.01), 2)
        misses = [
            what
            for what, missed in (
                ("growth", growth > GROWTH_TARGET),
                ("median", r["median_ms"] > MEDIAN_TARGET_MS),
                ("p95", r["p95_ms"] > P95_TARGET_MS),
            )
            if missed
        ]
        rows.append(
            {
                "page": r["page"],
                "role": r["role"],
                "small_median_ms": a["median_ms"],
                "large_median_ms": r["median_ms"],
                "large_p95_ms": r["p95_ms"],
                "growth": growth,
                "queries": [a["queries"], r["queries"]],
                "misses": misses,
            }
        )
    rows.sort(key=lambda row: -row["growth"])
    print(f"\n{'page':32} {'role':10} {'small':>7} {'large':>7} {'p95':>7} {'growth':>6}")
    for row in rows:
        print(
            f"{row['page']:32} {row['role']:10} {row['small_median_ms']:7.1f} "
            f"{row['large_median_ms']:7.1f} {row['large_p95_ms']:7.1f} {row['growth']:6.2f}"
            + (f"  ⚠ {', '.join(row['misses'])}" if row["misses"] else "")
        )
    growths = sorted(row["growth"] for row in rows)
    result = {
        "date": large["date"],
        "db": large["db"],
        "sizes": [small["data"].get("hospitals"), large["data"].get("hospitals")],
        "targets": {
            "median_ms": MEDIAN_TARGET_MS,
            "p95_ms": P95_TARGET_MS,
            "growth": GROWTH_TARGET,
        },
        "median_growth": growths[len(growths) // 2] if growths else None,
        "missed": sum(1 for row in rows if row["misses"]),
        "pages": rows,
        "exports": {
            name: [small["exports"][name]["seconds"], e["seconds"]]
            for name, e in large["exports"].items()
        },
        "worker_peak_mb": [small["worker_peak_mb"], large["worker_peak_mb"]],
        "background_export": [small["background_export"], large["background_export"]],
    }
    out = ROOT / "bench" / "results" / f"{large['db']}-{large['date']}-sizes.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    for size, made in zip(result["sizes"], result["background_export"], strict=True):
        print(
            f"{size} hospitals: the national hospital list in the background "
            f"{made['seconds']} s, {made['bytes'] / 1024:,.0f} KiB, worker peak {made['peak_mb']} MB"
        )
    print(
        f"\nmedian growth {result['median_growth']}; {result['missed']} of {len(rows)} "
        f"page × role pairs miss a target; written {out.relative_to(ROOT)}"
    )
    return result


class Site:
    """One database to benchmark and the server that answers from it."""

    def __init__(self, generate: int | None, suffix: str, url: str, keep: bool = False):
        self.generate, self.suffix, self.url, self.keep = generate, suffix, url, keep
        self.env = {**os.environ, "DATABASE_URL": url}
        self.generator_seconds: float | None = None
        self.rows: dict = {}
        self.base = ""
        self.server: subprocess.Popen | None = None

    def prepare(self) -> None:
        """Recreate and generate the database (with a size), migrate it, read its rows. With
        `keep`, a database generated at that size already is used as it is (migrated)."""
        if self.generate and self.keep and hospitals_in(self.url) == self.generate:
            self.generate = None
        if self.generate:
            fresh_database(self.url)
        manage("migrate", "--noinput", "-v0", env=self.env)  # also brings an older one up
        if self.generate:
            self.generator_seconds = round(
                manage(
                    "generate_scale", "--hospitals", str(self.generate), "--seed", "1",
                    env=self.env,
                ),
                1,
            )  # fmt: skip
        done = subprocess.run(
            [PYTHON, __file__, "--sample-rows"],
            cwd=ROOT, env=self.env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        self.rows = json.loads(done.stdout.strip().splitlines()[-1])

    def serve(self, port: int, workers: int) -> None:
        self.env = {**env_for_server(port), "DATABASE_URL": self.url}
        self.base = f"http://127.0.0.1:{port}"
        self.server = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"), "o2crm.wsgi",
                "-b", f"127.0.0.1:{port}", "-w", str(workers), "--log-level", "warning",
            ],
            cwd=ROOT, env=self.env,
        )  # fmt: skip
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + CEILING, timeout=2)
                return
            except OSError:
                time.sleep(0.2)

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)

    def session(self, role: str) -> Session:
        session = Session(self.base)
        session.log_in(self.rows[role]["username"])
        return session


def measure_in_turn(sessions: list[Session], paths: list[str], n: int) -> list[dict]:
    """`measure` for several servers at once: each request asked of every server in turn (who
    goes first alternating), so a slow phase of the machine falls on all of them alike and
    their ratio holds."""
    for session, path in zip(sessions, paths, strict=True):
        session.get(path)  # warm up
    samples: list[dict] = [{"times": [], "queries": set()} for _ in sessions]
    for round_ in range(n):
        turn = list(zip(sessions, paths, samples, strict=True))
        for session, path, sample in turn if round_ % 2 else reversed(turn):  # first in turns
            status, headers, body, _elapsed = session.get(path)
            sample["times"].append(float(headers.get("X-Server-Time-Ms", "nan")))
            sample["queries"].add(int(headers.get("X-Query-Count", "-1")))
            sample.update(status=status, size=len(body))
    out = []
    for sample in samples:
        times = sorted(sample["times"])
        out.append(
            {
                "status": sample["status"],
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
                "queries": max(sample["queries"]),
                "bytes": sample["size"],
            }
        )
    return out


def measure(session: Session, path: str, n: int) -> dict:
    return measure_in_turn([session], [path], n)[0]


def bench(args: argparse.Namespace, sites: list[Site]) -> list[dict]:
    """Prepare every site's database, serve each on a port of its own, ask every page as every
    role of all of them in turn, time the workbooks; write and return a report per site."""
    for site in sites:
        site.prepare()
    manage("collectstatic", "--noinput", "-v0", env=env_for_server(args.port))
    results: list[list[dict]] = [[] for _ in sites]
    exports: list[dict] = [{} for _ in sites]
    try:
        for i, site in enumerate(sites):
            site.serve(args.port + i, args.workers)
        ceiling = None
        for role in ("manager", "leader", "director", "operations"):
            sessions = [site.session(role) for site in sites]
            if ceiling is None:
                ceiling = measure_in_turn(sessions, [CEILING] * len(sites), args.requests * 2)
            pages = PAGES + (DIRECTOR_PAGES if role == "director" else [])
            for name, template in OPERATIONS_PAGES if role == "operations" else pages:
                paths = [template.format(**site.rows[role]) for site in sites]
                found = measure_in_turn(sessions, paths, args.requests)
                for i, (result, path) in enumerate(zip(found, paths, strict=True)):
                    result.update(page=name, path=path, role=role)
                    result["ratio"] = round(
                        result["median_ms"] / max(ceiling[i]["median_ms"], 0.01), 1
                    )
                    results[i].append(result)
                print(
                    f"{role:9} {name:30} "
                    + "  ".join(
                        f"{r['status']} {r['median_ms']:6.1f} / {r['p95_ms']:6.1f} ms q{r['queries']}"
                        for r in found
                    ),
                    flush=True,
                )
        directors = [site.session("director") for site in sites]
        for name, template in EXPORTS:
            for i, (site, director) in enumerate(zip(sites, directors, strict=True)):
                status, headers, body, elapsed = director.get(
                    template.format(**site.rows["director"])
                )
                exports[i][name] = {
                    "status": status,
                    "seconds": round(elapsed, 2),
                    "bytes": len(body),
                    "server_ms": float(headers.get("X-Server-Time-Ms", "nan")),
                }
                print(
                    f"director  export {name:19} {status} {elapsed:6.2f} s  "
                    f"{len(body) / 1024:8.1f} KiB{site.suffix}"
                )
        peaks = [worker_peak_mb(site.server.pid) for site in sites]
        made = [background_export(site.rows["director"]["username"], site.env) for site in sites]
        for site, m in zip(sites, made, strict=True):
            print(
                f"director  background hospitals {m['status']} {m['seconds']:6.2f} s  "
                f"{m['bytes'] / 1024:8.1f} KiB  worker peak {m['peak_mb']} MB{site.suffix}"
            )
    finally:
        for site in sites:
            site.stop()
    reports = []
    for i, site in enumerate(sites):
        report = {
            "date": datetime.now(UTC).date().isoformat(),
            "db": site.rows["vendor"],
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "data": site.rows["counts"],
            "generator_seconds": site.generator_seconds,
            "requests_per_page": args.requests,
            "gunicorn_workers": args.workers,
            "interleaved_with": len(sites) - 1,
            "ceiling": ceiling[i],
            "pages": results[i],
            "export_hospitals_xlsx": exports[i]["hospitals"],
            "exports": exports[i],
            "background_export": made[i],
            "worker_peak_mb": peaks[i],
        }
        out = ROOT / "bench" / "results" / f"{report['db']}-{report['date']}{site.suffix}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
        slow = [r for r in results[i] if r["median_ms"] > 100 or r["p95_ms"] > 250]
        print(
            f"\n{site.suffix or 'run'}: ceiling median {ceiling[i]['median_ms']} ms; worker peak "
            f"{peaks[i]} MB; export {exports[i]['hospitals']['seconds']} s; generator "
            f"{site.generator_seconds} s; pages over target: {len(slow)} of {len(results[i])}"
        )
        print(f"written {out.relative_to(ROOT)}")
        reports.append(report)
    return reports


if __name__ == "__main__":
    main()
