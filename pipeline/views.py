from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum, prefetch_related_objects
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import people_named
from accounts.requests import HtmxHttpRequest
from hospitals.forms import QuickSelect
from hospitals.history import history_entries
from hospitals.models import Hospital, Layer
from o2crm import paging, summaries
from o2crm.pages import add_errors, done
from o2crm.records import EditConflict

from . import counts, domain, services
from .forms import (
    CloseForm,
    CompetitorForm,
    EvaluationForm,
    FollowUpForm,
    MoveForm,
    ProjectFilterForm,
    ProjectForm,
)
from .models import PipelineSettings, Project, Stage, Status

CARDS_PER_STAGE = 8
OWNERS_SHOWN = 20  # rows of the 待跟进 per-manager table


def _flags(project: Project, settings: PipelineSettings, today, contacts=None) -> list[str]:
    """The buying centre's red flags, from `contacts` or the project's (prefetched) ones."""
    people = [
        domain.Person(c.layer, c.roles, c.attitude, c.influence, c.closeness)
        for c in (project.contacts.all() if contacts is None else contacts)
    ]
    return domain.red_flags(
        people,
        entry_path=project.entry_path,
        weeks_open=(today - timezone.localdate(project.created_at)).days // 7,
        mid_entry_alert_weeks=settings.mid_entry_alert_weeks,
    )


def _decorate(projects, settings, today, flags: bool = False):
    """Attach cadence and its two clocks (and red flags) to rows already loaded: no queries."""
    for p in projects:
        p.cadence = p.cadence_status(settings, today)
        if flags:
            p.flags = _flags(p, settings, today)
    return projects


