"""Fill a database with national-scale, reproducible data for the benchmark (bench/README.md).

    python manage.py generate_scale --hospitals 40000 --seed 1

Everything else scales with --hospitals: per 40,000 hospitals come 500 sales users in 50
teams, 100,000 contacts, 160,000 departments, 50,000 projects, 1,000,000 follow-ups over five
years, 20,000 surveys, 40,000 visits and tasks. Rows go in with bulk inserts (no history
rows); names are Chinese and pinyin keys are computed as the app computes them.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.services import assign_role, sync_role_groups
from hospitals import domain
from hospitals.models import (
    GRADE_RANK,
    PROVINCES,
    ClosenessChange,
    Contact,
    Department,
    Hospital,
    Layer,
)
from o2crm import summaries
from o2crm.dates import week_start
from pipeline import contact_clocks
from pipeline.domain import add_months
from pipeline.models import (
    FollowUp,
    PipelineSettings,
    Project,
    Stage,
    StageChange,
)
from pipeline.services import take_forecast_snapshot
from placements import domain as placing
from placements.models import (
    STEPS,
    Contract,
    ContractStatus,
    Milestone,
    Payment,
    Plant,
    Reading,
    Statement,
    StatementStatus,
)
from proposals import domain as economics
from proposals.models import EconomicsSettings, NumberCounter, Proposal, State
from relations.models import (
    LedgerEntry,
    LedgerKind,
    PlanTarget,
    RelationshipAction,
    RelationshipPlan,
)
from reports.models import WeeklyLine, WeeklySummary
from visits.models import OxygenSurvey, Task, Visit

PASSWORD = "o2crm-bench"
CITY_WORDS = "东西南北中新安平宁康泰华兴盛永昌广丰和清源江山河湖阳城州"
SUFFIXES = [
    ("人民医院", "general", "3A"), ("第一人民医院", "general", "3A"), ("第二人民医院", "general", "3B"),
    ("中心医院", "general", "3A"), ("中医院", "tcm", "3B"), ("妇幼保健院", "maternal_child", "2A"),
    ("第三人民医院", "general", "2A"), ("骨科医院", "specialty", "2B"), ("肿瘤医院", "specialty", "3A"),
    ("儿童医院", "specialty", "3A"), ("中西医结合医院", "tcm", "2A"), ("康复医院", "specialty", "2B"),
]  # fmt: skip
DEPARTMENTS = ["院办", "设备科", "后勤保障部", "医务部", "护理部", "重症医学科"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟陆汪金夏方"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志海燕红梅晓东振文斌俊雪宏立新春玉峰慧"
HOME_DEPARTMENT = {
    "院长": "院办",
    "副院长": "院办",
    "后勤主任": "后勤保障部",
    "医务部主任": "医务部",
}
TITLES = [
    ("院长", Layer.DECISION, ["approve"]), ("副院长", Layer.DECISION, ["approve"]),
    ("设备科科长", Layer.FUNCTIONAL, ["apply", "procure"]), ("后勤主任", Layer.FUNCTIONAL, ["apply"]),
    ("医务部主任", Layer.FUNCTIONAL, ["verify"]), ("ICU主任", Layer.BASE, ["verify"]),
    ("工程师", Layer.BASE, ["procure", "informant"]),
]  # fmt: skip


class Command(BaseCommand):
    help = "Generate national-scale demo data (bulk inserts); see bench/README.md."

    def add_arguments(self, parser):
        parser.add_argument("--hospitals", type=int, default=40_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=5_000)

    def handle(self, *args, hospitals: int, seed: int, batch: int, **options):
        if hospitals < 10:
            raise CommandError("--hospitals must be at least 10")
        if Hospital.objects.exists():
            raise CommandError("the database already has hospitals: generate into an empty one")
        self.rng = random.Random(seed)
        self.batch = batch
        self.pinyin_cache: dict[str, tuple[str, str]] = {}
        self.started = time.perf_counter()
        sync_role_groups()
        n = hospitals
        with summaries.paused():  # rebuilt whole below
            users = self.users(max(10, n // 80))
            self.hospitals(n, users)
            self.departments_and_contacts()
            self.projects(n * 5 // 4)
            self.follow_ups(n * 25)
            self.visits_and_surveys(n)
            self.proposals(n // 20)
            self.relations(n // 10, n // 2)
            self.placements(n // 8)
            self.reports()
        # the rows went in with bulk inserts, past the writers that keep the summaries
        cells = summaries.rebuild_all()
        self.say(f"{sum(cells.values()):>9,} summary cells ({', '.join(cells)})")
        if connection.vendor == "postgresql":
            # what autovacuum does to a live database: statistics, and the visibility map
            # that lets covering indexes answer counts without reading the table
            # (VACUUM cannot run inside a transaction, as in the test suite: ANALYZE there)
            with connection.cursor() as cursor:
                if not connection.in_atomic_block:
                    # the UPDATE of every project above left half the table dead; a live
                    # database, updated a row at a time, reuses that space as autovacuum
                    # frees it: compact it as a live table is
                    cursor.execute("VACUUM FULL pipeline_project")
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.say(f"done in {time.perf_counter() - self.started:.0f} s")

    def say(self, message: str) -> None:
        self.stdout.write(f"[{time.perf_counter() - self.started:7.1f}s] {message}")
        self.stdout.flush()

    def keys(self, text: str) -> tuple[str, str]:
        if text not in self.pinyin_cache:
            self.pinyin_cache[text] = domain.pinyin_keys(text)
        return self.pinyin_cache[text]

    def insert(self, model, rows, label: str) -> None:
        rows = list(rows)
        for i in range(0, len(rows), self.batch):
            model.objects.bulk_create(rows[i : i + self.batch])
        self.say(f"{len(rows):>9,} {label}")

    # People -------------------------------------------------------------------------------

    @transaction.atomic
    def users(self, count: int) -> list[User]:
        teams = [Team(name=f"销售{i + 1:02d}组") for i in range(max(1, count // 10))]
        Team.objects.bulk_create(teams)
        teams = list(Team.objects.order_by("pk"))
        people = []
        for i in range(count):
            people.append(
                User(
                    username=f"m{i + 1:04d}",
                    name=self.rng.choice(SURNAMES)
                    + self.rng.choice(GIVEN)
                    + self.rng.choice(GIVEN),
                    role=Role.MANAGER,
                    team=teams[i % len(teams)],
                )
            )
        hashed = make_password(PASSWORD)  # hashing once: 500 hashes would take minutes
        for user in people:
            user.password = hashed
        User.objects.bulk_create(people)
        managers = list(User.objects.filter(username__startswith="m").order_by("username"))
        for user in managers:
            assign_role(user=user, role=Role.MANAGER)
        for team in teams:  # the first member of each team leads it
            team.leader = next(u for u in managers if u.team_id == team.pk)
            team.save(update_fields=["leader"])
        for username, role in (
            ("director", Role.DIRECTOR),
            ("assistant", Role.ASSISTANT),
            ("operations", Role.OPERATIONS),
            ("finance", Role.FINANCE),
        ):
            user, _ = User.objects.get_or_create(username=username, defaults={"name": username})
            user.set_password(PASSWORD)
            user.save()
            assign_role(user=user, role=role)
        self.say(
            f"{count:>9,} sales managers in {len(teams)} teams, a director, an assistant, operations and finance"
        )
        return managers

    # Hospitals ----------------------------------------------------------------------------

    def hospitals(self, count: int, owners: list[User]) -> None:
        rng = self.rng
        per_province = max(1, count // len(PROVINCES) + 1)
        rows, seen = [], set()
        for province in PROVINCES:
            stem = province.rstrip("省市").replace("自治区", "").replace("特别行政区", "")[:2]
            cities = [
                stem + rng.choice(CITY_WORDS) + "市" for _ in range(max(3, per_province // 25))
            ]
            for _ in range(per_province):
                if len(rows) >= count:
                    break
                city = rng.choice(cities)
                suffix, kind, grade = rng.choice(SUFFIXES)
                name = city.removesuffix("市") + suffix
                n = 2
                while (province, city, name) in seen:
                    name = f"{city.removesuffix('市')}第{n}{suffix.removeprefix('第一')}"
                    n += 1
                seen.add((province, city, name))
                beds = rng.choice([300, 500, 800, 1200, 1800, 2500, 3500])
                full, initials = self.keys(name)
                rows.append(
                    Hospital(
                        name=name,
                        pinyin=full,
                        initials=initials,
                        search_text=" ".join((name.lower(), full, initials)),
                        province=province,
                        city=city,
                        grade=grade,
                        grade_rank=GRADE_RANK[grade],
                        hospital_type=kind,
                        status=rng.choices(
                            ["operating", "new", "relocating", "expanding"], [85, 5, 5, 5]
                        )[0],
                        beds=beds,
                        icu_beds=beds // 20,
                        operating_rooms=max(4, beds // 40),
                        hyperbaric_chambers=rng.choice([0, 0, 1]),
                        owner=owners[len(rows) % len(owners)] if rng.random() < 0.97 else None,
                    )
                )
        self.insert(Hospital, rows, "hospitals")

    def departments_and_contacts(self) -> None:
        rng = self.rng
        hospital_ids = list(Hospital.objects.values_list("pk", flat=True))
        self.insert(
            Department,
            (
                Department(hospital_id=h, name=d, sort_order=i)
                for h in hospital_ids
                for i, d in enumerate(DEPARTMENTS[:4])
            ),
            "departments",
        )
        departments = {
            (h, n): pk for pk, h, n in Department.objects.values_list("pk", "hospital_id", "name")
        }
        rows = []
        for h in hospital_ids:
            for _ in range(rng.choice([2, 2, 3, 3, 3])):
                title, layer, roles = rng.choice(TITLES)
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN[:10]])
                full, initials = self.keys(name)
                rows.append(
                    Contact(
                        hospital_id=h,
                        department_id=departments.get(
                            (
                                h,
                                {
                                    "院长": "院办",
                                    "副院长": "院办",
                                    "设备科科长": "设备科",
                                    "后勤主任": "后勤保障部",
                                    "医务部主任": "医务部",
                                }.get(title, "设备科"),
                            )
                        ),
                        name=name,
                        pinyin=full,
                        initials=initials,
                        search_text=" ".join((name, full, initials)),
                        title=title,
                        layer=layer,
                        roles=roles,
                        influence=rng.randint(1, 5),
                        attitude=rng.choice(["support", "neutral", "oppose", "unknown"]),
                        closeness=rng.randint(1, 5),
                        mobile=f"13{rng.randint(100000000, 999999999)}",
                    )
                )
        self.insert(Contact, rows, "contacts")

    # Pipeline -----------------------------------------------------------------------------

    def projects(self, count: int) -> None:
        rng = self.rng
        stages = list(Stage.objects.order_by("order"))
        owned = list(Hospital.objects.exclude(owner=None).values_list("pk", "owner_id"))
        today = timezone.localdate()
        rows = []
        for i in range(count):
            hospital_id, owner_id = rng.choice(owned)
            status = rng.choices(["open", "won", "lost", "abandoned"], [70, 10, 15, 5])[0]
            stage = stages[-1] if status == "won" else rng.choice(stages[:-1])
            created = timezone.now() - timedelta(days=rng.randint(1, 5 * 365))
            rows.append(
                Project(
                    hospital_id=hospital_id,
                    owner_id=owner_id,
                    name=f"制氧站投放项目{i + 1}",
                    source=rng.choice(["relationship", "promotion", "cold_visit", "other"]),
                    entry_path=rng.choice(["mid", "top"]),
                    need=rng.choice(["new", "relocating", "expanding", "replace"]),
                    planned_purchase_date=today + timedelta(days=rng.randint(-60, 720)),
                    estimated_volume=rng.randint(50_000, 800_000),
                    contract_value=Decimal(rng.randint(10, 300) * 100_000),
                    stage=stage,
                    status=status,
                    close_reason="" if status in ("open", "won") else "价格",
                    closed_at=None if status == "open" else created + timedelta(days=180),
                    created_at=created,
                )
            )
        # spread creation over five years: bulk_create would stamp them all "now" otherwise
        field = Project._meta.get_field("created_at")
        field.auto_now_add = False
        try:
            self.insert(Project, rows, "projects")
        finally:
            field.auto_now_add = True
        changes = []
        for pk, stage_id, created, owner_id in Project.objects.values_list(
            "pk", "stage_id", "created_at", "owner_id"
        ):
            changes.append(
                StageChange(
                    project_id=pk,
                    from_stage=None,
                    to_stage_id=stages[0].pk,
                    changed_at=created,
                    changed_by_id=owner_id,
                )
            )
            if stage_id != stages[0].pk:
                changes.append(
                    StageChange(
                        project_id=pk,
                        from_stage_id=stages[0].pk,
                        to_stage_id=stage_id,
                        changed_at=created + timedelta(days=30),
                        changed_by_id=owner_id,
                        entered_at=created,  # as pipeline.stage_history stamps it
                    )
                )
        self.insert(StageChange, changes, "stage changes")

    def follow_ups(self, count: int) -> None:
        rng = self.rng
        projects = list(Project.objects.values_list("pk", "owner_id"))
        started = {
            pk: timezone.localdate(created)
            for pk, created in Project.objects.values_list("pk", "created_at")
        }
        today = timezone.localdate()
        specs = []
        for _ in range(count):
            pk, owner_id = rng.choice(projects)
            day = today - timedelta(days=int(rng.expovariate(1 / 200)) % (5 * 365))
            channel = rng.choice(["visit", "phone", "wechat", "dinner"])
            kind = rng.choice(["business", "business", "relationship"])
            specs.append((pk, owner_id, day, channel, kind))
        # each contact's days since the previous one of its kind, as the app keeps it
        gaps = contact_clocks.gaps_in_order(
            [(pk, kind, day) for pk, _o, day, _c, kind in specs], started
        )
        done = 0
        while done < count:
            size = min(self.batch * 4, count - done)
            rows = [
                FollowUp(
                    project_id=pk,
                    date=day,
                    channel=channel,
                    kind=kind,
                    summary="与设备科沟通用氧情况",
                    created_by_id=owner_id,
                    created_at=timezone.make_aware(datetime.combine(day, datetime.min.time())),
                    gap_days=gaps[done + i],
                )
                for i, (pk, owner_id, day, channel, kind) in enumerate(specs[done : done + size])
            ]
            FollowUp.objects.bulk_create(rows, batch_size=self.batch)
            done += size
            self.say(f"{done:>9,} follow-ups")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # statistics first, or the planner guesses
                cursor.execute("ANALYZE pipeline_followup")
        # one UPDATE of every project (each one rewrites the whole table)
        contact_clocks.set_project_clocks(Project.objects.all(), PipelineSettings.current())
        self.say("cadence clocks and late contacts set from the follow-ups")

    @transaction.atomic
    def relations(self, plans: int, entries: int) -> None:
        """Relationship plans for a tenth of the projects (their hospital's decision makers,
        three actions each, a path of closeness changes), and a compliance ledger."""
        rng, today = self.rng, timezone.localdate()
        people: dict[int, list[tuple[int, int, str]]] = {}
        for pk, h, closeness, attitude in Contact.objects.filter(layer="decision").values_list(
            "pk", "hospital_id", "closeness", "attitude"
        ):
            people.setdefault(h, []).append((pk, closeness, attitude))
        projects = [
            row
            for row in Project.objects.values_list("pk", "hospital_id", "owner_id")
            if row[1] in people
        ]
        chosen = rng.sample(projects, min(plans, len(projects)))
        self.insert(
            RelationshipPlan,
            (RelationshipPlan(project_id=p, created_by_id=o) for p, _h, o in chosen),
            "relationship plans",
        )
        plan_of = dict(RelationshipPlan.objects.values_list("project_id", "pk"))
        targets, changes = [], []
        for project, hospital, owner in chosen:
            for contact, closeness, attitude in people[hospital][:2]:
                targets.append(
                    PlanTarget(
                        plan_id=plan_of[project], contact_id=contact, owner_id=owner,
                        target_closeness=min(closeness + 2, 5), target_attitude="support",
                        target_date=today + timedelta(days=rng.randint(-30, 180)),
                    )
                )  # fmt: skip
                for step in range(3):
                    changes.append(
                        ClosenessChange(
                            contact_id=contact, on=today - timedelta(days=300 - step * 100),
                            closeness=max(closeness - 2 + step, 1), attitude=attitude,
                            influence=3, closeness_before=max(closeness - 3 + step, 1) or None,
                            attitude_before=attitude, cause_kind="follow_up", by_id=owner,
                        )
                    )  # fmt: skip
        self.insert(PlanTarget, targets, "plan targets")
        self.insert(ClosenessChange, changes, "closeness changes")
        kinds = ["tech_exchange", "reference_visit", "executive_visit", "dinner", "greeting"]
        self.insert(
            RelationshipAction,
            (
                RelationshipAction(
                    target_id=t,
                    owner_id=o,
                    kind=rng.choice(kinds),
                    planned_on=today + timedelta(days=rng.randint(-200, 120)),
                    status=rng.choice(["planned", "done", "done", "cancelled"]),
                )  # fmt: skip
                for t, o in PlanTarget.objects.values_list("pk", "owner_id")
                for _ in range(3)
            ),
            "relationship actions",
        )
        ledger_kinds = list(LedgerKind.objects.filter(forbidden=False).values_list("pk", flat=True))
        owners = dict(Hospital.objects.exclude(owner=None).values_list("pk", "owner_id"))
        hospitals = [h for h in people if h in owners]
        specs = []
        for _ in range(entries):
            h = rng.choice(hospitals)
            amount = Decimal(rng.choice([180, 260, 300, 560, 1200, 2400, 3200]))
            specs.append((h, rng.sample(people[h], min(len(people[h]), rng.choice([1, 2])))))
            specs[-1] += (amount,)
        LedgerEntry.objects.bulk_create(
            (
                LedgerEntry(
                    hospital_id=h,
                    date=today - timedelta(days=rng.randint(0, 3 * 365)),
                    kind_id=rng.choice(ledger_kinds),
                    amount=amount,
                    per_person=amount / len(who),
                    purpose="工作餐",
                    created_by_id=owners[h],
                    status=rng.choice(["approved"] * 8 + ["pending", "rejected"]),
                )  # fmt: skip
                for h, who, amount in specs
            ),
            batch_size=self.batch,
        )
        ids = list(LedgerEntry.objects.order_by("pk").values_list("pk", flat=True))
        self.insert(
            LedgerEntry.contacts.through,
            (
                LedgerEntry.contacts.through(ledgerentry_id=e, contact_id=c)
                for e, (_h, who, _a) in zip(ids, specs, strict=True)
                for c, _cl, _at in who
            ),
            "ledger entries' people",
        )
        self.say(f"{len(ids):>9,} ledger entries")

    def visits_and_surveys(self, n: int) -> None:
        rng = self.rng
        projects = list(
            Project.objects.filter(status="open").values_list("pk", "hospital_id", "owner_id")[:n]
        )
        now = timezone.now()
        self.insert(
            OxygenSurvey,
            (
                OxygenSurvey(
                    hospital_id=h, project_id=p, date=now.date() - timedelta(days=rng.randint(0, 700)),
                    beds=rng.choice([500, 800, 1200]), icu_beds=30, operating_rooms=20,
                    consumption_value=Decimal(rng.randint(5, 60)), consumption_unit="t_lox",
                    price_value=Decimal(rng.choice([1800, 2200, 2600])), price_unit="per_t", created_by_id=o,
                )
                for p, h, o in projects[: n // 2]
            ),
            "oxygen surveys",
        )  # fmt: skip
        self.insert(
            Visit,
            (
                Visit(
                    hospital_id=h, project_id=p, owner_id=o, planned_at=planned, status=status,
                    visited_on=planned.date() if status == "recorded" else None,
                )
                for p, h, o in projects
                for planned, status in [(
                    now - timedelta(days=rng.randint(1, 300)), "recorded"
                ) if rng.random() < 0.5 else (now + timedelta(days=rng.randint(0, 30)), "planned")]
            ),
            "visits",
        )  # fmt: skip
        self.insert(
            Task,
            (
                Task(
                    owner_id=o, hospital_id=h, project_id=p, title="拜访后回电或发短信致谢",
                    level="relationship", channel="phone",
                    due_date=now.date() + timedelta(days=rng.randint(-30, 30)), done=rng.random() < 0.5,
                )
                for p, h, o in projects
            ),
            "tasks",
        )  # fmt: skip

    REPORT_WEEKS = 8
    SNAPSHOT_WEEKS = 26
    CONTACT_MONTHS = 3

    def reports(self) -> None:
        """Half a year of weekly forecast snapshots, rebuilt from the stage history as the app
        rebuilds them; the last three months' contact rows (ContactMonth); and eight weeks
        of submitted weekly summaries (nine in ten managers submit), one line per open
        project."""
        rng = self.rng
        this_monday = week_start(timezone.localdate())
        for weeks_ago in range(self.SNAPSHOT_WEEKS, -1, -1):
            monday = this_monday - timedelta(days=7 * weeks_ago)
            take_forecast_snapshot(monday=monday, reconstruct=weeks_ago > 0)
        self.say(f"{self.SNAPSHOT_WEEKS + 1:>9,} forecast snapshots")
        # 联络达标 of the last months, as the directors' first look at each would have built it
        this_month = timezone.localdate().replace(day=1)
        months = [add_months(this_month, -k) for k in range(self.CONTACT_MONTHS, 0, -1)]
        contact_clocks.build_months(months)
        self.say(f"{len(months):>9,} months of contact rows")
        managers = list(User.objects.filter(role=Role.MANAGER).values_list("pk", flat=True))
        open_projects: dict[int, list[tuple]] = {}
        for pk, owner_id, name, hospital, stage_id in Project.objects.filter(
            status="open"
        ).values_list("pk", "owner_id", "name", "hospital__name", "stage_id"):
            open_projects.setdefault(owner_id, []).append((pk, name, hospital, stage_id))
        summaries = []
        for weeks_ago in range(self.REPORT_WEEKS, 0, -1):
            monday = this_monday - timedelta(days=7 * weeks_ago)
            submitted = timezone.make_aware(
                datetime.combine(monday + timedelta(days=4), datetime.min.time())
            ) + timedelta(hours=17)
            for owner_id in managers:
                if rng.random() < 0.9:
                    summaries.append(
                        WeeklySummary(
                            owner_id=owner_id,
                            week_start=monday,
                            remark="本周按计划推进重点项目。",
                            submitted_at=submitted,
                            submitted_by_id=owner_id,
                            totals={"projects": len(open_projects.get(owner_id, []))},
                        )
                    )
        self.insert(WeeklySummary, summaries, "weekly summaries")
        lines = []
        for summary_id, owner_id, monday in WeeklySummary.objects.values_list(
            "pk", "owner_id", "week_start"
        ):
            for pk, name, hospital, stage_id in open_projects.get(owner_id, []):
                business = rng.choice([0, 0, 1, 2])
                lines.append(
                    WeeklyLine(
                        summary_id=summary_id,
                        project_id=pk,
                        week_start=monday,
                        project_name=name,
                        hospital_name=hospital,
                        stage_start_id=stage_id,
                        stage_end_id=stage_id,
                        status="open",
                        business=business,
                        relationship=rng.choice([0, 0, 1]),
                        progress="与设备科沟通用氧情况" if business else "",
                        next_step="约院长汇报" if business else "",
                    )
                )
        self.insert(WeeklyLine, lines, "weekly summary lines")

    def proposals(self, n: int) -> None:
        """初步投资合作建议书 on LOX surveys, numbered, in every state; a few hundred distinct
        cases computed by the real domain code and reused."""
        rng = self.rng
        settings = EconomicsSettings.current()
        resolved = settings.resolved()
        projects = list(
            Project.objects.filter(status="open", stage__order__gte=30).values_list(
                "pk", "owner_id"
            )[:n]
        )
        cases = {}
        for beds, tonnes, price in {
            (b, t, p)
            for b in (500, 800, 1200)
            for t in range(60, 400, 40)
            for p in (1800, 2200, 2600)
        }:
            inputs = economics.Inputs(
                departments={"general_ward": beds - 30, "icu": 30, "operating_room": 20},
                lox_t_per_year=tonnes,
                cny_per_t_lox=price,
                term_years=10,
            )
            cases[beds, tonnes, price] = (inputs, economics.compute(inputs, resolved))
        keys = list(cases)
        year = timezone.localdate().year
        states = [
            State.DRAFT,
            State.PENDING,
            State.APPROVED,
            State.SENT,
            State.ACCEPTED,
            State.RETURNED,
        ]

        def rows():
            for i, (project, owner) in enumerate(projects, start=1):
                inputs, result = cases[rng.choice(keys)]
                yield Proposal(
                    number=f"JY-{year}-{i:04d}", project_id=project, created_by_id=owner,
                    state=rng.choice(states), term_years=10, price=Decimal(str(round(result.price, 2))),
                    valid_until=timezone.localdate() + timedelta(days=rng.randint(-60, 30)),
                    settings=settings, inputs=economics.to_json(inputs), results=result.as_dict(),
                )  # fmt: skip

        self.insert(Proposal, rows(), "proposals")
        NumberCounter.objects.update_or_create(year=year, defaults={"last": len(projects)})

    # Placements ------------------------------------------------------------------------------

    def placements(self, n: int) -> None:
        """Signed placements on won projects, each owner's in turn: ten years of monthly
        readings and statements each (the benchmark's worst case), paid but for the last
        months, one in twenty paying late; contracts' running totals as the services keep
        them."""
        rng = self.rng
        today = timezone.localdate()
        settings = EconomicsSettings.current()
        resolved = settings.resolved()
        by_owner: dict[int, list[tuple[int, int]]] = {}
        for pk, owner, hospital in (
            Project.objects.filter(status="won")
            .order_by("pk")
            .values_list("pk", "owner_id", "hospital_id")
        ):
            by_owner.setdefault(owner, []).append((pk, hospital))
        chosen: list[tuple[int, int, int]] = []
        while len(chosen) < n and any(by_owner.values()):
            for owner, rows in by_owner.items():
                if rows and len(chosen) < n:
                    pk, hospital = rows.pop(0)
                    chosen.append((pk, owner, hospital))
        cases = []
        for volume in range(150_000, 900_000, 75_000):
            inputs = economics.Inputs(
                nm3_per_year=volume, cny_per_nm3=4.2, price=3.2, term_years=15
            )
            cases.append((inputs, economics.compute(inputs, resolved)))
        year = today.year
        proposals = [
            Proposal(
                number=f"JY-{year - 11}-{i:05d}",
                project_id=project,
                created_by_id=owner,
                state=State.ACCEPTED,
                term_years=15,
                price=Decimal("3.20"),
                minimum_monthly_m3=0,
                valid_until=today,
                settings=settings,
                inputs=economics.to_json(inputs),
                results=result.as_dict(),
            )  # fmt: skip
            for i, ((project, owner, _h), (inputs, result)) in enumerate(
                ((c, rng.choice(cases)) for c in chosen), start=1
            )
        ]
        self.insert(Proposal, proposals, "accepted proposals of placements")
        contracts, plants, milestones, readings, statements = [], [], [], [], []
        plan: list[tuple[Contract, dict, float]] = []
        for i, ((project, owner, hospital), proposal) in enumerate(
            zip(chosen, proposals, strict=True), 1
        ):
            signed = placing.add_months(today, -rng.randint(125, 130)).replace(
                day=rng.randint(1, 28)
            )
            accepted = signed + timedelta(days=80 + rng.randint(0, 20))
            results = proposal.results
            minimum = int(results["billed"][0] / 12 * rng.choice([0, 0.6, 0.8]))
            contract = Contract(
                project_id=project, proposal=proposal, hospital_id=hospital,
                number=f"HT-{signed.year}-{i:05d}", signed_on=signed, term_start=signed,
                term_end=signed.replace(year=signed.year + 15) - timedelta(days=1),
                price=Decimal("3.20"), minimum_monthly_m3=minimum, meter_reading_day=25,
                capex=Decimal(str(round(results["capex"], 2))), status=ContractStatus.BILLING,
                accepted_on=accepted, created_by_id=owner, version=1,
            )  # fmt: skip
            contracts.append(contract)
            plan.append((contract, results, rng.choice([0.65, 0.85, 0.95, 1.0, 1.05, 1.1])))
        self.insert(Contract, contracts, "placement contracts")
        counts = {"readings": 0, "statements": 0}

        def flush(final: bool = False) -> None:
            if len(readings) >= self.batch or final:
                Reading.objects.bulk_create(readings)
                counts["readings"] += len(readings)
                readings.clear()
            if len(statements) >= self.batch or final:
                Statement.objects.bulk_create(statements)
                counts["statements"] += len(statements)
                statements.clear()

        for contract, results, factor in plan:
            for order, step in enumerate(STEPS):
                day = contract.signed_on + timedelta(days=10 * (order + 1))
                milestones.append(
                    Milestone(contract=contract, step=step, order=order, planned_on=day,
                              done_on=day + timedelta(days=rng.choice([0, 0, 3])), version=1)
                )  # fmt: skip
            plants.append(
                Plant(contract=contract, model="O2-PSA", units=int(results["units"]),
                      installed_nm3h=Decimal(str(round(results["installed_nm3h"], 1))),
                      commissioned_on=contract.accepted_on, version=1)
            )  # fmt: skip
            self.readings_of(contract, results, factor, today, readings, statements)
            flush()
        flush(final=True)
        self.say(f"{counts['readings']:>9,} meter readings")
        self.say(f"{counts['statements']:>9,} statements")
        self.insert(Milestone, milestones, "installation milestones")
        self.insert(Plant, plants, "plants")
        Contract.objects.bulk_update(
            contracts,
            [
                "months_billed",
                "volume_to_date",
                "revenue_to_date",
                "outstanding",
                "planned_to_date",
            ],
            batch_size=self.batch,
        )
        paid = Statement.objects.filter(status=StatementStatus.PAID).values_list(
            "pk", "paid_on", "amount"
        )
        chunk: list[Payment] = []
        total = 0
        for pk, on, amount in paid.iterator(chunk_size=self.batch):
            chunk.append(Payment(statement_id=pk, paid_on=on, amount=amount))
            if len(chunk) >= self.batch:
                Payment.objects.bulk_create(chunk)
                total += len(chunk)
                chunk.clear()
        Payment.objects.bulk_create(chunk)
        self.say(f"{total + len(chunk):>9,} payments")

    def readings_of(self, contract, results, factor, today, readings, statements) -> None:
        """A contract's monthly readings and statements since acceptance, and its totals."""
        rng = self.rng
        billed = results["billed"]
        value = Decimal(0)
        month = placing.add_months(contract.accepted_on, 1)
        late = rng.random() < 0.05
        n, volume, revenue, owed, planned_total = 0, Decimal(0), Decimal(0), Decimal(0), 0.0
        while month.replace(day=25) <= today:
            planned = placing.planned_month(billed, n)
            used = Decimal(str(round(planned * factor * rng.uniform(0.9, 1.1), 1)))
            value += used
            readings.append(
                Reading(contract=contract, read_on=month.replace(day=25), value=value, volume=used)
            )
            b = placing.bill(used, Decimal(contract.minimum_monthly_m3), contract.price)
            confirmed = placing.add_months(month, 1) + timedelta(days=4)
            invoiced = confirmed + timedelta(days=contract.invoice_days)
            due = invoiced + timedelta(days=contract.payment_days)
            paid_on = due - timedelta(days=rng.randint(0, 10))
            age = placing.months_between(month, today)
            if confirmed > today:
                status = StatementStatus.PENDING
            elif invoiced > today:
                status = StatementStatus.CONFIRMED
            elif paid_on > today or (late and age <= 5):
                status = StatementStatus.INVOICED
            else:
                status = StatementStatus.PAID
            is_invoiced = status in (StatementStatus.INVOICED, StatementStatus.PAID)
            statements.append(
                Statement(
                    contract=contract, month=month, volume_nm3=used, minimum_nm3=b.minimum,
                    top_up_nm3=b.top_up, price=b.price, amount=b.amount, status=status,
                    confirmed_on=confirmed if status != StatementStatus.PENDING else None,
                    invoice_no=f"{rng.randint(10**7, 10**8 - 1)}" if is_invoiced else "",
                    invoiced_on=invoiced if is_invoiced else None,
                    due_on=due if is_invoiced else None,
                    paid=b.amount if status == StatementStatus.PAID else Decimal(0),
                    paid_on=paid_on if status == StatementStatus.PAID else None, version=1,
                )
            )  # fmt: skip
            n += 1
            volume += used
            revenue += b.amount
            planned_total += planned
            if status == StatementStatus.INVOICED:
                owed += b.amount
            month = placing.add_months(month, 1)
        contract.months_billed = n
        contract.volume_to_date = volume
        contract.revenue_to_date = revenue
        contract.outstanding = owed
        contract.planned_to_date = Decimal(str(round(planned_total, 1)))
