"""Hospitals, departments and contacts in the JSON API.

Writes go through the same forms as the pages (so the same validation and messages) and the
same service (so the same history and stale-edit check); reads through visible_to().
"""

import datetime as dt
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.models import User
from accounts.requests import ApiRequest
from o2crm.api_forms import expected_version, merge_form_data, refuse_unsettable, run_form
from o2crm.params import Pages, RowId, total_kept
from o2crm.records import save_record

from . import counts, standing
from .forms import ContactForm, DepartmentForm, HospitalForm
from .models import PERSONAL_FIELDS, ClosenessChange, Contact, Department, Hospital

router = Router()


# Hospitals -----------------------------------------------------------------------------------


class HospitalOut(Schema):
    id: int
    name: str
    short_name: str
    pinyin: str
    initials: str
    province: str
    city: str
    county: str
    grade: str
    grade_display: str = Field(..., alias="get_grade_display")
    hospital_type: str
    ownership: str
    status: str
    address: str
    beds: int | None
    icu_beds: int | None
    operating_rooms: int | None
    hyperbaric_chambers: int | None
    owner: str | None
    notes: str
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Hospital) -> str | None:
        return obj.owner.username if obj.owner else None


class HospitalIn(Schema):
    name: str | None = None
    short_name: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    grade: str | None = None
    hospital_type: str | None = None
    ownership: str | None = None
    status: str | None = None
    address: str | None = None
    beds: int | None = None
    icu_beds: int | None = None
    operating_rooms: int | None = None
    hyperbaric_chambers: int | None = None
    owner: str | None = Field(None, description="username of a sales manager")
    notes: str | None = None
    version: RowId | None = Field(None, description="the version you edited; a stale one gets 409")


class HospitalFilter(FilterSchema):
    q: str | None = Field(None, description="name, pinyin or initials (bjxh finds 北京协和医院)")
    province: str | None = None
    city: str | None = None
    grade: str | None = None
    status: str | None = None
    owner: str | None = Field(None, description="owner's username")


def _hospital_changes(payload: HospitalIn) -> dict:
    changes = payload.dict(exclude_unset=True)
    changes.pop("version", None)
    if "owner" in changes:
        username = changes.pop("owner")
        owner = User.objects.filter(username=username).first() if username else None
        if username and owner is None:
            raise ValidationError({"owner": _("没有用户名为“%s”的用户。") % username})
        changes["owner"] = owner.pk if owner else None
    return changes


@router.get("/hospitals", response=list[HospitalOut], tags=["hospitals"])
@paginate(Pages)
def list_hospitals(request: ApiRequest, filters: Query[HospitalFilter]):
    qs = Hospital.objects.visible_to(request.user).select_related("owner")
    if filters.q:
        qs = qs.search(filters.q)
    for field in ("province", "city", "grade", "status"):
        if getattr(filters, field):
            qs = qs.filter(**{field: getattr(filters, field)})
    if filters.owner:
        qs = qs.filter(owner__username=filters.owner)
    return total_kept(filters, qs.order_by("pinyin", "pk"), counts.HOSPITALS, request.user)


@router.get("/hospitals/{hospital_id}", response=HospitalOut, tags=["hospitals"])
def get_hospital(request: ApiRequest, hospital_id: int):
    return get_object_or_404(
        Hospital.objects.visible_to(request.user).select_related("owner"), pk=hospital_id
    )


@router.post("/hospitals", response={201: HospitalOut}, tags=["hospitals"])
def create_hospital(request: ApiRequest, payload: HospitalIn):
    if not request.user.has_perm("hospitals.add_hospital"):
        raise PermissionError
    changes = _hospital_changes(payload)
    hospital = Hospital(owner=request.user if request.user.role == "manager" else None)
    form = HospitalForm(
        merge_form_data(hospital, HospitalForm, changes, user=request.user),
        instance=hospital,
        user=request.user,
    )
    refuse_unsettable(form, changes, "owner")
    hospital = run_form(form)
    save_record(record=hospital, by=request.user)
    return Status(201, hospital)


@router.api_operation(
    ["PATCH", "PUT"], "/hospitals/{hospital_id}", response=HospitalOut, tags=["hospitals"]
)
def update_hospital(request: ApiRequest, hospital_id: int, payload: HospitalIn):
    hospital = get_object_or_404(Hospital.objects.visible_to(request.user), pk=hospital_id)
    if not request.user.has_perm("hospitals.change_hospital"):
        raise PermissionError
    changes = _hospital_changes(payload)
    form = HospitalForm(
        merge_form_data(hospital, HospitalForm, changes, user=request.user),
        instance=hospital,
        user=request.user,
    )
    refuse_unsettable(form, changes, "owner")
    run_form(form)
    expected = expected_version(request, payload.version)
    save_record(record=hospital, by=request.user, expected_version=expected)
    return Hospital.objects.select_related("owner").get(pk=hospital.pk)