def _back(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


# Lists ---------------------------------------------------------------------------------------


@require_GET
@login_required
def project_list(request: HtmxHttpRequest) -> HttpResponse:
    settings, today = PipelineSettings.current(), timezone.localdate()
    form = ProjectFilterForm(request.GET or None, user=request.user)
    qs = form.filter(
        Project.objects.visible_to(request.user).select_related("hospital", "owner", "stage"),
        settings,
        today,
    ).order_by(*form.ordering())
    page = paging.page(request, qs)
    _decorate(page.object_list, settings, today)
    ctx = {"form": form, "page": page, "query_without_page": paging.query_without_page(request)}
    template = "pipeline/project_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, ctx)


def _board(request: HtmxHttpRequest, params: QueryDict) -> dict:
    """The board's context for the filters in `params` (the page's query, or after a move
    the query of the page the move came from)."""
    settings, today = PipelineSettings.current(), timezone.localdate()
    form = ProjectFilterForm(params or None, user=request.user, with_status=False)
    base = form.filter(Project.objects.visible_to(request.user).open(), settings, today)
    totals = {
        row["stage"]: row
        for row in base.order_by()
        .values("stage")
        .annotate(n=Count("*"), value=Sum("contract_value"))
    }
    stages = list(Stage.objects.filter(is_active=True))
    # One short indexed query per stage (LIMIT on (status, stage, updated_at)) instead of a
    # window over every open project, which grows with the country (decision 0011).
    # The number of queries follows the configured stages, never the number of projects.
    cards = []
    for s in stages:
        if totals.get(s.pk, {}).get("n"):
            cards += (
                base.filter(stage=s)
                .select_related("hospital", "owner", "stage")
                .order_by("-updated_at", "-pk")[:CARDS_PER_STAGE]
            )
    prefetch_related_objects(cards, "contacts")
    _decorate(cards, settings, today, flags=True)
    # Each card's move menu differs only in the selected stage: render the few variants once.
    menu = QuickSelect(choices=[(s.pk, s.name) for s in stages])
    menus = {s.pk: menu.render("stage", s.pk, {"aria-label": _("移到阶段")}) for s in stages}
    by_stage = defaultdict(list)
    for card in cards:
        card.move_menu = menus.get(card.stage_id, "")
        by_stage[card.stage_id].append(card)
    columns = [
        {
            "stage": s,
            "cards": by_stage[s.pk],
            "count": totals.get(s.pk, {}).get("n", 0),
            "value": totals.get(s.pk, {}).get("value") or 0,
        }
        for s in stages
    ]
    ctx = {
        "form": form,
        "columns": columns,
        "stages": stages,
        "limit": CARDS_PER_STAGE,
        "query": params.urlencode(),
    }
    return ctx


@require_GET
@login_required
def project_board(request: HtmxHttpRequest) -> HttpResponse:
    """销售管道: open projects by stage, the most recently active first in each column."""
    ctx = _board(request, request.GET)
    template = "pipeline/board.html"
    if request.htmx and not request.htmx.boosted:
        template += "#board"
    return render(request, template, ctx)


@require_GET
@login_required
def due_list(request: HtmxHttpRequest) -> HttpResponse:
    """待跟进: open projects whose business or relationship contact is overdue or falls due
    this week (by Sunday), the latest first; with a count per manager for leaders and the
    director. (Not "within 7 days": every class-A project is always due within 7 days.)"""
    settings, today = PipelineSettings.current(), timezone.localdate()
    form = ProjectFilterForm(request.GET or None, user=request.user, with_status=False)
    projects = form.filter(Project.objects.visible_to(request.user).open(), settings, today)
    qs = counts.due_this_week(projects, settings, today)
    data = form.cleaned_data if form.is_valid() else {}
    if any(data.get(f) for f in ("q", "province", "stage", "project_class", "handed")):
        # grouped on the owner column, from the columns of the covering index
        # project_open_pipeline, so it answers without the table; `late` as the summary sums it
        per_owner_counts = list(
            qs.order_by().values_list("owner").annotate(overdue=Sum("late"), due=Count("status"))
        )
    else:  # a manager's or a team's or everyone's: the day's summary, not every due project
        cells = summaries.cells(
            counts.DUE_THIS_WEEK.topic,
            request.user,
            owner=data.get("owner"),
            team=data["team"].pk if data.get("team") else None,
            by_owner=True,
        )
        per_owner_counts = [
            (owner, int(late), n)
            for owner, late, n in summaries.totals(cells, "owner").values_list("owner", "a", "n")
            if n
        ]
    people = people_named(owner for owner, *_n in per_owner_counts)
    per_owner = sorted(
        (
            {
                "owner__username": people[o].username,
                "owner__name": people[o].name,
                "overdue": x,
                "due": n,
            }
            for o, x, n in per_owner_counts
        ),
        key=lambda row: (-row["overdue"], row["owner__username"]),
    )
    # The page's ids in due order by the index, per class (due_page_ids), then the page's
    # rows; the per-manager counts add up to the total, so nothing counts again.
    total = sum(row["due"] for row in per_owner)
    page = Paginator(range(total), paging.PAGE_SIZE).get_page(request.GET.get("page"))
    start = (page.number - 1) * paging.PAGE_SIZE
    ids = counts.due_page_ids(projects, settings, today, start, paging.PAGE_SIZE)
    page.object_list = paging.in_order(
        Project.objects.select_related("hospital", "owner", "stage"), ids
    )
    _decorate(page.object_list, settings, today)
    ctx = {
        "form": form,
        "page": page,
        # the most overdue managers first; the filter above narrows to one manager or team
        "per_owner": per_owner[:OWNERS_SHOWN]
        if len(per_owner) > 1 or request.user.sees_all
        else [],
        "owners_hidden": max(len(per_owner) - OWNERS_SHOWN, 0),
        "today": today,
        "query_without_page": paging.query_without_page(request),
    }
    return render(request, "pipeline/due_list.html", ctx)


# One project ---------------------------------------------------------------------------------


def _get(request, pk: int, *related: str) -> Project:
    return get_object_or_404(
        Project.objects.visible_to(request.user).select_related(
            "hospital", "owner__team", "stage", *related
        ),
        pk=pk,
    )


@require_GET
@login_required
def project_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    settings, today = PipelineSettings.current(), timezone.localdate()
    project = _get(request, pk)
    contacts = list(project.contacts.select_related("department").order_by("-influence", "pinyin"))
    project.buying_centre = contacts  # read once: the relations panel takes them from here
    people = defaultdict(list)
    for c in contacts:
        people[c.layer].append(c)
    evaluations = list(project.evaluations.select_related("created_by")[:2])
    stages = list(Stage.objects.filter(is_active=True))
    project.cadence = project.cadence_status(settings, today)
    flags = _flags(project, settings, today, contacts)
    ctx = {
        "project": project,
        "stages": stages,
        "layers": [(v, label, people[v]) for v, label in _layers()],
        "n_contacts": len(contacts),
        "flags": flags,
        "evaluation": evaluations[0] if evaluations else None,
        "previous_evaluation": evaluations[1] if len(evaluations) > 1 else None,
        "competitors": project.competitors.select_related("competitor"),
        "timeline": _timeline(project),
        "move_form": MoveForm(initial={"stage": project.stage_id, "version": project.version}),
        "close_form": CloseForm(initial={"version": project.version}),
        "competitor_form": CompetitorForm(project=project),
    }
    return render(request, "pipeline/project_detail.html", ctx)


def _layers():
    return Layer.choices


TIMELINE_LENGTH = 40


def _timeline(project: Project) -> list[dict]:
    """Follow-ups, stage changes and edits of the project, newest first (five queries)."""
    items = [
        {"when": f.created_at, "day": f.date, "type": "follow_up", "item": f}
        for f in project.follow_ups.select_related("created_by").prefetch_related(
            "contacts", "colleagues"
        )[:TIMELINE_LENGTH]
    ]
    items += [
        {"when": c.changed_at, "day": timezone.localdate(c.changed_at), "type": "stage", "item": c}
        for c in project.stage_changes.select_related("from_stage", "to_stage", "changed_by")[
            :TIMELINE_LENGTH
        ]
    ]
    rows = list(project.history.select_related("history_user")[: TIMELINE_LENGTH + 1])
    for entry in history_entries(Project, rows, limit=TIMELINE_LENGTH):
        changes = [
            c
            for c in entry.changes
            if c.label not in (str(Project._meta.get_field("stage").verbose_name),)
        ]
        if entry.kind == "~" and changes:
            entry.changes = changes
            items.append(
                {
                    "when": entry.when,
                    "day": timezone.localdate(entry.when),
                    "type": "edit",
                    "item": entry,
                }
            )
    items.sort(key=lambda i: (i["day"], i["when"]), reverse=True)
    return items[:TIMELINE_LENGTH]


@require_http_methods(["GET"])
@login_required
@permission_required("pipeline.add_project", raise_exception=True)
def project_pick_hospital(request: HtmxHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    hospitals = []
    if q:
        hospitals = list(
            Hospital.objects.visible_to(request.user)
            .search(q)
            .order_by("-grade_rank", "pinyin")[:15]
        )
    ctx = {"q": q, "hospitals": hospitals}
    template = "pipeline/project_pick_hospital.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, ctx)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("pipeline.add_project", raise_exception=True)
def project_create(request: HtmxHttpRequest, hospital_pk: int) -> HttpResponse:
    hospital = get_object_or_404(Hospital.objects.visible_to(request.user), pk=hospital_pk)
    initial = {
        "name": _("%(hospital)s制氧站投放项目") % {"hospital": hospital.short_name or hospital.name}
    }
    if hospital.status in ("new", "relocating", "expanding"):
        initial["need"] = hospital.status
    form = ProjectForm(request.POST or None, hospital=hospital, user=request.user, initial=initial)
    ctx = {"form": form, "hospital": hospital, "project": None}
    template = "pipeline/project_form.html"
    if request.method == "POST" and form.is_valid():
        try:
            services.create_project(
                project=form.instance, by=request.user, contacts=list(form.cleaned_data["contacts"])
            )
        except ValidationError as error:
            add_errors(form, error)
            return render(request, template, ctx, status=400)
        messages.success(request, _("已创建项目“%s”。") % form.instance.name)
        return done(request, form.instance.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("pipeline.change_project", raise_exception=True)
def project_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    project = _get(request, pk)
    form = ProjectForm(
        request.POST or None, instance=project, hospital=project.hospital, user=request.user
    )
    ctx = {"form": form, "hospital": project.hospital, "project": project}
    template = "pipeline/project_form.html"
    if request.method == "POST" and form.is_valid():
        try:
            services.save_project(
                project=project,
                by=request.user,
                expected_version=form.expected_version,
                contacts=form.cleaned_data["contacts"],
            )
        except EditConflict as conflict:
            form.add_error(None, conflict.message)
            return render(request, template, ctx, status=409)
        except ValidationError as error:
            add_errors(form, error)
            return render(request, template, ctx, status=400)
        messages.success(request, _("已保存。"))
        return done(request, project.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_POST
@login_required
@permission_required("pipeline.change_project", raise_exception=True)
def project_move(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Move a project to another stage: from its page, or from the board (its menu, or a
    card dragged to a column), where htmx gets the board back with the card and both
    columns' totals as they are now, and the page stays where it was."""
    project = _get(request, pk)
    form = MoveForm(request.POST)
    back = _back(request, project.get_absolute_url())
    if not form.is_valid():
        return _moved(request, back, error=_("请选择一个阶段。"))
    try:
        services.move_stage(
            project=project,
            stage=form.cleaned_data["stage"],
            by=request.user,
            expected_version=form.cleaned_data.get("version"),
        )
    except (ValidationError, EditConflict) as error:
        text = error.message if isinstance(error, EditConflict) else " ".join(error.messages)
        return _moved(request, back, error=text)
    text = _("“%(project)s”已进入“%(stage)s”。") % {
        "project": project.name,
        "stage": project.stage.name,
    }
    return _moved(request, back, success=text)


def _moved(request: HtmxHttpRequest, back: str, *, success: str = "", error: str = ""):
    """After a move: the board again for htmx (answered 200 either way, so that htmx swaps
    it; the board says what happened), else the page the move came from, with a message."""
    if request.htmx:
        ctx = _board(request, QueryDict(urlsplit(back).query))
        ctx["moved"] = {"ok": not error, "text": error or success}
        return render(request, "pipeline/board.html#board", ctx)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect(back)


@require_POST
@login_required
@permission_required("pipeline.change_project", raise_exception=True)
def project_close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    project = _get(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_project(
                project=project,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["close_reason"],
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
            )
        except (ValidationError, EditConflict) as error:
            text = error.message if isinstance(error, EditConflict) else " ".join(error.messages)
            messages.error(request, text)
        else:
            messages.success(request, _("项目已关闭：%s。") % project.get_status_display())
    else:
        messages.error(request, _("请选择赢单、丢单或放弃。"))
    return redirect(project)


@require_POST
@login_required
@permission_required("pipeline.change_project", raise_exception=True)
def project_reopen(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    project = _get(request, pk)
    if project.status != Status.OPEN:
        services.reopen_project(project=project, by=request.user)
        messages.success(request, _("项目已重新打开。"))
    return redirect(project)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("pipeline.add_followup", raise_exception=True)
def followup_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    project = _get(request, pk)
    # the kind whose contact is overdue (the more overdue) comes preselected
    cadence = project.cadence_status(PipelineSettings.current(), timezone.localdate())
    form = FollowUpForm(request.POST or None, project=project, kind=cadence.most_pressing)
    ctx = {"form": form, "project": project}
    template = "pipeline/followup_form.html"
    if request.method == "POST" and form.is_valid():
        try:
            services.log_follow_up(
                follow_up=form.instance,
                contacts=list(form.cleaned_data["contacts"]),
                by=request.user,
                colleagues=form.cleaned_data["colleagues"],
                moves=form.moves(),
            )
        except ValidationError as error:
            add_errors(form, error)
            return render(request, template, ctx, status=400)
        messages.success(request, _("已记录%s。") % form.instance.get_kind_display())
        return done(request, _back(request, project.get_absolute_url()))
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("pipeline.add_evaluation", raise_exception=True)
def evaluation_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    settings, today = PipelineSettings.current(), timezone.localdate()
    project = _get(request, pk)
    previous = services.latest_evaluation(project)
    form = EvaluationForm(request.POST or None, previous=previous)
    project.buying_centre = list(project.contacts.all())  # the flags' and the panel's
    flags = _flags(project, settings, today, project.buying_centre)
    ctx = {"form": form, "project": project, "flags": flags, "previous": previous}
    template = "pipeline/evaluation_form.html"
    if request.method == "POST" and form.is_valid():
        try:
            form.save(project=project, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
            return render(request, template, ctx, status=400)
        messages.success(request, _("已保存意向评估。"))
        return redirect(project)
    return render(request, template, ctx, status=400 if form.errors else 200)


@require_POST
@login_required
@permission_required("pipeline.change_project", raise_exception=True)
def competitor_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    project = _get(request, pk)
    form = CompetitorForm(request.POST, project=project)
    if form.is_valid():
        services.add_competitor(competitor=form.instance, by=request.user)
        messages.success(request, _("已添加竞争对手。"))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect(reverse("pipeline:project-detail", args=[project.pk]) + "#competitors")


@require_POST
@login_required
@permission_required("pipeline.change_project", raise_exception=True)
def competitor_remove(request: HtmxHttpRequest, pk: int, row: int) -> HttpResponse:
    project = _get(request, pk)
    services.remove_competitor(project=project, row_id=row, by=request.user)
    return redirect(reverse("pipeline:project-detail", args=[project.pk]) + "#competitors")
