"""Importing follow-up history (跟进记录): each row names its project (hospital, city and
project name, matched as projects are, among those the importer sees), the day, the kind and
the way of the contact, who was met (names of the hospital's contacts) and what was said. A
follow-up is an event: the same project, day, kind and text is the same follow-up (a
duplicate, never an update). The contact clocks (each contact's gap, the project's last and
late contact dates, the months of 联络达标) are set from the rows once the sheet is written,
and again when the import is undone (pipeline.contact_clocks.projects_changed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from hospitals.models import Contact
from pipeline import contact_clocks
from pipeline.models import Channel, ContactKind, FollowUp, Project

from .hospitals import CHUNK, Row, RowForm, by_name, choice, hospital_of, named_hospitals, refuse
from .sheets import Column, Sheet, chunks, norm

MODEL = FollowUp
COLUMNS = [
    Column("project", "项目名称", ["项目", "project"], True),
    Column("hospital", "医院名称", ["医院", "hospital"], True),
    Column("city", "城市", ["市", "地市", "city"], True),
    Column("date", "日期", ["跟进日期", "联络日期", "date"], True, hint="2026-03-01，不晚于今天"),
    Column("kind", "类型", ["联络类型", "kind"],
           hint="、".join(str(c.label) for c in ContactKind) + "；空白为业务联络"),
    Column("channel", "方式", ["联络方式", "channel"], True,
           hint="、".join(str(c.label) for c in Channel)),
    Column("contacts", "联系的人", ["联系人", "对象", "contacts"],
           hint="医院已有联系人的姓名，多个用顿号分开"),
    Column("summary", "沟通内容", ["内容", "纪要", "summary"], True),
    Column("next_step", "下一步", ["next step"]),
    Column("next_step_date", "下一步日期", ["next step date"], hint="2026-03-15"),
    Column("by", "记录人", ["跟进人", "by"], hint="用户名或姓名；空白为项目负责人"),
]  # fmt: skip
EXAMPLE = ["浙江省人民医院新院区制氧站", "浙江省人民医院", "杭州市", "2026-10-12", "业务联络",
           "拜访", "周慧", "介绍现场制氧方案，院长要求下月看样板点", "安排参观样板点",
           "2026-11-05", ""]  # fmt: skip
NOTES = [
    gettext_lazy("同一条跟进：同一个项目、日期、类型和沟通内容相同；已有的跟进不会被修改。"),
    gettext_lazy("导入后按日期重新计算联络周期（业务、情感联络分开）和联络达标。"),
]
FIELDS = ["date", "kind", "channel", "summary", "next_step", "next_step_date"]


class FollowUpRowForm(RowForm):  # the dates' rules are FollowUp.clean()'s
    class Meta:
        model = FollowUp
        fields = FIELDS


def in_use(pks: list[int], created: list[int]) -> None:
    """Nothing is built on a follow-up: an import of them can always be taken back."""
    return None


def check(sheet: Sheet, user: User, lock: bool = False) -> Iterator[Row]:
    hospitals = named_hospitals(user)
    users = by_name(User.objects.filter(is_active=True))
    seen: dict[tuple[int, str, str, str], int] = {}
    for chunk in chunks(sheet.rows, CHUNK):
        hospitals.load(chunk)
        ids = {pk for _n, cells in chunk if (pk := hospitals.get(cells))}
        projects = {
            (p.hospital_id, norm(p.name)): p
            for p in Project.objects.visible_to(user).filter(hospital_id__in=ids)
            .only("pk", "name", "hospital_id", "owner_id")
        }  # fmt: skip
        people: dict[tuple[int, str], list[int]] = {}
        for pk, hid, name in Contact.objects.filter(hospital_id__in=ids).values_list(
            "pk", "hospital_id", "name"
        ):
            people.setdefault((hid, norm(name)), []).append(pk)
        known = set()
        for p, d, k, text in FollowUp.objects.filter(
            project_id__in=[p.pk for p in projects.values()]
        ).values_list("project_id", "date", "kind", "summary"):
            known.add((p, d.isoformat(), k, norm(text)))
        for number, cells in chunk:
            row = Row(number=number, action="new", name=cells.get("project", ""))
            hospital = hospital_of(row, cells, hospitals)
            if hospital is not None:
                _fill(row, cells, hospital, projects, people, known, seen, users, user)
            yield row


def _fill(row: Row, cells: dict[str, str], hospital: int,
          projects: dict[tuple[int, str], Project], people: dict[tuple[int, str], list[int]],
          known: set[tuple[int, str, str, str]], seen: dict[tuple[int, str, str, str], int],
          users: dict[str, User], user: User) -> None:  # fmt: skip
    project = projects.get((hospital, norm(cells.get("project", ""))))
    if project is None:
        row.action = "error"
        row.errors = {"project": [_("这家医院没有这个项目，或您看不到它（请先导入项目）。")]}
        return
    data: dict[str, Any] = {f: cells[f] for f in FIELDS if cells.get(f)}
    data["kind"] = choice(ContactKind, data.get("kind", ContactKind.BUSINESS))
    if "channel" in data:
        data["channel"] = choice(Channel, data["channel"])
    form = FollowUpRowForm.shared()(data, instance=FollowUp(project=project))
    errors: dict[str, list[str]] = {}
    contacts = []
    for name in re.split(r"[、,，/;；\s]+", cells.get("contacts", "")):
        if not name:
            continue
        match = people.get((hospital, norm(name)), [])
        if len(match) != 1:
            errors.setdefault("contacts", []).append(
                (_("这家医院没有叫“%(name)s”的联系人。") if not match
                 else _("这家医院有几位叫“%(name)s”的联系人。")) % {"name": name}
            )  # fmt: skip
        else:
            contacts.append(match[0])
    by = users.get(norm(cells["by"])) if cells.get("by") else None
    if cells.get("by") and by is None:
        errors["by"] = [_("没有这个人。")]
    if not form.is_valid() or errors:
        refuse(row, form, {"kind": ContactKind, "channel": Channel}, errors)
        return
    record = form.save(commit=False)
    key = (project.pk, record.date.isoformat(), record.kind, norm(record.summary))
    if key in seen or key in known:
        row.action = "duplicate"
        row.errors = {
            "summary": [
                _("与第 %(n)s 行是同一条跟进，此行不导入。") % {"n": seen[key]}
                if key in seen
                else _("这条跟进已经有了，此行不导入。")
            ]
        }
        return
    seen[key] = row.number
    record.created_by_id = by.pk if by else project.owner_id or user.pk
    record._contacts = contacts
    row.record = record


def created(rows: list[Row], by: User) -> None:
    """Who was met, for each follow-up just written."""
    through = FollowUp.contacts.through
    through.objects.bulk_create(
        [through(followup_id=r.record.pk, contact_id=c) for r in rows for c in r.record._contacts],
        batch_size=CHUNK,
    )


def finished(written: dict[str, Any]) -> None:
    """Every contact clock of the projects the sheet touched, from their follow-ups."""
    pks = [pk for pk, _v in written["created"]]
    projects: set[int] = set()
    for start in range(0, len(pks), CHUNK):
        projects |= set(
            FollowUp.objects.filter(pk__in=pks[start : start + CHUNK]).values_list(
                "project_id", flat=True
            )
        )
    written["projects"] = sorted(projects)
    contact_clocks.projects_changed(written["projects"])


def removed(written: dict[str, Any]) -> None:
    contact_clocks.projects_changed(written.get("projects", []))
