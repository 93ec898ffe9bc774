"""Importing hospitals: each row checked as the hospital form checks it, matched to an
existing hospital by name and city, previewed, then written all at once or not at all.

Matching rule: two hospitals are the same when their names and cities are equal after
full-width characters become half-width and every space is removed, and a city's trailing
市 is ignored (杭州 = 杭州市). A campus is another hospital: 浙江省人民医院 and
浙江省人民医院越城院区 never match. An update only fills or changes the cells the sheet has;
an empty cell leaves the field as it is."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from hospitals.models import Contact, Grade, Hospital, HospitalStatus, HospitalType, Ownership
from pipeline.models import Project

from .sheets import Column, Sheet, chunks, norm

CHUNK = 500  # rows checked, and written, at a time

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


def in_use(pks: list[int], created: list[int]) -> Hospital | None:
    """A hospital among `pks` that undoing the import would take something from (people or
    projects built on it since), or None."""
    return (
        Hospital.objects.filter(pk__in=pks)
        .filter(Exists(Contact.objects.filter(hospital=OuterRef("pk")))
                | Exists(Project.objects.filter(hospital=OuterRef("pk"))))
        .first()
    )  # fmt: skip


class RowForm(forms.ModelForm):  # type: ignore[type-arg]
    """A row checked by the model's own fields and clean(). Nothing is asked of the database
    row by row: the sheet's rows are matched to existing records (key_of and each kind's key)
    before the form sees them, and the check constraints are mirrored in the models' clean()
    (the database refuses anything they let through)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clean = self.instance.full_clean
        self.instance.full_clean = partial(clean, validate_constraints=False)

    def validate_unique(self) -> None:
        pass

    @classmethod
    def shared(cls) -> type[RowForm]:
        """This form with its fields made once per thread: Django copies every field for every
        form it makes (a third of the time a row took); a sheet's rows are checked one after
        another by one thread and never rendered, so one set of fields serves them all (a
        field a row narrows, such as the department's choices, is narrowed again by the next
        row that uses it)."""
        made: dict[type, type[RowForm]] = _shared.__dict__.setdefault("forms", {})
        if cls not in made:
            form: type[RowForm] = type(cls.__name__, (cls,), {"__module__": cls.__module__})
            form.base_fields = _SharedFields(form.base_fields)
            made[cls] = form
        return made[cls]


class _SharedFields(dict[str, forms.Field]):
    def __deepcopy__(self, memo: dict[int, Any]) -> _SharedFields:
        return self


_shared = threading.local()


class HospitalRowForm(RowForm):
    class Meta:
        model = Hospital
        fields = FIELDS


def city_key(city: str) -> str:
    return norm(city).removesuffix("市")


def key_of(name: str, city: str) -> tuple[str, str]:
    return norm(name), city_key(city)


class Hospitals:
    """The hospitals a sheet's rows name (by name and city), found a chunk of rows at a time:
    one IN list of the chunk's new cities (杭州 and 杭州市), kept as keys and ids only, so a
    national sheet costs a query per chunk and a few megabytes."""

    def __init__(self, queryset: QuerySet[Hospital]):
        self.queryset = queryset
        self.ids: dict[tuple[str, str], int] = {}
        self.cities: set[str] = set()

    def load(self, chunk: list[tuple[int, dict[str, str]]]) -> None:
        new = {city_key(cells.get("city", "")) for _n, cells in chunk} - self.cities
        if not new:
            return
        forms_ = sorted({form for key in new for form in (key, key + "市")})
        for pk, name, city in self.queryset.filter(city__in=forms_).values_list(
            "pk", "name", "city"
        ):
            self.ids.setdefault(key_of(name, city), pk)
        self.cities |= new

    def get(self, cells: dict[str, str]) -> int | None:
        return self.ids.get(key_of(cells.get("hospital", cells.get("name", "")),
                                   cells.get("city", "")))  # fmt: skip


def named_hospitals(user: User) -> Hospitals:
    """The hospitals the user may see, for the kinds whose rows belong to a hospital."""
    return Hospitals(Hospital.objects.visible_to(user))


def hospital_of(row: Row, cells: dict[str, str], hospitals: Hospitals) -> int | None:
    """The id of the hospital a row names, or None with the row marked as an error."""
    found = hospitals.get(cells)
    if found is None:
        row.action = "error"
        row.errors = {"hospital": [_("找不到这家医院，或您看不到它（请先导入医院）。")]}
    return found


def choice(enum: Any, text: str) -> str:
    """A choice given by its code or its label, in Chinese or English."""
    for value, label in enum.choices:
        if norm(text) in (norm(value), norm(label)):
            return str(value)
    return text  # left for the form to refuse, with the allowed values


def by_name(people: Iterable[User]) -> dict[str, User]:
    """People found by username or by name (the first of a name wins)."""
    found: dict[str, User] = {}
    for person in people:
        found.setdefault(norm(person.username), person)
        if person.name:
            found.setdefault(norm(person.name), person)
    return found


