"""Importing contacts: each row names its hospital (name and city, matched as hospitals are),
optionally a department of it (by name); a contact matches an existing one of the same
hospital with the same name and mobile number (digits only: 139-0000-1111 = 13900001111),
or the same name when the sheet gives no mobile and the hospital has one person of that
name. Personal details (birthday, family …) are not imported: the sheet travels further
than the people allowed to read them (decision 0003)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from accounts.models import User
from hospitals.models import Attitude, Contact, Department, Layer, PurchaseRole

from .hospitals import Row, hospital_of, named_hospitals
from .sheets import Column, Sheet, norm

MODEL = Contact
COLUMNS = [
    Column("name", "姓名", ["联系人", "名字", "name", "contact"], True),
    Column("hospital", "医院名称", ["医院", "单位", "hospital"], True),
    Column("city", "城市", ["市", "地市", "city"], True),
    Column("department", "部门", ["科室", "department"], hint="医院已有的部门名称"),
    Column("title", "职务", ["职位", "职称", "title"]),
    Column("layer", "层级", ["layer"], hint="、".join(str(c.label) for c in Layer)),
    Column("roles", "采购角色", ["角色", "roles"],
           hint="、".join(str(c.label) for c in PurchaseRole) + "（可填多个，用顿号分开）"),
    Column("influence", "影响力", ["influence"], hint="1–5"),
    Column("attitude", "态度", ["attitude"], hint="、".join(str(c.label) for c in Attitude)),
    Column("closeness", "亲密程度", ["亲密度", "closeness"], hint="1–5"),
    Column("mobile", "手机", ["手机号", "手机号码", "mobile"]),
    Column("office_phone", "办公电话", ["座机", "电话", "office phone"]),
    Column("wechat", "微信", ["微信号", "wechat"]),
    Column("email", "邮箱", ["电子邮件", "email"]),
    Column("notes", "备注", ["说明", "notes"]),
]  # fmt: skip
EXAMPLE = ["周慧", "浙江省人民医院", "杭州市", "院办", "副院长", "决策层", "审批", 5, "支持", 2,
           "13900001111", "0571-85893000", "", "", ""]  # fmt: skip
FIELDS = ["name", "department", "title", "layer", "roles", "influence", "attitude",
          "closeness", "mobile", "office_phone", "wechat", "email", "notes"]  # fmt: skip
CHOICES = {"layer": Layer, "attitude": Attitude}
DEFAULTS = {"layer": Layer.FUNCTIONAL, "attitude": Attitude.UNKNOWN, "influence": 3,
            "closeness": 1}  # fmt: skip


class ContactRowForm(forms.ModelForm):  # type: ignore[type-arg]
    roles = forms.MultipleChoiceField(choices=PurchaseRole.choices, required=False)

    class Meta:
        model = Contact
        fields = FIELDS


def digits(phone: str) -> str:
    return re.sub(r"\D", "", norm(phone))


def choice(enum: Any, text: str) -> str:
    for value, label in enum.choices:
        if norm(text) in (norm(value), norm(label)):
            return str(value)
    return text


def in_use(record: Contact, created: set[int]) -> bool:
    """Whether undoing the import would take away something people built on the contact."""
    return record.projects.exists() or record.visits.exists()


def check(sheet: Sheet, user: User) -> list[Row]:
    hospitals = named_hospitals(sheet, user)
    ids = [h.pk for h in hospitals.values()]
    departments = {
        (d.hospital_id, norm(d.name)): d
        for d in Department.objects.filter(hospital_id__in=ids).only("id", "name", "hospital_id")
    }
    people: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(hospital_id__in=ids):
        people.setdefault(contact.hospital_id, []).append(contact)
    seen: dict[tuple[int, str, str], int] = {}
    rows = []
    for number, cells in sheet.rows:
        row = Row(number=number, action="new", name=cells.get("name", ""))
        hospital = hospital_of(row, cells, hospitals)
        if hospital is None:
            rows.append(row)
            continue
        mobile = digits(cells.get("mobile", ""))
        key = (hospital.pk, norm(cells.get("name", "")), mobile)
        if key in seen:
            row.action = "duplicate"
            row.errors = {"name": [_("与第 %(n)s 行是同一个人，此行不导入。") % {"n": seen[key]}]}
            rows.append(row)
            continue
        seen[key] = number
        same_name = [c for c in people.get(hospital.pk, []) if norm(c.name) == key[1]]
        current = next((c for c in same_name if digits(c.mobile) == mobile), None)
        if current is None and not mobile and len(same_name) == 1:
            current = same_name[0]
        data: dict[str, Any] = {f: cells[f] for f in FIELDS if cells.get(f)}
        for name, enum in CHOICES.items():
            if name in data:
                data[name] = choice(enum, data[name])
        if "roles" in data:
            data["roles"] = [
                choice(PurchaseRole, part)
                for part in re.split(r"[、,，/;；\s]+", data["roles"])
                if part
            ]
        department = None
        if cells.get("department"):
            department = departments.get((hospital.pk, norm(cells["department"])))
            if department is None:
                row.action = "error"
                row.errors = {"department": [_("这家医院没有这个部门（请先在医院中添加）。")]}
                rows.append(row)
                continue
            data["department"] = department.pk
        base: dict[str, Any] = {}
        if current is not None:
            base = {f: getattr(current, f if f != "department" else "department_id")
                    for f in FIELDS}  # fmt: skip
            data = {**{k: ("" if v is None else v) for k, v in base.items()}, **data}
        else:
            data = {**DEFAULTS, **data}
        form = ContactRowForm(data, instance=current or Contact(hospital=hospital))
        form.fields["department"].queryset = Department.objects.filter(hospital=hospital)
        if not form.is_valid():
            row.action = "error"
            row.errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
            for name, enum in CHOICES.items():
                if name in row.errors:
                    allowed = "、".join(str(label) for _v, label in enum.choices)
                    row.errors[name].append(_("可填：%(values)s") % {"values": allowed})
            rows.append(row)
            continue
        record = form.save(commit=False)
        if current is None:
            row.record = record
        else:
            changed = {f: base[f] for f in form.changed_data}
            if "department" in changed:
                changed["department_id"] = changed.pop("department")
            if changed:
                row.action, row.record, row.changed = "update", record, changed
            else:
                row.action = "duplicate"
                row.errors = {"name": [_("已存在，内容相同，此行不导入。")]}
        rows.append(row)
    return rows
