"""Importing departments (科室/部门): each row names its hospital (name and city, matched as
hospitals are) and optionally its parent department — one the hospital has, or one of an
earlier row of the sheet, so a tree comes in one file, parents first. A department matches an
existing one of the same hospital with the same name (full-width, spaces ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from accounts.models import User
from hospitals.models import Department

from .hospitals import CHUNK, Hospitals, Row, RowForm, hospital_of, named_hospitals, settle
from .sheets import Column, Sheet, chunks, norm

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


class DepartmentRowForm(RowForm):
    class Meta:
        model = Department
        fields = FIELDS


def in_use(pks: list[int], created: list[int]) -> Department | None:
    """A department among `pks` with people in it now, or sub-departments other than those
    the same import `created`."""
    children = Department.objects.filter(parent=OuterRef("pk")).exclude(pk__in=created)
    return (
        Department.objects.filter(pk__in=pks)
        .filter(Q(contacts__isnull=False) | Exists(children))
        .first()
    )


def check(sheet: Sheet, user: User, lock: bool = False) -> Iterator[Row]:
    hospitals = named_hospitals(user)
    known: dict[tuple[int, str], Department] = {}
    loaded: set[int] = set()
    seen: dict[tuple[int, str], int] = {}
    for chunk in chunks(sheet.rows, CHUNK):
        hospitals.load(chunk)
        ids = {pk for _n, cells in chunk if (pk := hospitals.get(cells))} - loaded
        found = Department.objects.filter(hospital_id__in=ids)
        for d in found.select_for_update() if lock else found:
            known[d.hospital_id, norm(d.name)] = d
        loaded |= ids
        for number, cells in chunk:
            yield _row(number, cells, hospitals, known, seen)


def _row(number: int, cells: dict[str, str], hospitals: Hospitals,
         known: dict[tuple[int, str], Department], seen: dict[tuple[int, str], int]
         ) -> Row:  # fmt: skip
    row = Row(number=number, action="new", name=cells.get("name", ""))
    hospital = hospital_of(row, cells, hospitals)
    if hospital is None:
        return row
    key = (hospital, norm(cells.get("name", "")))
    if key in seen:
        row.action = "duplicate"
        row.errors = {"name": [_("与第 %(n)s 行是同一个部门，此行不导入。") % {"n": seen[key]}]}
        return row
    seen[key] = number
    parent = None
    if cells.get("parent"):
        parent = known.get((hospital, norm(cells["parent"])))
        if parent is None:
            row.action = "error"
            row.errors = {
                "parent": [_("上级部门不存在：请先有它（医院里已有，或放在表中前面的行）。")]
            }
            return row
    current = known.get(key)
    base: dict[str, Any] = {}
    data: dict[str, Any] = {f: cells[f] for f in FIELDS if cells.get(f)}
    if current is not None and current.pk:
        base = {f: getattr(current, f) for f in FIELDS}
        data = {**{k: ("" if v is None else v) for k, v in base.items()}, **data}
    else:
        data = {"sort_order": 100, **data}
    form = DepartmentRowForm.shared()(data, instance=current if current and current.pk else None)
    form.instance.hospital_id = hospital
    if not form.is_valid():
        row.action = "error"
        row.errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return row
    record = form.save(commit=False)
    if current is None:
        record.parent = parent
        row.record = record
        known[key] = record  # a parent for later rows
        return row
    changed = {f: base[f] for f in form.changed_data}
    if parent is not None and parent.pk != current.parent_id:
        changed["parent_id"] = current.parent_id
        record.parent = parent
    return settle(row, record, changed)
