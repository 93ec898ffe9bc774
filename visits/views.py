from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from accounts.requests import HtmxHttpRequest
from hospitals.models import Hospital
from o2crm import paging
from o2crm.pages import done
from o2crm.records import EditConflict, save_record
from o2crm.workbooks import xlsx_response
from pipeline.models import Project

from . import exports, services
from .forms import SurveyForm, VisitPlanForm, VisitRecordForm
from .models import ChecklistItem, OxygenSurvey, Task, Visit, VisitStatus


def _surveys(request):
    return OxygenSurvey.objects.visible_to(request.user).select_related(
        "hospital", "project", "created_by"
    )


def _filtered_surveys(request) -> tuple:
    """The surveys the list shows and the export writes: visible ones, newest first, of the
    hospitals matching ?q= (name, pinyin or initials)."""
    qs = _surveys(request).order_by("-date", "-pk")
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(hospital__in=Hospital.objects.search(q).values("pk"))
    return qs, q


@require_GET
@login_required
def survey_list(request: HtmxHttpRequest) -> HttpResponse:
    qs, q = _filtered_surveys(request)
    ctx = {
        "page": paging.page(request, qs),
        "q": q,
        "query_without_page": paging.query_without_page(request),
    }
    return render(request, "visits/survey_list.html", ctx)


@require_GET
@login_required
def survey_export(request: HtmxHttpRequest) -> HttpResponse:
    qs, _q = _filtered_surveys(request)
    return xlsx_response(exports.surveys_workbook(qs), _("用氧情况调查"))


@require_GET
@login_required
def survey_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(_surveys(request), pk=pk)
    earlier = (
        OxygenSurvey.objects.filter(hospital=survey.hospital, date__lte=survey.date)
        .exclude(pk=survey.pk)
        .order_by("-date", "-pk")
        .first()
    )
    return render(request, "visits/survey_detail.html", {"survey": survey, "earlier": earlier})


@require_GET
@login_required
def survey_blank(request: HtmxHttpRequest) -> HttpResponse:
    """The empty form, to print and fill in by hand at a visit."""
    return render(request, "visits/survey_blank.html", {"form": SurveyForm(hospital=None)})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("visits.add_oxygensurvey", raise_exception=True)
def survey_create(request: HtmxHttpRequest, hospital_pk: int) -> HttpResponse:
    hospital = get_object_or_404(Hospital.objects.visible_to(request.user), pk=hospital_pk)
    initial = {}
    if request.GET.get("project", "").isdigit():
        initial["project"] = int(request.GET["project"])
    form = SurveyForm(request.POST or None, hospital=hospital, initial=initial)
    return _save(request, form, hospital, None, _("已保存用氧情况调查。"))


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("visits.change_oxygensurvey", raise_exception=True)
def survey_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(_surveys(request), pk=pk)
    form = SurveyForm(request.POST or None, instance=survey, hospital=survey.hospital)
    return _save(request, form, survey.hospital, survey, _("已保存。"))


def _save(request, form, hospital, survey, done_message) -> HttpResponse:
    ctx = {"form": form, "hospital": hospital, "survey": survey}
    template = "visits/survey_form.html"
    if request.method == "POST" and form.is_valid():
        if form.instance.created_by_id is None:
            form.instance.created_by = request.user
        try:
            save_record(
                record=form.instance, by=request.user, expected_version=form.expected_version
            )
        except EditConflict as conflict:
            form.add_error(None, conflict.message)
            return render(request, template, ctx, status=409)
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, template, ctx, status=400)
        messages.success(request, done_message)
        return done(request, form.instance.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)


# Visits --------------------------------------------------------------------------------------


def _visits(request):
    return Visit.objects.visible_to(request.user).select_related("hospital", "project", "owner")