# Departments ---------------------------------------------------------------------------------


class DepartmentOut(Schema):
    id: int
    hospital: int = Field(..., alias="hospital_id")
    parent: RowId | None = Field(None, alias="parent_id")
    name: str
    phone: str
    sort_order: int
    notes: str
    version: int


class DepartmentIn(Schema):
    hospital: RowId | None = None
    parent: RowId | None = None
    name: str | None = None
    phone: str | None = None
    sort_order: int | None = None
    notes: str | None = None
    version: RowId | None = None


class DepartmentFilter(FilterSchema):
    hospital: RowId | None = None
    q: str | None = Field(None, description="part of the department name")


@router.get("/departments", response=list[DepartmentOut], tags=["departments"])
@paginate(Pages)
def list_departments(request: ApiRequest, filters: Query[DepartmentFilter]):
    qs = Department.objects.visible_to(request.user)
    if filters.hospital:
        qs = qs.filter(hospital_id=filters.hospital)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    in_order = qs.order_by("hospital_id", "sort_order", "pk")
    return total_kept(filters, in_order, counts.DEPARTMENTS, request.user)


@router.get("/departments/{department_id}", response=DepartmentOut, tags=["departments"])
def get_department(request: ApiRequest, department_id: int):
    return get_object_or_404(Department.objects.visible_to(request.user), pk=department_id)


def visible_hospital(request: ApiRequest, hospital_id: int | None) -> Hospital:
    if hospital_id is None:
        raise ValidationError({"hospital": _("这个字段是必填项。")})
    hospital = (
        Hospital.objects.visible_to(request.user)
        .select_related("owner")
        .filter(pk=hospital_id)
        .first()
    )
    if hospital is None:
        raise ValidationError({"hospital": _("没有编号为 %s 的医院，或您无权访问。") % hospital_id})
    return hospital


@router.post("/departments", response={201: DepartmentOut}, tags=["departments"])
def create_department(request: ApiRequest, payload: DepartmentIn):
    if not request.user.has_perm("hospitals.add_department"):
        raise PermissionError
    hospital = visible_hospital(request, payload.hospital)
    changes = payload.dict(exclude_unset=True)
    department = Department(hospital=hospital)
    form = DepartmentForm(
        merge_form_data(department, DepartmentForm, changes, hospital=hospital),
        instance=department,
        hospital=hospital,
    )
    department = run_form(form)
    save_record(record=department, by=request.user)
    return Status(201, department)


@router.api_operation(
    ["PATCH", "PUT"], "/departments/{department_id}", response=DepartmentOut, tags=["departments"]
)
def update_department(request: ApiRequest, department_id: int, payload: DepartmentIn):
    department = get_object_or_404(
        Department.objects.visible_to(request.user).select_related("hospital"), pk=department_id
    )
    if not request.user.has_perm("hospitals.change_department"):
        raise PermissionError
    changes = payload.dict(exclude_unset=True)
    if changes.get("hospital") not in (None, department.hospital_id):
        raise ValidationError({"hospital": _("部门不能移到另一家医院。")})
    form = DepartmentForm(
        merge_form_data(department, DepartmentForm, changes, hospital=department.hospital),
        instance=department,
        hospital=department.hospital,
    )
    run_form(form)
    expected = expected_version(request, payload.version)
    save_record(record=department, by=request.user, expected_version=expected)
    return department


# Contacts ------------------------------------------------------------------------------------


class PersonalOut(Schema):
    birthday: date | None
    personal_phone: str
    family: str
    hobbies: str
    personal_needs: str


class ContactOut(Schema):
    id: int
    name: str
    pinyin: str
    initials: str
    hospital: int = Field(..., alias="hospital_id")
    department: RowId | None = Field(None, alias="department_id")
    title: str
    layer: str
    roles: list[str]
    influence: int
    attitude: str
    closeness: int
    mobile: str
    office_phone: str
    email: str
    wechat: str
    work_info: str
    org_needs: str
    is_active: bool
    notes: str
    personal: PersonalOut | None = Field(
        None, description="restricted fields; null when the caller may not see them"
    )
    version: int

    @staticmethod
    def resolve_personal(obj: Contact, context) -> dict | None:
        if not obj.personal_visible_to(context["request"].user):
            return None
        return {name: getattr(obj, name) for name in PERSONAL_FIELDS}


class PersonalIn(Schema):
    birthday: date | None = None
    personal_phone: str | None = None
    family: str | None = None
    hobbies: str | None = None
    personal_needs: str | None = None


