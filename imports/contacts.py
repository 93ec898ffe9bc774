"""Importing contacts: each row names its hospital (name and city, matched as hospitals are),
optionally a department of it (by name); a contact matches an existing one of the same
hospital with the same name and mobile number (digits only: 139-0000-1111 = 13900001111),
or the same name when the sheet gives no mobile and the hospital has one person of that
name. Personal details (birthday, family …) are not imported: the sheet travels further
than the people allowed to read them (decision 0003)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from hospitals.models import Attitude, Contact, Department, Layer, PurchaseRole

from .hospitals import (
    CHUNK,
    Hospitals,
    Row,
    RowForm,
    choice,
    hospital_of,
    named_hospitals,
    refuse,
    settle,
)
from .sheets import Column, Sheet, chunks, norm

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
NOTES = [gettext_lazy("同一个人：同一家医院、姓名和手机号相同（手机号只比较数字）。")]
DEFAULTS = {"layer": Layer.FUNCTIONAL, "attitude": Attitude.UNKNOWN, "influence": 3,
            "closeness": 1}  # fmt: skip


class ContactRowForm(RowForm):
    roles = forms.MultipleChoiceField(choices=PurchaseRole.choices, required=False)

    class Meta:
        model = Contact
        fields = FIELDS


def digits(phone: str) -> str:
    return re.sub(r"\D", "", norm(phone))


def in_use(pks: list[int], created: list[int]) -> Contact | None:
    """A contact among `pks` that projects or visits have taken up since, or None."""
    return (
        Contact.objects.filter(pk__in=pks)
        .filter(Q(projects__isnull=False) | Q(visits__isnull=False))
        .first()
    )


def check(sheet: Sheet, user: User, lock: bool = False) -> Iterator[Row]:
    hospitals = named_hospitals(user)
    departments: dict[tuple[int, str], int] = {}
    people: dict[int, list[tuple[int, str, str]]] = {}  # hospital -> (pk, name, mobile digits)
    seen: dict[tuple[int, str, str], int] = {}
    for chunk in chunks(sheet.rows, CHUNK):
        hospitals.load(chunk)
        ids = {pk for _n, cells in chunk if (pk := hospitals.get(cells))} - set(people)
        for d in Department.objects.filter(hospital_id__in=ids).values_list(
            "pk", "hospital_id", "name"
        ):
            departments[d[1], norm(d[2])] = d[0]
        for hid in ids:
            people[hid] = []
        for pk, hid, name, mobile in Contact.objects.filter(hospital_id__in=ids).values_list(
            "pk", "hospital_id", "name", "mobile"
        ):
            people[hid].append((pk, norm(name), digits(mobile)))
        matched = [match(cells, hospitals.get(cells), people) for _n, cells in chunk]
        found = Contact.objects.filter(pk__in={m for m in matched if m})
        existing = {c.pk: c for c in (found.select_for_update() if lock else found)}
        for (number, cells), pk in zip(chunk, matched, strict=True):
            yield _row(number, cells, hospitals, departments, existing.get(pk or 0), seen)


def match(cells: dict[str, str], hospital: int | None,
          people: dict[int, list[tuple[int, str, str]]]) -> int | None:  # fmt: skip
    """The existing contact a row is: same name and mobile digits, or the only one of that
    name when the row gives no mobile."""
    if hospital is None:
        return None
    name, mobile = norm(cells.get("name", "")), digits(cells.get("mobile", ""))
    same_name = [p for p in people.get(hospital, []) if p[1] == name]
    current = next((p[0] for p in same_name if p[2] == mobile), None)
    if current is None and not mobile and len(same_name) == 1:
        current = same_name[0][0]
    return current


def _row(number: int, cells: dict[str, str], hospitals: Hospitals,
         departments: dict[tuple[int, str], int], current: Contact | None,
         seen: dict[tuple[int, str, str], int]) -> Row:  # fmt: skip
    row = Row(number=number, action="new", name=cells.get("name", ""))
    hospital = hospital_of(row, cells, hospitals)
    if hospital is None:
        return row
    key = (hospital, norm(cells.get("name", "")), digits(cells.get("mobile", "")))
    if key in seen:
        row.action = "duplicate"
        row.errors = {"name": [_("与第 %(n)s 行是同一个人，此行不导入。") % {"n": seen[key]}]}
        return row
    seen[key] = number
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
    if cells.get("department"):
        department = departments.get((hospital, norm(cells["department"])))
        if department is None:
            row.action = "error"
            row.errors = {"department": [_("这家医院没有这个部门（请先在医院中添加）。")]}
            return row
        data["department"] = department
    base: dict[str, Any] = {}
    if current is not None:
        base = {f: getattr(current, f if f != "department" else "department_id") for f in FIELDS}
        data = {**{k: ("" if v is None else v) for k, v in base.items()}, **data}
    else:
        data = {**DEFAULTS, **data}
    form = ContactRowForm.shared()(data, instance=current or Contact(hospital_id=hospital))
    if data.get("department"):  # checked against this hospital's (no query a row otherwise)
        form.fields["department"].queryset = Department.objects.filter(hospital_id=hospital)
    if not form.is_valid():
        refuse(row, form, CHOICES)
        return row
    record = form.save(commit=False)
    if current is None:
        row.record = record
        return row
    changed = {f: base[f] for f in form.changed_data}
    if "department" in changed:
        changed["department_id"] = changed.pop("department")
    return settle(row, record, changed)
