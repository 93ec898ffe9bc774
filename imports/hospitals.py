"""Importing hospitals: each row checked as the hospital form checks it, matched to an
existing hospital by name and city, previewed, then written all at once or not at all.

Matching rule: two hospitals are the same when their names and cities are equal after
full-width characters become half-width and every space is removed, and a city's trailing
市 is ignored (杭州 = 杭州市). A campus is another hospital: 浙江省人民医院 and
浙江省人民医院越城院区 never match. An update only fills or changes the cells the sheet has;
an empty cell leaves the field as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from accounts.models import User
from hospitals.models import Grade, Hospital, HospitalStatus, HospitalType, Ownership

from .sheets import Column, Sheet, norm

MODEL = Hospital
COLUMNS = [
    Column("name", "医院名称", ["医院", "名称", "医院全称", "hospital", "hospital name"], True),
    Column("short_name", "简称", ["short name"]),
    Column("province", "省份", ["省", "province"], True),
    Column("city", "城市", ["市", "地市", "city"], True),
    Column("county", "区县", ["区", "县", "county", "district"]),
    Column("grade", "等级", ["医院等级", "grade"], hint="、".join(str(g.label) for g in Grade)),
    Column("hospital_type", "类型", ["医院类型", "type"],
           hint="、".join(str(t.label) for t in HospitalType)),
    Column("ownership", "性质", ["所有制", "ownership"],
           hint="、".join(str(o.label) for o in Ownership)),
    Column("status", "状态", ["status"], hint="、".join(str(s.label) for s in HospitalStatus)),
    Column("beds", "床位数", ["床位", "编制床位", "beds"], hint="整数"),
    Column("icu_beds", "ICU床位", ["icu", "icu beds"], hint="整数，不超过床位数"),
    Column("operating_rooms", "手术室", ["手术间", "operating rooms"], hint="整数"),
    Column("hyperbaric_chambers", "高压氧舱", ["hyperbaric chambers"], hint="整数"),
    Column("address", "地址", ["address"]),
    Column("notes", "备注", ["说明", "notes"]),
    Column("owner", "负责人", ["负责人用户名", "owner"], hint="用户名或姓名"),
]  # fmt: skip
EXAMPLE = ["浙江省人民医院", "省人民医院", "浙江省", "杭州市", "拱墅区", "三级甲等", "综合医院",
           "公立", "运营", 2900, 145, 60, 1, "上塘路158号", "", ""]  # fmt: skip
FIELDS = [c.field for c in COLUMNS if c.field != "owner"]
CHOICES = {"grade": Grade, "hospital_type": HospitalType, "ownership": Ownership,
           "status": HospitalStatus}  # fmt: skip


def in_use(record: Hospital, created: set[int]) -> bool:
    """Whether undoing the import would take away something people built on the hospital."""
    return record.contacts.exists() or record.projects.exists()


class HospitalRowForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Hospital
        fields = FIELDS


def city_key(city: str) -> str:
    return norm(city).removesuffix("市")


def key_of(name: str, city: str) -> tuple[str, str]:
    return norm(name), city_key(city)


def city_forms(sheet: Sheet) -> list[str]:
    """Every way the sheet's cities may be stored: 杭州 and 杭州市 (one IN list)."""
    keys = {city_key(cells.get("city", "")) for _n, cells in sheet.rows}
    return sorted({form for key in keys for form in (key, key + "市")})


def named_hospitals(sheet: Sheet, user: User) -> dict[tuple[str, str], Hospital]:
    """The hospitals the user may see that the sheet's rows may name (by name and city), for
    the kinds whose rows belong to a hospital."""
    visible = Hospital.objects.visible_to(user).filter(city__in=city_forms(sheet))
    return {key_of(h.name, h.city): h for h in visible.only("id", "name", "city")}


def hospital_of(row: Row, cells: dict[str, str], hospitals: dict[tuple[str, str], Hospital]
                ) -> Hospital | None:  # fmt: skip
    """The hospital a row names, or None with the row marked as an error saying so."""
    found = hospitals.get(key_of(cells.get("hospital", ""), cells.get("city", "")))
    if found is None:
        row.action = "error"
        row.errors = {"hospital": [_("找不到这家医院，或您看不到它（请先导入医院）。")]}
    return found


