"""Hospital and contact lists as Excel. Exports never carry contacts' personal details:
spreadsheets travel further than the people allowed to read them (docs/decisions/0003)."""

from collections.abc import Mapping
from typing import Any, BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from o2crm.exports import Progress, counting, export
from o2crm.workbooks import Column, workbook_sheets, write_workbook

from .forms import ContactFilterForm, HospitalFilterForm
from .models import (
    Attitude,
    Contact,
    Grade,
    Hospital,
    HospitalStatus,
    HospitalType,
    Layer,
    Ownership,
    PurchaseRole,
)


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


EXPORT_LIMIT = 50_000


def _subtitle(form) -> str:
    data = form.cleaned_data if form.is_valid() else {}
    parts = [f"{form.fields[k].label}：{v}" for k, v in data.items() if v and k != "sort"]
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return _("导出时间：%(when)s") % {"when": when} + ("　" + "　".join(parts) if parts else "")


def hospitals_workbook(qs, form) -> bytes:
    """A list small enough to make while the user waits (EXPORT_INLINE_ROWS)."""
    return workbook_sheets(**hospitals_book(qs, form))


def hospitals_book(qs, form, progress: Progress | None = None) -> dict[str, Any]:
    """The hospital list's title, filter line and sheet; its rows a generator over a
    server-side cursor, written as they come."""
    columns = [
        Column(_("医院名称"), 30),
        Column(_("简称"), 14),
        Column(_("省份"), 10),
        Column(_("城市"), 10),
        Column(_("区县"), 10),
        Column(_("等级"), 10),
        Column(_("类型"), 12),
        Column(_("性质"), 8),
        Column(_("状态"), 8),
        Column(_("床位数"), 9, "#,##0"),
        Column(_("ICU床位"), 9, "#,##0"),
        Column(_("手术室"), 8, "#,##0"),
        Column(_("高压氧舱"), 9, "#,##0"),
        Column(_("负责人"), 10),
        Column(_("地址"), 36),
        Column(_("备注"), 40),
    ]
    # choice labels translated once, not once a row (get_FOO_display was half the export time)
    grade, kind, ownership, status = (
        _labels(c) for c in (Grade, HospitalType, Ownership, HospitalStatus)
    )
    rows = (
        (
            h.name,
            h.short_name,
            h.province,
            h.city,
            h.county,
            grade.get(h.grade, h.grade),
            kind.get(h.hospital_type, h.hospital_type),
            ownership.get(h.ownership, h.ownership),
            status.get(h.status, h.status),
            h.beds,
            h.icu_beds,
            h.operating_rooms,
            h.hyperbaric_chambers,
            str(h.owner) if h.owner else "",
            h.address,
            h.notes,
        )
        for h in counting(qs[:EXPORT_LIMIT], progress)
    )
    title = _("医院列表")
    return {"title": title, "subtitle": _subtitle(form), "sheets": [(title, columns, rows)]}


def contacts_workbook(qs, form) -> bytes:
    return workbook_sheets(**contacts_book(qs, form))


def contacts_book(qs, form, progress: Progress | None = None) -> dict[str, Any]:
    columns = [
        Column(_("姓名"), 10),
        Column(_("医院"), 28),
        Column(_("部门"), 14),
        Column(_("职务"), 16),
        Column(_("层级"), 10),
        Column(_("采购角色"), 22),
        Column(_("影响力"), 7),
        Column(_("态度"), 7),
        Column(_("亲密程度"), 9),
        Column(_("手机"), 14),
        Column(_("办公电话"), 15),
        Column(_("微信"), 14),
        Column(_("邮箱"), 22),
        Column(_("在职"), 6),
    ]
    layers, roles, attitudes = (_labels(c) for c in (Layer, PurchaseRole, Attitude))
    rows = (
        (
            c.name,
            c.hospital.name,
            c.department.name if c.department else "",
            c.title,
            layers.get(c.layer, c.layer),
            "、".join(roles.get(r, r) for r in c.roles),
            c.influence,
            attitudes.get(c.attitude, c.attitude),
            c.closeness,
            c.mobile,
            c.office_phone,
            c.wechat,
            c.email,
            _("是") if c.is_active else _("否"),
        )
        for c in counting(qs[:EXPORT_LIMIT], progress)
    )
    title = _("联系人列表")
    return {"title": title, "subtitle": _subtitle(form), "sheets": [(title, columns, rows)]}


@export("hospitals", title=gettext_lazy("医院列表"))
def hospitals_export(
    user: Any, params: Mapping[str, Any], progress: Progress, into: BinaryIO
) -> str:
    """The hospital list with the page's filters, in the background (the same rule as the
    page: what the user may see)."""
    form = HospitalFilterForm(params or None, user=user)
    qs = form.filter(Hospital.objects.visible_to(user).select_related("owner"))
    write_workbook(into, **hospitals_book(qs, form, progress))
    return _("医院列表")


@export("contacts", title=gettext_lazy("联系人列表"))
def contacts_export(
    user: Any, params: Mapping[str, Any], progress: Progress, into: BinaryIO
) -> str:
    form = ContactFilterForm(params or None)
    qs = form.filter(Contact.objects.visible_to(user).with_owner())
    write_workbook(into, **contacts_book(qs, form, progress))
    return _("联系人列表")