def refuse(row: Row, form: forms.BaseForm, choices: dict[str, Any],
           more: dict[str, list[str]] | None = None) -> None:  # fmt: skip
    """Mark the row wrong with the form's errors per field (a choice's errors say what is
    allowed) and any found before the form."""
    row.action = "error"
    row.errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    for name in set(row.errors) & set(choices):
        allowed = "、".join(str(label) for _v, label in choices[name].choices)
        row.errors[name].append(_("可填：%(values)s") % {"values": allowed})
    for name, messages in (more or {}).items():
        row.errors.setdefault(name, []).extend(messages)


@dataclass
class Row:
    number: int
    action: str  # new | update | duplicate | error
    errors: dict[str, list[str]] = field(default_factory=dict)
    name: str = ""
    record: Any = None  # the model instance to write (unsaved changes)
    changed: dict[str, Any] = field(default_factory=dict)  # field -> old value (updates)


def settle(row: Row, record: Any, changed: dict[str, Any]) -> Row:
    """A row that matched an existing record: an update of the fields that differ (with their
    values before, for undo), or a duplicate when none does."""
    if changed:
        row.action, row.record, row.changed = "update", record, changed
    else:
        row.action = "duplicate"
        row.errors = {"name": [_("已存在，内容相同，此行不导入。")]}
    return row


def owners_for(user: User) -> dict[str, User]:
    """Whom the importer may name as owner: anyone active for those who assign hospitals,
    themselves otherwise; by username and by name."""
    people = User.objects.filter(is_active=True)
    if not user.has_perm("hospitals.assign_owner"):
        people = people.filter(pk=user.pk)
    return by_name(people)


def check(sheet: Sheet, user: User, lock: bool = False) -> Iterator[Row]:
    """Every row's action and errors, a chunk at a time; nothing is written. `lock` holds
    the rows to be updated until the import's transaction ends."""
    hospitals = Hospitals(Hospital.objects.all())
    owners = owners_for(user)
    may_add = user.has_perm("hospitals.add_hospital")
    seen: dict[tuple[str, str], int] = {}
    for chunk in chunks(sheet.rows, CHUNK):
        hospitals.load(chunk)
        wanted = {pk for _n, cells in chunk if (pk := hospitals.get(cells))}
        found = Hospital.objects.filter(pk__in=wanted)
        existing = {h.pk: h for h in (found.select_for_update() if lock else found)}
        visible = set(
            Hospital.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True)
        )
        for number, cells in chunk:
            yield _row(number, cells, hospitals, existing, visible, owners, seen, may_add, user)


def _row(number: int, cells: dict[str, str], hospitals: Hospitals,
         existing: dict[int, Hospital], visible: set[int], owners: dict[str, User],
         seen: dict[tuple[str, str], int], may_add: bool, user: User) -> Row:  # fmt: skip
    row = Row(number=number, action="new", name=cells.get("name", ""))
    key = key_of(cells.get("name", ""), cells.get("city", ""))
    if key in seen:
        row.action = "duplicate"
        row.errors = {"name": [_("与第 %(n)s 行是同一家医院，此行不导入。") % {"n": seen[key]}]}
        return row
    seen[key] = number
    pk = hospitals.get(cells)
    current = existing.get(pk) if pk else None
    if current is not None and current.pk not in visible:
        row.action = "error"
        row.errors = {"name": [_("这家医院已由他人负责，您不能修改它。")]}
        return row
    data = {f: cells[f] for f in FIELDS if cells.get(f)}
    for name in CHOICES:
        if name in data:
            data[name] = choice(CHOICES[name], data[name])
    base: dict[str, Any] = {}
    if current is not None:
        base = {f: getattr(current, f) for f in FIELDS}  # before the form writes into it
        data = {**{k: ("" if v is None else v) for k, v in base.items()}, **data}
        data["name"], data["city"] = current.name, current.city  # matched: kept as they are
    else:
        defaults = {
            "grade": Grade.NONE,
            "hospital_type": HospitalType.GENERAL,
            "ownership": Ownership.PUBLIC,
            "status": HospitalStatus.OPERATING,
        }
        data = {**defaults, **data}  # fmt: skip
    form = HospitalRowForm.shared()(data, instance=current)
    form.instance.duplicate_checked = True
    owner = owners.get(norm(cells["owner"])) if cells.get("owner") else None
    if not form.is_valid() or (cells.get("owner") and owner is None):
        wrong = {"owner": [_("没有这个人，或您不能把医院交给他。")]}
        refuse(row, form, CHOICES, wrong if cells.get("owner") and owner is None else None)
        return row
    if current is None and not may_add:
        row.action = "error"
        row.errors = {"name": [_("您没有新建医院的权限，只能更新自己负责的医院。")]}
        return row
    record = form.save(commit=False)
    if current is None:
        record.owner = owner or (None if user.has_perm("hospitals.assign_owner") else user)
        row.record = record
        return row
    changed = {f: base[f] for f in form.changed_data}
    if owner is not None and owner.pk != current.owner_id:
        changed["owner_id"] = current.owner_id
        record.owner = owner
    return settle(row, record, changed)