def choice_value(field_name: str, text: str) -> str:
    """A choice given by its code or its label, in Chinese or English."""
    for value, label in CHOICES[field_name].choices:
        if norm(text) in (norm(value), norm(label)):
            return str(value)
    return text  # left for the form to refuse, with the allowed values


@dataclass
class Row:
    number: int
    action: str  # new | update | duplicate | error
    errors: dict[str, list[str]] = field(default_factory=dict)
    name: str = ""
    record: Hospital | None = None
    changed: dict[str, Any] = field(default_factory=dict)  # field -> old value (updates)


def owners_for(user: User) -> dict[str, User]:
    """Whom the importer may name as owner: anyone active for those who assign hospitals,
    themselves otherwise; by username and by name."""
    people = User.objects.filter(is_active=True)
    if not user.has_perm("hospitals.assign_owner"):
        people = people.filter(pk=user.pk)
    found: dict[str, User] = {}
    for person in people:
        found.setdefault(norm(person.username), person)
        if person.name:
            found.setdefault(norm(person.name), person)
    return found


def check(sheet: Sheet, user: User) -> list[Row]:
    """Every row's action and errors; nothing is written."""
    existing: dict[tuple[str, str], Hospital] = {}
    for hospital in Hospital.objects.filter(city__in=city_forms(sheet)).select_related("owner"):
        existing[key_of(hospital.name, hospital.city)] = hospital
    visible = set(
        Hospital.objects.visible_to(user).filter(pk__in=[h.pk for h in existing.values()])
        .values_list("pk", flat=True)
    )  # fmt: skip
    owners = owners_for(user)
    seen: dict[tuple[str, str], int] = {}
    rows = []
    for number, cells in sheet.rows:
        row = Row(number=number, action="new", name=cells.get("name", ""))
        key = key_of(cells.get("name", ""), cells.get("city", ""))
        if key in seen:
            row.action = "duplicate"
            row.errors = {"name": [_("与第 %(n)s 行是同一家医院，此行不导入。") % {"n": seen[key]}]}
            rows.append(row)
            continue
        seen[key] = number
        current = existing.get(key)
        if current is not None and current.pk not in visible:
            row.action = "error"
            row.errors = {"name": [_("这家医院已由他人负责，您不能修改它。")]}
            rows.append(row)
            continue
        data = {f: cells[f] for f in FIELDS if cells.get(f)}
        for name in CHOICES:
            if name in data:
                data[name] = choice_value(name, data[name])
        base: dict[str, Any] = {}
        if current is not None:
            base = {f: getattr(current, f) for f in FIELDS}  # before the form writes into it
            data = {**{k: ("" if v is None else v) for k, v in base.items()}, **data}
        else:
            defaults = {
                "grade": Grade.NONE,
                "hospital_type": HospitalType.GENERAL,
                "ownership": Ownership.PUBLIC,
                "status": HospitalStatus.OPERATING,
            }
            data = {**defaults, **data}  # fmt: skip
        form = HospitalRowForm(data, instance=current)
        owner = owners.get(norm(cells["owner"])) if cells.get("owner") else None
        if not form.is_valid() or (cells.get("owner") and owner is None):
            row.action = "error"
            row.errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
            for name in set(row.errors) & set(CHOICES):  # say what is allowed
                allowed = "、".join(str(label) for _v, label in CHOICES[name].choices)
                row.errors[name].append(_("可填：%(values)s") % {"values": allowed})
            if cells.get("owner") and owner is None:
                row.errors["owner"] = [_("没有这个人，或您不能把医院交给他。")]
            rows.append(row)
            continue
        if current is None and not user.has_perm("hospitals.add_hospital"):
            row.action = "error"
            row.errors = {"name": [_("您没有新建医院的权限，只能更新自己负责的医院。")]}
            rows.append(row)
            continue
        record = form.save(commit=False)
        if current is None:
            record.owner = owner or (None if user.has_perm("hospitals.assign_owner") else user)
            row.record = record
        else:
            row.changed = {f: base[f] for f in form.changed_data}
            if owner is not None and owner.pk != current.owner_id:
                row.changed["owner_id"] = current.owner_id
                record.owner = owner
            if row.changed:
                row.action, row.record = "update", record
            else:
                row.action = "duplicate"
                row.errors = {"name": [_("已存在，内容相同，此行不导入。")]}
        rows.append(row)
    return rows
