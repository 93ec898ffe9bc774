"""Importing departments (科室/部门): each row names its hospital (name and city, matched as
hospitals are) and optionally its parent department — one the hospital has, or one of an
earlier row of the sheet, so a tree comes in one file, parents first. A department matches an
existing one of the same hospital with the same name (full-width, spaces ignored)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from accounts.models import User
from hospitals.models import Department

from .hospitals import Row, hospital_of, named_hospitals
from .sheets import Column, Sheet, norm

MODEL = Department
COLUMNS = [
    Column("name", "部门名称", ["部门", "科室", "科室名称", "department"], True),
    Column("hospital", "医院名称", ["医院", "hospital"], True),
    Column("city", "城市", ["市", "地市", "city"], True),
    Column("parent", "上级部门", ["上级", "parent"], hint="医院已有的部门，或表中前面的行"),
    Column("phone", "电话", ["科室电话", "phone"]),
    Column("sort_order", "排序", ["顺序", "order"], hint="整数，小的在前"),
    Column("notes", "备注", ["说明", "notes"]),
]  # fmt: skip
EXAMPLE = ["设备科", "浙江省人民医院", "杭州市", "医务部", "0571-85893000", 40, ""]
FIELDS = ["name", "phone", "sort_order", "notes"]


class DepartmentRowForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Department
        fields = FIELDS


def in_use(record: Department, created: set[int]) -> bool:
    """People in it, or sub-departments other than those the same import made."""
    children = Department.objects.filter(parent=record).exclude(pk__in=created)
    return record.contacts.exists() or children.exists()


def check(sheet: Sheet, user: User) -> list[Row]:
    hospitals = named_hospitals(sheet, user)
    known: dict[tuple[int, str], Department] = {
        (d.hospital_id, norm(d.name)): d
        for d in Department.objects.filter(hospital_id__in=[h.pk for h in hospitals.values()])
    }
    seen: dict[tuple[int, str], int] = {}
    rows = []
    for number, cells in sheet.rows:
        row = Row(number=number, action="new", name=cells.get("name", ""))
        hospital = hospital_of(row, cells, hospitals)
        if hospital is None:
            rows.append(row)
            continue
        key = (hospital.pk, norm(cells.get("name", "")))
        if key in seen:
            row.action = "duplicate"
            row.errors = {"name": [_("与第 %(n)s 行是同一个部门，此行不导入。") % {"n": seen[key]}]}
            rows.append(row)
            continue
        seen[key] = number
        parent = None
        if cells.get("parent"):
            parent = known.get((hospital.pk, norm(cells["parent"])))
            if parent is None:
                row.action = "error"
                row.errors = {
                    "parent": [_("上级部门不存在：请先有它（医院里已有，或放在表中前面的行）。")]
                }
                rows.append(row)
                continue
        current = known.get(key)
        base: dict[str, Any] = {}
        data: dict[str, Any] = {f: cells[f] for f in FIELDS if cells.get(f)}
        if current is not None and current.pk:
            base = {f: getattr(current, f) for f in FIELDS}
            data = {**{k: ("" if v is None else v) for k, v in base.items()}, **data}
        else:
            data = {"sort_order": 100, **data}
        form = DepartmentRowForm(data, instance=current if current and current.pk else None)
        form.instance.hospital = hospital
        if not form.is_valid():
            row.action = "error"
            row.errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
            rows.append(row)
            continue
        record = form.save(commit=False)
        if current is None:
            record.parent = parent
            row.record = record
            known[key] = record  # a parent for later rows
            rows.append(row)
            continue
        changed = {f: base[f] for f in form.changed_data}
        if parent is not None and parent.pk != current.parent_id:
            changed["parent_id"] = current.parent_id
            record.parent = parent
        if changed:
            row.action, row.record, row.changed = "update", record, changed
        else:
            row.action = "duplicate"
            row.errors = {"name": [_("已存在，内容相同，此行不导入。")]}
        rows.append(row)
    return rows
