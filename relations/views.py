"""Pages of relationship plans (关系发展计划) and the compliance ledger (合规台账)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import modelformset_factory
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import HtmxHttpRequest
from hospitals.models import Hospital
from o2crm.pages import done, write_form
from o2crm.paging import page, query_without_page
from o2crm.records import EditConflict
from o2crm.views import export_later, too_large
from pipeline.models import Project

from . import exports, reading, services
from .forms import (
    ActionForm,
    DecisionForm,
    LedgerFilterForm,
    LedgerForm,
    PlanForm,
    RecordActionForm,
    TargetForm,
)
from .models import (
    ActionStatus,
    EntryStatus,
    LedgerEntry,
    LedgerKind,
    LedgerQuerySet,
    PlanTarget,
    RelationshipAction,
)


def _project(request: HtmxHttpRequest, pk: int) -> Project:
    return get_object_or_404(
        Project.objects.visible_to(request.user).select_related("hospital__owner__team", "owner"),
        pk=pk,
    )


def _period(request: HtmxHttpRequest) -> tuple[str, int]:
    key = request.GET.get("since", "180")
    return (key, reading.PERIODS[key]) if key in reading.PERIODS else ("180", 180)


# Plans ---------------------------------------------------------------------------------------


@require_GET
@login_required
def plan(request: HtmxHttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk)
    since, days = _period(request)
    pic = reading.picture(project, timezone.localdate(), days)
    ctx = {
        "project": project,
        "pic": pic,
        "since": since,
        "periods": [("90", _("3 个月前")), ("180", _("半年前")), ("365", _("一年前"))],
        "plan_form": PlanForm(instance=pic.plan) if pic.plan else PlanForm(),
    }
    return render(request, "relations/plan.html", ctx)


@require_POST
@login_required
@permission_required("relations.change_relationshipplan", raise_exception=True)
def plan_strategy(request: HtmxHttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk)
    plan = services.plan_of(project, by=request.user)
    form = PlanForm(request.POST, instance=plan)
    if form.is_valid():
        try:
            services.save_plan(plan=plan, by=request.user, expected_version=form.expected_version)
        except EditConflict as conflict:
            messages.error(request, conflict.message)
            return redirect("relations:plan", project.pk)
        messages.success(request, _("已保存整体策略。"))
    return done(request, plan.get_absolute_url())


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("relations.change_relationshipplan", raise_exception=True)
def target_add(request: HtmxHttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk)
    plan = reading.plan_of(project) or services.plan_of(project, by=request.user)
    initial = {}
    for name in ("contact", "side"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    form = TargetForm(request.POST or None, plan=plan, initial=initial)
    return _target_form(request, form, project, plan.get_absolute_url())


def _target_form(request, form: TargetForm, project: Project, back: str) -> HttpResponse:
    ctx = {"form": form, "project": project}
    if request.method == "POST" and form.is_valid():
        refused = write_form(
            request, form, "relations/target_form.html", ctx,
            lambda: services.save_target(
                target=form.instance, by=request.user, expected_version=form.expected_version
            ),
        )  # fmt: skip
        if refused:
            return refused
        messages.success(request, _("已保存 %s 的发展目标。") % form.instance.contact.name)
        return done(request, back)
    return render(request, "relations/target_form.html", ctx, status=400 if form.errors else 200)


def _target(request, pk: int) -> PlanTarget:
    return get_object_or_404(
        PlanTarget.objects.visible_to(request.user).select_related(
            "plan__project__hospital__owner__team", "contact"
        ),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("relations.change_relationshipplan", raise_exception=True)
def target_edit(request: HtmxHttpRequest, target_pk: int) -> HttpResponse:
    target = _target(request, target_pk)
    form = TargetForm(request.POST or None, instance=target, plan=target.plan)
    return _target_form(request, form, target.plan.project, target.plan.get_absolute_url())


@require_POST
@login_required
@permission_required("relations.change_relationshipplan", raise_exception=True)
def target_remove(request: HtmxHttpRequest, target_pk: int) -> HttpResponse:
    target = _target(request, target_pk)
    url = target.plan.get_absolute_url()
    services.remove_target(target=target, by=request.user)
    messages.success(request, _("已从计划中移除 %s。") % target.contact.name)
    return done(request, url)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("relations.change_relationshipplan", raise_exception=True)
def action_add(request: HtmxHttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk)
    plan = reading.plan_of(project)
    if plan is None or not plan.targets.exists():
        messages.info(request, _("请先在计划中加入发展对象。"))
        return redirect("relations:target-add", project.pk)
    initial = {k: request.GET[k] for k in ("target", "kind") if request.GET.get(k)}
    form = ActionForm(request.POST or None, plan=plan, initial=initial)
    return _action_form(request, form, project, plan.get_absolute_url())


def _action_form(request, form: ActionForm, project: Project, back: str) -> HttpResponse:
    ctx = {"form": form, "project": project}
    if request.method == "POST" and form.is_valid():
        refused = write_form(
            request, form, "relations/action_form.html", ctx,
            lambda: services.save_action(
                action=form.instance, by=request.user,
                colleagues=form.cleaned_data["colleagues"],
                expected_version=form.expected_version,
            ),
        )  # fmt: skip
        if refused:
            return refused
        messages.success(request, _("已安排：%s。") % form.instance)
        return done(request, back)
    return render(request, "relations/action_form.html", ctx, status=400 if form.errors else 200)


def _action(request, pk: int) -> RelationshipAction:
    return get_object_or_404(
        RelationshipAction.objects.visible_to(request.user).select_related(
            "target__contact", "target__plan__project__hospital__owner__team", "owner"
        ),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("relations.change_relationshipplan", raise_exception=True)
def action_edit(request: HtmxHttpRequest, action_pk: int) -> HttpResponse:
    action = _action(request, action_pk)
    if action.status != ActionStatus.PLANNED:
        messages.info(request, _("只能修改计划中的行动。"))
        return redirect(action.get_absolute_url())
    form = ActionForm(request.POST or None, instance=action, plan=action.target.plan)
    return _action_form(
        request, form, action.target.plan.project, action.target.plan.get_absolute_url()
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("relations.change_relationshipplan", raise_exception=True)
def action_record(request: HtmxHttpRequest, action_pk: int) -> HttpResponse:
    action = _action(request, action_pk)
    form = RecordActionForm(request.POST or None, action=action)
    ctx = {"form": form, "action": action, "project": action.target.plan.project}
    if request.method == "POST" and form.is_valid():
        refused = write_form(
            request, form, "relations/action_record.html", ctx,
            lambda: services.record_action(
                action=action, done_on=form.cleaned_data["done_on"],
                outcome=form.cleaned_data["outcome"], by=request.user,
                colleagues=form.cleaned_data["colleagues"], moves=form.moves(),
            ),
        )  # fmt: skip
        if refused:
            return refused
        messages.success(request, _("已记录：%s。") % action)
        return done(request, action.target.plan.get_absolute_url())
    return render(request, "relations/action_record.html", ctx, status=400 if form.errors else 200)


@require_POST
@login_required
@permission_required("relations.change_relationshipplan", raise_exception=True)
def action_cancel(request: HtmxHttpRequest, action_pk: int) -> HttpResponse:
    action = _action(request, action_pk)
    try:
        services.cancel_action(action=action, by=request.user)
        messages.success(request, _("已取消：%s。") % action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return done(request, action.target.plan.get_absolute_url())


# The compliance ledger -----------------------------------------------------------------------


def _ledger(request) -> LedgerQuerySet:
    return LedgerEntry.objects.visible_to(request.user)


@require_GET
@login_required
@permission_required("relations.view_ledgerentry", raise_exception=True)
def ledger_list(request: HtmxHttpRequest) -> HttpResponse:
    form = LedgerFilterForm(request.GET or None, user=request.user)
    qs = form.filter(_ledger(request))
    rows = page(
        request,
        qs.select_related("hospital", "kind", "created_by")
        .prefetch_related("contacts")
        .order_by("-date", "-pk"),
    )
    ctx = {
        "form": form,
        "page": rows,
        **exports.sums(qs),  # totals, by kind, by status: one grouped query
        "pending": EntryStatus.PENDING,
        "query_without_page": query_without_page(request),
        "filtered": form.is_bound,
    }
    return render(request, "relations/ledger_list.html", ctx)


@require_GET
@login_required
@permission_required("relations.view_ledgerentry", raise_exception=True)
def ledger_export(request: HtmxHttpRequest) -> HttpResponse:
    form = LedgerFilterForm(request.GET or None, user=request.user)
    qs = form.filter(_ledger(request))
    if too_large(qs):  # a year of the whole country: made by a worker, the answer at once
        return export_later(request, "ledger")
    return exports.ledger_response(qs, form)


def _entry(request, pk: int) -> LedgerEntry:
    return get_object_or_404(
        _ledger(request).select_related("hospital", "kind", "created_by", "decided_by", "project"),
        pk=pk,
    )


@require_GET
@login_required
@permission_required("relations.view_ledgerentry", raise_exception=True)
def ledger_detail(request: HtmxHttpRequest, entry_pk: int) -> HttpResponse:
    entry = _entry(request, entry_pk)
    ctx = {
        "entry": entry,
        "contacts": entry.contacts.all(),
        "colleagues": entry.colleagues.all(),
        "decision_form": DecisionForm(),
        "can_decide": entry.status == EntryStatus.PENDING
        and request.user.has_perm("relations.approve_ledgerentry"),
    }
    return render(request, "relations/ledger_detail.html", ctx)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("relations.add_ledgerentry", raise_exception=True)
def ledger_create(request: HtmxHttpRequest, hospital_pk: int) -> HttpResponse:
    hospital = get_object_or_404(
        Hospital.objects.visible_to(request.user).select_related("owner"), pk=hospital_pk
    )
    if not hospital.owner_id or not request.user.oversees(
        hospital.owner_id, hospital.owner.team_id
    ):
        raise PermissionDenied  # the ledger follows the personal-field rule: not theirs to write
    initial = {}
    if request.GET.get("project", "").isdigit():
        initial["project"] = int(request.GET["project"])
    if request.GET.get("contact", "").isdigit():
        initial["contacts"] = [int(request.GET["contact"])]
    form = LedgerForm(request.POST or None, hospital=hospital, initial=initial)
    return _ledger_form(request, form, hospital)


def _ledger_form(request, form: LedgerForm, hospital: Hospital) -> HttpResponse:
    ctx = {"form": form, "hospital": hospital, "kinds": LedgerKind.objects.all()}
    template = "relations/ledger_form.html"
    if request.method == "POST" and form.is_valid():
        entry = form.instance
        refused = write_form(
            request, form, template, ctx,
            lambda: services.record_entry(
                entry=entry, contacts=list(form.cleaned_data["contacts"]),
                colleagues=form.cleaned_data["colleagues"], by=request.user,
                expected_version=form.expected_version,
            ),
        )  # fmt: skip
        if refused:
            return refused
        if entry.status == EntryStatus.PENDING:
            messages.warning(request, _("已登记，超出限额：等待总监审批后才算合规。"))
        else:
            messages.success(request, _("已登记，在政策限额之内。"))
        return done(request, entry.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("relations.change_ledgerentry", raise_exception=True)
def ledger_edit(request: HtmxHttpRequest, entry_pk: int) -> HttpResponse:
    entry = _entry(request, entry_pk)
    if entry.status != EntryStatus.PENDING:
        messages.info(request, _("已审批的台账不能修改；如有错误，请登记一条更正。"))
        return redirect(entry)
    form = LedgerForm(request.POST or None, instance=entry, hospital=entry.hospital)
    return _ledger_form(request, form, entry.hospital)


@require_POST
@login_required
def ledger_decide(request: HtmxHttpRequest, entry_pk: int) -> HttpResponse:
    entry = _entry(request, entry_pk)  # one the user may not see is not found, before the role
    if not request.user.has_perm("relations.approve_ledgerentry"):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或驳回。"))
        return redirect(entry)
    try:
        services.decide(
            entry=entry,
            approve=form.cleaned_data["approve"],
            note=form.cleaned_data["decision_note"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(entry)
    messages.success(request, _("已审批。"))
    return redirect(entry)


KindFormSet = modelformset_factory(
    LedgerKind,
    fields=["name", "code", "per_person_limit", "yearly_limit", "forbidden", "note", "order"],
    extra=1,
)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("relations.view_ledgerkind", raise_exception=True)
def policy(request: HtmxHttpRequest) -> HttpResponse:
    """合规政策: the kinds of expense and their limits; the admin changes them."""
    can_change = request.user.has_perm("relations.change_ledgerkind")
    formset = KindFormSet(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if formset.is_valid():
            services.save_policy(formset)
            messages.success(request, _("已保存合规政策。"))
            return redirect("relations:policy")
    ctx = {"formset": formset, "can_change": can_change}
    return render(request, "relations/policy.html", ctx, status=400 if formset.errors else 200)
