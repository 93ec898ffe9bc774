from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import managers_overseen
from accounts.requests import HtmxHttpRequest
from o2crm import paging, summaries
from o2crm.pages import done, save_form
from o2crm.views import export_later, too_large
from o2crm.workbooks import xlsx_response

from . import counts, domain, exports, pool, standing
from .forms import (
    ContactFilterForm,
    ContactForm,
    DepartmentForm,
    HospitalFilterForm,
    HospitalForm,
)
from .history import history_entries
from .models import PERSONAL_FIELDS, Contact, Department, Hospital, Layer

HISTORY_ON_PAGE = 10


# Hospitals -----------------------------------------------------------------------------------


@require_GET
@login_required
def hospital_list(request: HtmxHttpRequest) -> HttpResponse:
    form = HospitalFilterForm(request.GET or None, user=request.user)
    qs = form.filter(Hospital.objects.visible_to(request.user).select_related("owner"))
    if not form.narrows():  # every hospital the user may see: the total from the summary
        qs = summaries.counted(qs, counts.HOSPITALS.topic, request.user)
    page = paging.page(request, qs)
    ctx = {"form": form, "page": page, "query_without_page": paging.query_without_page(request)}
    template = "hospitals/hospital_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, ctx)


@require_GET
@login_required
def hospital_export(request: HtmxHttpRequest) -> HttpResponse:
    """The filtered list as an Excel workbook: the same filters and visibility as the page."""
    form = HospitalFilterForm(request.GET or None, user=request.user)
    qs = form.filter(Hospital.objects.visible_to(request.user).select_related("owner"))
    if too_large(qs):  # a province or the nation: made by a worker, the answer comes at once
        return export_later(request, "hospitals")
    return xlsx_response(exports.hospitals_workbook(qs, form), _("医院列表"))


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("hospitals.add_hospital", raise_exception=True)
def hospital_create(request: HtmxHttpRequest) -> HttpResponse:
    hospital = Hospital(owner=request.user if request.user.role == "manager" else None)
    form = HospitalForm(request.POST or None, instance=hospital, user=request.user)
    ctx = {"form": form, "hospital": None}
    template = "hospitals/hospital_form.html"
    if request.method == "POST" and form.is_valid():
        refused = save_form(request, form, form.instance, template, ctx)
        if refused:
            return refused
        messages.success(request, _("已创建医院“%s”。") % form.instance.name)
        return done(request, form.instance.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_GET
@login_required
def hospital_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    hospital = get_object_or_404(
        Hospital.objects.visible_to(request.user).select_related("owner__team"), pk=pk
    )
    departments = list(
        hospital.departments.annotate(n_contacts=Count("contacts")).order_by("sort_order", "name")
    )
    contacts = list(
        hospital.contacts.filter(is_active=True)
        .select_related("department")
        .order_by("-influence", "pinyin")
    )
    by_layer = defaultdict(list)
    for contact in contacts:
        by_layer[contact.layer].append(contact)
    layers = [(value, label, by_layer[value]) for value, label in Layer.choices]
    rows = list(hospital.history.select_related("history_user")[: HISTORY_ON_PAGE + 1])
    ctx = {
        "hospital": hospital,
        "departments": _tree(departments),
        "layers": layers,
        "n_contacts": len(contacts),
        "history": history_entries(Hospital, rows, limit=HISTORY_ON_PAGE),
        "more_history": len(rows) > HISTORY_ON_PAGE,
    }
    return render(request, "hospitals/hospital_detail.html", ctx)


def _tree(departments: list[Department]) -> list[tuple[Department, int]]:
    """Departments in tree order with their depth, from one flat list (no extra queries)."""
    children = defaultdict(list)
    for d in departments:
        children[d.parent_id].append(d)
    out: list[tuple[Department, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for d in children.get(parent_id, []):
            if d.pk not in seen:
                seen.add(d.pk)
                out.append((d, depth))
                walk(d.pk, depth + 1)

    walk(None, 0)
    return out


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("hospitals.change_hospital", raise_exception=True)
def hospital_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    hospital = get_object_or_404(Hospital.objects.visible_to(request.user), pk=pk)
    form = HospitalForm(request.POST or None, instance=hospital, user=request.user)
    ctx = {"form": form, "hospital": hospital}
    template = "hospitals/hospital_form.html"
    if request.method == "POST" and form.is_valid():
        refused = save_form(request, form, form.instance, template, ctx)
        if refused:
            return refused
        messages.success(request, _("已保存。"))
        return done(request, hospital.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_GET
@login_required
def hospital_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    hospital = get_object_or_404(Hospital.objects.visible_to(request.user), pk=pk)
    return _history_page(request, hospital, Hospital, hidden=set())


def _history_page(request, record, model, hidden: set[str]) -> HttpResponse:
    size = 30
    page_arg = request.GET.get("page", "")
    page_no = max(1, int(page_arg)) if page_arg.isdigit() else 1
    start = (page_no - 1) * size
    rows = list(record.history.select_related("history_user")[start : start + size + 1])
    ctx = {
        "record": record,
        "history": history_entries(model, rows, limit=size, hidden=hidden),
        "page_no": page_no,
        "has_next": len(rows) > size,
    }
    return render(request, "hospitals/history.html", ctx)


# Departments ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("hospitals.add_department", raise_exception=True)
def department_create(request: HtmxHttpRequest, hospital_pk: int) -> HttpResponse:
    hospital = get_object_or_404(Hospital.objects.visible_to(request.user), pk=hospital_pk)
    form = DepartmentForm(request.POST or None, hospital=hospital)
    ctx = {"form": form, "hospital": hospital, "department": None}
    template = "hospitals/department_form.html"
    if request.method == "POST" and form.is_valid():
        refused = save_form(request, form, form.instance, template, ctx)
        if refused:
            return refused
        messages.success(request, _("已添加部门“%s”。") % form.instance.name)
        return done(request, hospital.get_absolute_url() + "#org")
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("hospitals.change_department", raise_exception=True)
def department_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.visible_to(request.user).select_related("hospital"), pk=pk
    )
    hospital = department.hospital
    form = DepartmentForm(request.POST or None, instance=department, hospital=hospital)
    rows = list(department.history.select_related("history_user")[: HISTORY_ON_PAGE + 1])
    ctx = {
        "form": form,
        "hospital": hospital,
        "department": department,
        "history": history_entries(Department, rows, limit=HISTORY_ON_PAGE),
    }
    template = "hospitals/department_form.html"
    if request.method == "POST" and form.is_valid():
        refused = save_form(request, form, form.instance, template, ctx)
        if refused:
            return refused
        messages.success(request, _("已保存。"))
        return done(request, hospital.get_absolute_url() + "#org")
    return render(request, template, ctx, status=400 if form.errors else 200)


# Contacts ------------------------------------------------------------------------------------


@require_GET
@login_required
def contact_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET or None)
    qs = form.filter(Contact.objects.visible_to(request.user).with_owner())
    if not form.narrows():
        qs = summaries.counted(qs, counts.CONTACTS.topic, request.user)
    ctx = {
        "form": form,
        "page": paging.page(request, qs),
        "query_without_page": paging.query_without_page(request),
    }
    template = "hospitals/contact_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, ctx)


@require_GET
@login_required
def contact_export(request: HtmxHttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET or None)
    qs = form.filter(Contact.objects.visible_to(request.user).with_owner())
    if too_large(qs):
        return export_later(request, "contacts")
    return xlsx_response(exports.contacts_workbook(qs, form), _("联系人列表"))


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("hospitals.add_contact", raise_exception=True)
def contact_create(request: HtmxHttpRequest, hospital_pk: int) -> HttpResponse:
    hospital = get_object_or_404(
        Hospital.objects.visible_to(request.user).select_related("owner"), pk=hospital_pk
    )
    initial = {}
    if request.GET.get("department", "").isdigit():
        initial["department"] = int(request.GET["department"])
    form = ContactForm(request.POST or None, hospital=hospital, user=request.user, initial=initial)
    ctx = {"form": form, "hospital": hospital, "contact": None}
    template = "hospitals/contact_form.html"
    if request.method == "POST" and form.is_valid():
        refused = save_form(request, form, form.instance, template, ctx)
        if refused:
            return refused
        standing.record(form.instance, before=None, by=request.user)
        messages.success(request, _("已添加联系人“%s”。") % form.instance.name)
        return done(request, form.instance.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_GET
@login_required
def contact_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("hospital__owner", "department"),
        pk=pk,
    )
    shows_personal = contact.personal_visible_to(request.user)
    rows = list(contact.history.select_related("history_user")[: HISTORY_ON_PAGE + 1])
    hidden = set() if shows_personal else set(PERSONAL_FIELDS)
    ctx = {
        "contact": contact,
        "hospital": contact.hospital,
        "shows_personal": shows_personal,
        "history": history_entries(Contact, rows, limit=HISTORY_ON_PAGE, hidden=hidden),
        "more_history": len(rows) > HISTORY_ON_PAGE,
    }
    return render(request, "hospitals/contact_detail.html", ctx)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("hospitals.change_contact", raise_exception=True)
def contact_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("hospital__owner"), pk=pk
    )
    hospital = contact.hospital
    before = standing.snapshot(contact)
    form = ContactForm(request.POST or None, instance=contact, hospital=hospital, user=request.user)
    ctx = {"form": form, "hospital": hospital, "contact": contact}
    template = "hospitals/contact_form.html"
    if request.method == "POST" and form.is_valid():
        refused = save_form(request, form, form.instance, template, ctx)
        if refused:
            return refused
        standing.record(contact, before=before, by=request.user)
        messages.success(request, _("已保存。"))
        return done(request, contact.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_GET
@login_required
def contact_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("hospital__owner"), pk=pk
    )
    hidden = set() if contact.personal_visible_to(request.user) else set(PERSONAL_FIELDS)
    return _history_page(request, contact, Contact, hidden=hidden)


# Search --------------------------------------------------------------------------------------

SEARCH_LIMIT = 10
SUGGESTIONS = 5  # a few of each, under a search box


@require_GET
@login_required
def search(request: HtmxHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    # the search boxes of the header and the 工作台 suggest a few as the user types
    suggest = bool(request.htmx and request.GET.get("suggest"))
    limit = SUGGESTIONS if suggest else SEARCH_LIMIT
    hospitals, contacts = [], []
    if q:
        hospitals = paging.first(
            Hospital.objects.visible_to(request.user)
            .search(q)
            .select_related("owner")
            .order_by("-grade_rank", "pinyin", "pk"),
            limit,
        )
        found = Contact.objects.visible_to(request.user).search(q)
        contacts = paging.in_order(
            found.select_related("hospital", "department"), found.first_in_search_order(q, limit)
        )
    ctx = {"q": q, "hospitals": hospitals, "contacts": contacts, "limit": limit}
    template = "hospitals/search.html"
    if suggest:
        template += "#suggestions"
    elif request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, ctx)


OWNER_SUGGESTIONS = 8


@require_GET
@login_required
def owner_suggest(request: HtmxHttpRequest) -> HttpResponse:
    """The owner type-ahead's names (forms.OwnerSearch): the people the user oversees whose
    name, pinyin, initials or username hold every term, those that begin with the first
    term first, then by username. The staff are a few
    hundred: read whole in one query and matched in Python against keys kept per process,
    not a pinyin column on the users table."""
    terms = domain.search_terms(request.GET.get("q", "")[:50])
    people = []
    if terms:
        people_seen = managers_overseen(request.user, former=request.GET.get("former") == "1")
        exclude = request.GET.get("exclude", "")
        if exclude.isdigit():  # a handover's giver, not their own heir
            people_seen = people_seen.exclude(pk=int(exclude))
        rows = people_seen.order_by("username").values_list(
            "pk", "name", "username", "team__name", "is_active"
        )
        found = []
        for pk, name, username, team, active in rows:
            words = domain.person_words(name, username)
            if domain.person_matches(words, terms):
                # those whose name begins with what was typed first ("li": 李, 刘 before 陈丽)
                begins = any(w.startswith(terms[0]) for w in words)
                person = {"pk": pk, "name": name or username, "team": team, "left": not active}
                found.append((not begins, len(found), person))
        people = [person for *_key, person in sorted(found)[:OWNER_SUGGESTIONS]]
    return render(request, "hospitals/_owner_suggest.html", {"people": people, "terms": terms})


# 公海 -------------------------------------------------------------------------------------------


@require_GET
@login_required
def hospital_pool(request: HtmxHttpRequest) -> HttpResponse:
    """The hospitals nobody owns that the user may see in the pool, a page at a time."""
    rows = pool.pool_for(request.user)
    q = (request.GET.get("q") or "").strip()
    if q:
        rows = rows.search(q)
    ctx = {
        "page": paging.page(request, rows.order_by("province", "city", "pinyin")),
        "q": q,
        "query_without_page": paging.query_without_page(request),
        "assigns": pool.assigns(request.user),
        "claims_left": pool.claims_left(request.user),
        "region": pool.territory_of(request.user),
    }
    return render(request, "hospitals/hospital_pool.html", ctx)


@require_POST
@login_required
def hospital_claim(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """认领: a manager takes a hospital of their region from the pool."""
    seen = Hospital.objects.visible_to(request.user).filter(pk=pk).exists()
    if not seen and not pool.pool_for(request.user).filter(pk=pk).exists():
        raise Http404
    try:
        hospital = pool.claim(hospital_id=pk, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("hospitals:hospital-pool")
    messages.success(request, _("已认领 %(name)s。") % {"name": hospital.name})
    return redirect(hospital.get_absolute_url())