class ContactIn(Schema):
    hospital: RowId | None = None
    department: RowId | None = None
    name: str | None = None
    title: str | None = None
    layer: str | None = None
    roles: list[str] | None = None
    influence: int | None = None
    attitude: str | None = None
    closeness: int | None = None
    mobile: str | None = None
    office_phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    work_info: str | None = None
    org_needs: str | None = None
    is_active: bool | None = None
    notes: str | None = None
    personal: PersonalIn | None = None
    version: RowId | None = None


class ContactFilter(FilterSchema):
    q: str | None = Field(None, description="name, pinyin or initials (zhang finds 张伟)")
    hospital: RowId | None = None
    department: RowId | None = None
    layer: str | None = None


def _contact_changes(payload: ContactIn) -> dict:
    changes = payload.dict(exclude_unset=True)
    changes.pop("version", None)
    changes.pop("hospital", None)
    personal = changes.pop("personal", None) or {}
    changes.update(personal)
    return changes


@router.get("/contacts", response=list[ContactOut], tags=["contacts"])
@paginate(Pages)
def list_contacts(request: ApiRequest, filters: Query[ContactFilter]):
    qs = Contact.objects.visible_to(request.user).with_owner()
    if filters.q:
        qs = qs.search(filters.q)
    if filters.hospital:
        qs = qs.filter(hospital_id=filters.hospital)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.layer:
        qs = qs.filter(layer=filters.layer)
    return total_kept(filters, qs.in_search_order(filters.q or ""), counts.CONTACTS, request.user)


@router.get("/contacts/{contact_id}", response=ContactOut, tags=["contacts"])
def get_contact(request: ApiRequest, contact_id: int):
    return get_object_or_404(Contact.objects.visible_to(request.user).with_owner(), pk=contact_id)


def _contact_form(request, contact: Contact, hospital: Hospital, changes: dict) -> ContactForm:
    form = ContactForm(
        merge_form_data(contact, ContactForm, changes, hospital=hospital, user=request.user),
        instance=contact,
        hospital=hospital,
        user=request.user,
    )
    refuse_unsettable(form, changes, *PERSONAL_FIELDS)
    return form


@router.post("/contacts", response={201: ContactOut}, tags=["contacts"])
def create_contact(request: ApiRequest, payload: ContactIn):
    if not request.user.has_perm("hospitals.add_contact"):
        raise PermissionError
    hospital = visible_hospital(request, payload.hospital)
    contact = Contact(hospital=hospital)
    contact = run_form(_contact_form(request, contact, hospital, _contact_changes(payload)))
    with transaction.atomic():
        save_record(record=contact, by=request.user)
        standing.record(contact, before=None, by=request.user)
    return Status(201, Contact.objects.with_owner().get(pk=contact.pk))


@router.api_operation(
    ["PATCH", "PUT"], "/contacts/{contact_id}", response=ContactOut, tags=["contacts"]
)
def update_contact(request: ApiRequest, contact_id: int, payload: ContactIn):
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).with_owner(), pk=contact_id
    )
    if not request.user.has_perm("hospitals.change_contact"):
        raise PermissionError
    if payload.hospital not in (None, contact.hospital_id):
        raise ValidationError({"hospital": _("联系人不能移到另一家医院。")})
    before = standing.snapshot(contact)
    run_form(_contact_form(request, contact, contact.hospital, _contact_changes(payload)))
    expected = expected_version(request, payload.version)
    with transaction.atomic():
        save_record(record=contact, by=request.user, expected_version=expected)
        standing.record(contact, before=before, by=request.user)
    return Contact.objects.with_owner().get(pk=contact.pk)


class ClosenessChangeOut(Schema):
    id: int
    date: dt.date = Field(..., alias="on")
    closeness: int
    attitude: str
    influence: int
    closeness_before: int | None
    attitude_before: str
    cause: str = Field(..., alias="cause_kind")
    cause_type: str | None = None
    cause_id: int | None
    note: str
    by: str | None = None

    @staticmethod
    def resolve_cause_type(obj) -> str | None:
        return obj.cause_type.model if obj.cause_type_id else None

    @staticmethod
    def resolve_by(obj) -> str | None:
        return obj.by.username if obj.by_id else None


@router.get(
    "/contacts/{contact_id}/closeness-history",
    response=list[ClosenessChangeOut],
    tags=["contacts"],
)
@paginate(Pages)
def closeness_history(request: ApiRequest, contact_id: int):
    """Every change of the person's closeness, attitude and influence, oldest first, with the
    event that caused it (cause: created, edit, follow_up, visit, action, import; cause_type
    and cause_id name the follow-up, visit or relationship action)."""
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=contact_id)
    return (
        ClosenessChange.objects.filter(contact=contact)
        .select_related("cause_type", "by")
        .order_by("on", "pk")
    )