@require_GET
@login_required
def visit_list(request: HtmxHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    mine = _visits(request)
    if not request.user.sees_all and not request.GET.get("all"):
        mine = mine.filter(owner=request.user)
    upcoming = list(mine.filter(status=VisitStatus.PLANNED).order_by("planned_at")[:30])
    page = paging.page(
        request, mine.filter(status=VisitStatus.RECORDED).order_by("-visited_on", "-pk")
    )
    ctx = {
        "upcoming": upcoming,
        "page": page,
        "today": today,
        "query_without_page": paging.query_without_page(request),
    }
    return render(request, "visits/visit_list.html", ctx)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("visits.add_visit", raise_exception=True)
def visit_create(request: HtmxHttpRequest, hospital_pk: int) -> HttpResponse:
    hospital = get_object_or_404(Hospital.objects.visible_to(request.user), pk=hospital_pk)
    initial = {"place": hospital.address}
    project_arg = request.GET.get("project", "")
    if project_arg.isdigit():
        initial["project"] = int(project_arg)
    # the objectives still unknown for the project are the ones to plan for
    if project_arg.isdigit():
        project = (
            Project.objects.visible_to(request.user)
            .filter(pk=project_arg, hospital=hospital)
            .first()
        )
        if project is not None:
            _percent, items = services.coverage(project, viewer=request.user)
            initial["objectives"] = [o.pk for o, known in items if not known]
    form = VisitPlanForm(request.POST or None, hospital=hospital, initial=initial)
    ctx = {"form": form, "hospital": hospital}
    if request.method == "POST" and form.is_valid():
        visit = form.instance
        visit.owner = request.user
        try:
            services.plan_visit(
                visit=visit,
                contacts=list(form.cleaned_data["contacts"]),
                objectives=list(form.cleaned_data["objectives"]),
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "visits/visit_form.html", ctx, status=400)
        messages.success(request, _("已安排拜访。"))
        return done(request, visit.get_absolute_url())
    return render(request, "visits/visit_form.html", ctx, status=400 if form.errors else 200)


def _visit(request, pk):
    return get_object_or_404(_visits(request), pk=pk)


@require_GET
@login_required
def visit_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    ctx = {
        "visit": visit,
        "checklist": [
            (item, item.pk in (visit.checklist or []))
            for item in ChecklistItem.objects.filter(is_active=True)
        ],
        "contacts": visit.contacts.select_related("department"),
        "objectives": visit.objectives.all(),
        "met": visit.met.all(),
        "colleagues": visit.colleagues.only(*User.LABEL_FIELDS),
        "tasks": visit.tasks.select_related("hospital").order_by("done", "due_date"),
    }
    return render(request, "visits/visit_detail.html", ctx)


@require_http_methods(["POST"])
@login_required
@permission_required("visits.change_visit", raise_exception=True)
def visit_checklist(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Tick the preparation checklist (拜访检测): one item as it is ticked (htmx, `tick` names
    it, `item` holds it when ticked), or the whole list from the form without scripts."""
    visit = _visit(request, pk)
    tick = request.POST.get("tick", "")
    try:
        if tick.isdigit():
            item = int(tick)
            done_now = str(item) in request.POST.getlist("item")
            services.tick_checklist(visit=visit, item_id=item, done=done_now, by=request.user)
        else:
            ids = [int(v) for v in request.POST.getlist("item") if v.isdigit()]
            services.set_checklist(visit=visit, item_ids=ids, by=request.user)
    except (EditConflict, ValidationError) as error:
        text = error.message if isinstance(error, EditConflict) else " ".join(error.messages)
        if request.htmx:
            # answered 200: htmx swaps only successes, and this fragment says it did not save
            ctx = {"saved": False, "text": text}
            return render(request, "visits/_checklist_status.html", ctx)
        messages.error(request, text)
    else:
        if request.htmx:
            ctx = {"saved": True, "at": timezone.localtime()}
            return render(request, "visits/_checklist_status.html", ctx)
    return done(request, visit.get_absolute_url() + "#checklist")


@require_GET
@login_required
def visit_brief(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """拜访简报: one page to read before going in, printable."""
    visit = _visit(request, pk)
    project = visit.project
    ctx = {"visit": visit, "hospital": visit.hospital, "project": project}
    ctx["people"] = list(
        visit.contacts.select_related("department", "hospital__owner").order_by("-influence")
    )
    for c in ctx["people"]:
        c.shows_personal = c.personal_visible_to(request.user)
    ctx["checklist"] = [
        (item, item.pk in (visit.checklist or []))
        for item in ChecklistItem.objects.filter(is_active=True)
    ]
    ctx["survey"] = (
        OxygenSurvey.objects.filter(hospital=visit.hospital).order_by("-date", "-pk").first()
    )
    if project is not None:
        ctx["coverage"], items = services.coverage(project, viewer=request.user)
        ctx["unknown"] = [o for o, known in items if not known]
        ctx["follow_ups"] = list(project.follow_ups.select_related("created_by")[:5])
        ctx["next_steps"] = list(
            project.follow_ups.filter(next_step_date__gte=timezone.localdate()).exclude(
                next_step=""
            )[:5]
        )
    ctx["open_tasks"] = list(
        Task.objects.filter(hospital=visit.hospital, done=False).order_by("due_date")[:10]
    )
    return render(request, "visits/visit_brief.html", ctx)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("visits.change_visit", raise_exception=True)
def visit_record(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    form = VisitRecordForm(request.POST or None, visit=visit)
    ctx = {"form": form, "visit": visit}
    template = "visits/visit_record.html"
    if request.method == "POST" and form.is_valid():
        tasks = form.apply()
        if form.cleaned_data.get("checkin_latitude") is not None:
            visit.checkin_at = timezone.now()
        try:
            services.record_visit(
                visit=visit,
                met=list(form.cleaned_data["met"]),
                tasks=tasks,
                by=request.user,
                expected_version=form.expected_version,
                colleagues=form.cleaned_data["colleagues"],
                moves=form.moves(),
            )
        except EditConflict as conflict:
            form.add_error(None, conflict.message)
            return render(request, template, ctx, status=409)
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, template, ctx, status=400)
        messages.success(request, _("已记录拜访，并生成 %(n)s 项跟进待办。") % {"n": len(tasks)})
        return done(request, visit.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)


# Tasks ---------------------------------------------------------------------------------------


@require_GET
@login_required
def task_list(request: HtmxHttpRequest) -> HttpResponse:
    """我的待办: my open tasks by due date, then the ones done lately."""
    mine = Task.objects.filter(owner=request.user).select_related("hospital", "project")
    ctx = {
        "open": list(mine.filter(done=False).order_by("due_date", "pk")[:100]),
        "done": list(mine.filter(done=True).order_by("-done_at")[:10]),
        "today": timezone.localdate(),
    }
    return render(request, "visits/task_list.html", ctx)


@require_http_methods(["POST"])
@login_required
def task_complete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.visible_to(request.user).select_related("project"), pk=pk)
    services.complete_task(task=task, by=request.user)
    messages.success(request, _("已完成：%s") % task.title)
    return done(request, request.POST.get("next") or "/tasks/")
