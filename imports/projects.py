"""Importing projects (a team's project tracker): each row names its hospital (name and city,
matched as hospitals are, among those the importer sees) and the project by name; the same
hospital and project name (full-width, spaces ignored) is the same project. Stage, status
and the choices are given by their Chinese or English labels; the people (切入人, 信息提供人)
by the name of a contact the hospital has. A project comes in at the stage the sheet gives
(its stage history starts there, on its 立项日期); one past 意向评估 without an evaluation
needs one before it moves on, as any project does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from hospitals.forms import assignable_owners
from hospitals.models import Contact
from o2crm.dates import midnight
from pipeline import contact_clocks, stage_history
from pipeline.models import (
    EntryPath,
    Need,
    OxygenSource,
    Project,
    PromotionEvent,
    Source,
    Stage,
    StageChange,
    Status,
)
from pipeline.services import ensure_forecast_snapshot

from .hospitals import (
    CHUNK,
    Row,
    RowForm,
    by_name,
    choice,
    hospital_of,
    named_hospitals,
    refuse,
    settle,
)
from .sheets import Column, Sheet, chunks, norm


def _labels(enum: Any) -> str:
    return "、".join(str(c.label) for c in enum)


MODEL = Project
COLUMNS = [
    Column("name", "项目名称", ["项目", "project", "project name"], True),
    Column("hospital", "医院名称", ["医院", "hospital"], True),
    Column("city", "城市", ["市", "地市", "city"], True),
    Column("owner", "负责人", ["销售经理", "owner"], hint="用户名或姓名；空白为医院的负责人"),
    Column("stage", "阶段", ["项目阶段", "stage"], hint="阶段名称，空白为第一个阶段"),
    Column("status", "状态", ["项目状态", "status"], hint=_labels(Status)),
    Column("close_reason", "关闭原因", ["原因", "赢单/丢单原因", "close reason"],
           hint="丢单、放弃时必填"),
    Column("closed_on", "关闭日期", ["closed on"], hint="2026-03-01"),
    Column("source", "信息来源", ["来源", "source"], hint=_labels(Source) + "；空白为其他"),
    Column("source_event", "推广活动类型", ["活动类型", "event"], hint=_labels(PromotionEvent)),
    Column("source_event_name", "活动名称", ["event name"]),
    Column("entry_path", "切入方式", ["切入", "entry path"],
           hint=_labels(EntryPath) + "；空白为中层切入"),
    Column("need", "需求", ["需求类型", "need"], hint=_labels(Need) + "；空白为新建"),
    Column("current_source", "现有氧源", ["氧源", "current source"],
           hint=_labels(OxygenSource) + "；空白为其他"),
    Column("entry_contact", "切入人", ["切入联系人", "entry contact"], hint="医院已有联系人的姓名"),
    Column("informant", "信息提供人", ["线人", "informant"], hint="医院已有联系人的姓名"),
    Column("planned_purchase_date", "计划采购日期", ["计划采购", "planned purchase"],
           hint="2027-06-30"),
    Column("committed", "确定采购", ["已确定", "committed"], hint="是、否"),
    Column("estimated_volume", "预计用氧量", ["用氧量", "estimated volume"], hint="Nm³/年，整数"),
    Column("contract_value", "预计合同金额", ["合同金额", "金额", "contract value"], hint="元"),
    Column("started_on", "立项日期", ["创建日期", "立项", "started on"],
           hint="2025-09-01；空白为今天"),
    Column("notes", "备注", ["说明", "notes"]),
]  # fmt: skip
EXAMPLE = ["浙江省人民医院新院区制氧站", "浙江省人民医院", "杭州市", "", "意向评估", "进行中", "",
           "", "关系引导", "", "", "中层切入", "新建", "液氧", "周慧", "", "2027-06-30", "否",
           600000, 4800000, "2026-09-01", ""]  # fmt: skip
NOTES = [
    gettext_lazy("同一个项目：同一家医院、项目名称相同（全角半角、空格不计）。"),
    gettext_lazy("进入意向评估之后阶段的项目，以后推进阶段前需先补做一次结论为“推进”的意向评估。"),
]
FIELDS = ["name", "source", "source_event", "source_event_name", "entry_path", "need",
          "current_source", "planned_purchase_date", "committed", "estimated_volume",
          "contract_value", "stage", "status", "close_reason", "entry_contact", "informant",
          "notes"]  # fmt: skip
CHOICES = {"source": Source, "source_event": PromotionEvent, "entry_path": EntryPath,
           "need": Need, "current_source": OxygenSource, "status": Status}  # fmt: skip
DEFAULTS = {"source": Source.OTHER, "entry_path": EntryPath.MID, "need": Need.NEW,
            "current_source": OxygenSource.OTHER, "status": Status.OPEN}  # fmt: skip
YES = {"是", "y", "yes", "true", "1", "确定", "√"}


class ProjectRowForm(RowForm):
    started_on = forms.DateField(required=False)
    closed_on = forms.DateField(required=False)

    class Meta:
        model = Project
        fields = FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source") == Source.PROMOTION and not data.get("source_event"):
            self.add_error("source_event", _("推广反馈需注明活动类型：展会或技术交流。"))
        closed = data.get("status") in (Status.LOST, Status.ABANDONED)
        if closed and not (data.get("close_reason") or "").strip():
            self.add_error("close_reason", _("丢单或放弃时必须填写原因。"))
        value = data.get("contract_value")
        if value is not None and value < 0:
            self.add_error("contract_value", _("金额不能为负数。"))
        for name in ("started_on", "closed_on"):
            if data.get(name) and data[name] > timezone.localdate():
                self.add_error(name, _("日期不能晚于今天。"))
        return data


def hints() -> dict[str, str]:
    """The allowed values the template lists that an admin may change (the stages)."""
    names = Stage.objects.filter(is_active=True).order_by("order").values_list("name", flat=True)
    return {"stage": "、".join(names) + _("；空白为第一个阶段")}


def in_use(pks: list[int], created: list[int]) -> Project | None:
    """A project among `pks` that has follow-ups, visits, evaluations or proposals now."""
    for related in ("follow_ups", "evaluations", "visits", "proposals"):
        found = Project.objects.filter(pk__in=pks, **{f"{related}__isnull": False}).first()
        if found is not None:
            return found
    return None


def owners_for(user: User) -> dict[str, User]:
    """Whom the importer may name as owner (as on the project form), by username and name."""
    people = assignable_owners(user)
    return by_name(list(people) if people is not None else [user])


def check(sheet: Sheet, user: User, lock: bool = False) -> Iterator[Row]:
    hospitals = named_hospitals(user)
    owners = owners_for(user)
    stages = {}
    for stage in Stage.objects.filter(is_active=True).order_by("-order"):
        stages[norm(stage.name)] = stages[norm(stage.code)] = stage
    first = min(stages.values(), key=lambda s: s.order) if stages else None
    seen: dict[tuple[int, str], int] = {}
    for chunk in chunks(sheet.rows, CHUNK):
        hospitals.load(chunk)
        ids = {pk for _n, cells in chunk if (pk := hospitals.get(cells))}
        info = {h.pk: h.owner_id for h in hospitals.queryset.filter(pk__in=ids).only("owner")}
        people: dict[tuple[int, str], list[int]] = {}
        for pk, hid, name in Contact.objects.filter(hospital_id__in=ids).values_list(
            "pk", "hospital_id", "name"
        ):
            people.setdefault((hid, norm(name)), []).append(pk)
        found = Project.objects.filter(hospital_id__in=ids)
        existing = {
            (p.hospital_id, norm(p.name)): p for p in (found.select_for_update() if lock else found)
        }
        visible = set(
            Project.objects.visible_to(user)
            .filter(hospital_id__in=ids)
            .values_list("pk", flat=True)
        )
        for number, cells in chunk:
            row = Row(number=number, action="new", name=cells.get("name", ""))
            hospital = hospital_of(row, cells, hospitals)
            if hospital is not None:
                _fill(row, cells, hospital, info, people, existing, visible, owners, stages,
                      first, seen, user)  # fmt: skip
            yield row


def _fill(row: Row, cells: dict[str, str], hospital: int, info: dict[int, int | None],
          people: dict[tuple[int, str], list[int]], existing: dict[tuple[int, str], Project],
          visible: set[int], owners: dict[str, User], stages: dict[str, Stage],
          first: Stage | None, seen: dict[tuple[int, str], int], user: User) -> None:  # fmt: skip
    key = (hospital, norm(cells.get("name", "")))
    if key in seen:
        row.action = "duplicate"
        row.errors = {"name": [_("与第 %(n)s 行是同一个项目，此行不导入。") % {"n": seen[key]}]}
        return
    seen[key] = row.number
    current = existing.get(key)
    if current is not None and current.pk not in visible:
        row.action = "error"
        row.errors = {"name": [_("这个项目由他人负责，您不能修改它。")]}
        return
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {f: cells[f] for f in FIELDS if cells.get(f)}
    for name, enum in CHOICES.items():
        if name in data:
            data[name] = choice(enum, data[name])
    if "committed" in data:
        data["committed"] = norm(data["committed"]) in YES
    if "stage" in data:
        stage = stages.get(norm(data["stage"]))
        if stage is None:
            ordered = sorted({s.pk: s for s in stages.values()}.values(), key=lambda s: s.order)
            allowed = "、".join(s.name for s in ordered)
            errors["stage"] = [_("没有这个阶段。可填：%(values)s") % {"values": allowed}]
            del data["stage"]  # said once, not again by the form
        else:
            data["stage"] = stage.pk
    for name in ("entry_contact", "informant"):
        if name in data:
            match = people.get((hospital, norm(data[name])), [])
            if len(match) != 1:
                del data[name]
                errors[name] = [
                    _("这家医院没有叫这个名字的联系人（请先导入联系人）。")
                    if not match
                    else _("这家医院有几位同名的联系人，请在系统中选择。")
                ]
            else:
                data[name] = match[0]
    owner = None
    if cells.get("owner"):
        owner = owners.get(norm(cells["owner"]))
        if owner is None:
            errors["owner"] = [_("没有这个人，或您不能把项目交给他。")]
    base: dict[str, Any] = {}
    if current is not None:
        base = {f: getattr(current, f if f not in ("stage", "entry_contact", "informant")
                           else f + "_id") for f in FIELDS}  # fmt: skip
        data = {**{k: ("" if v is None else v) for k, v in base.items()}, **data}
        data["name"] = current.name
    else:
        data = {**DEFAULTS, "stage": first.pk if first else None, **data}
    for name in ("started_on", "closed_on"):
        data[name] = cells.get(name, "")
    form = ProjectRowForm.shared()(data, instance=current or Project(hospital_id=hospital))
    contacts = Contact.objects.filter(hospital_id=hospital)
    form.fields["entry_contact"].queryset = form.fields["informant"].queryset = contacts
    if not form.is_valid() or errors:
        refuse(row, form, CHOICES, errors)
        return
    record = form.save(commit=False)
    started: date | None = form.cleaned_data.get("started_on")
    closed: date | None = form.cleaned_data.get("closed_on")
    if current is None:
        record.owner = owner or _default_owner(info.get(hospital), user)
        if record.owner is None:
            row.action = "error"
            row.errors = {"owner": [_("请填写负责人：这家医院还没有负责人。")]}
            return
        record._started_on, record._closed_on = started, closed
        if record.status != Status.OPEN:
            record.closed_at = midnight(closed) if closed else timezone.now()
        row.record = record
        return
    changed = {
        (f + "_id" if f in ("stage", "entry_contact", "informant") else f): base[f]
        for f in form.changed_data
        if f in FIELDS
    }
    if owner is not None and owner.pk != current.owner_id:
        changed["owner_id"] = current.owner_id
        record.owner = owner
    if "status" in changed:
        changed["closed_at"] = current.closed_at
        record.closed_at = (
            None if record.status == Status.OPEN else midnight(closed) if closed else timezone.now()
        )
    record._stage_before = current.stage_id if "stage_id" in changed else None
    settle(row, record, changed)


def _default_owner(hospital_owner: int | None, user: User) -> User | None:
    if user.role == Role.MANAGER:
        return user
    return User.objects.filter(pk=hospital_owner).first() if hospital_owner else None


def created(rows: list[Row], by: User) -> None:
    """What a new project has beside its row: the buying centre's first people, its stage
    history from its start, and its 立项日期 when the sheet gives one."""
    ensure_forecast_snapshot()
    through = Project.contacts.through
    links, changes = [], []
    for row in rows:
        p = row.record
        for contact in {c for c in (p.entry_contact_id, p.informant_id) if c}:
            links.append(through(project_id=p.pk, contact_id=contact))
        started = p._started_on
        if started:
            Project.objects.filter(pk=p.pk).update(created_at=midnight(started))
        changes.append(StageChange(project_id=p.pk, from_stage=None, to_stage_id=p.stage_id,
                                   changed_by=by, changed_at=midnight(started) if started
                                   else timezone.now()))  # fmt: skip
    through.objects.bulk_create(links, batch_size=CHUNK)
    StageChange.objects.bulk_create(changes, batch_size=CHUNK)
    backdated = [row.record.pk for row in rows if row.record._started_on]
    if backdated:
        contact_clocks.projects_changed(backdated)


def updated(rows: list[Row], by: User) -> None:
    """A stage the sheet moved is kept in the stage history, as a move on the board is."""
    moves = [r.record for r in rows if getattr(r.record, "_stage_before", None)]
    StageChange.objects.bulk_create(
        [StageChange(project_id=p.pk, from_stage_id=p._stage_before, to_stage_id=p.stage_id,
                     changed_by=by) for p in moves], batch_size=CHUNK,
    )  # fmt: skip
    stage_history.restamp([p.pk for p in moves])
