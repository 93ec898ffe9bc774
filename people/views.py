"""人员与交接: the people list, a manager's handover (离职交接 / territory change) with its
preview, deactivating a user with an heir, and the record of every handover."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Team, User
from accounts.requests import HtmxHttpRequest
from hospitals.models import Hospital
from o2crm import paging
from pipeline.models import Project, Status

from . import services
from .forms import DeactivateForm, HandoverForm, PersonForm, TeamForm
from .models import Handover, PersonEvent


def _person(request: HtmxHttpRequest, username: str) -> User:
    """The user named, if the page may be opened; acting on them needs manages_people."""
    person: User = get_object_or_404(services.people_visible_to(request.user), username=username)
    if not services.manages_people(request.user):
        raise PermissionDenied(_("只有销售总监和管理员可以办理交接和停用账户。"))
    return person


@require_GET
@login_required
def people_list(request: HtmxHttpRequest) -> HttpResponse:
    if not services.manages_people(request.user):
        raise PermissionDenied(_("只有销售总监和管理员可以管理人员。"))
    people = User.objects.select_related("team").order_by("-is_active", "team__name", "username")
    q = (request.GET.get("q") or "").strip()
    if q:
        people = people.filter(Q(username__icontains=q) | Q(name__icontains=q))
    page = paging.page(request, people)
    # counted for the page's people alone: two grouped queries, whatever the country's size
    ids = [p.pk for p in page]
    hospitals = dict(
        Hospital.objects.filter(owner_id__in=ids)
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("pk"))
    )
    projects = dict(
        Project.objects.filter(owner_id__in=ids, status=Status.OPEN)
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("pk"))
    )
    for person in page:
        person.n_hospitals = hospitals.get(person.pk, 0)  # type: ignore[attr-defined]
        person.n_projects = projects.get(person.pk, 0)  # type: ignore[attr-defined]
    ctx = {"page": page, "q": q, "query_without_page": paging.query_without_page(request)}
    return render(request, "people/people_list.html", ctx)


@require_http_methods(["GET", "POST"])
@login_required
def handover(request: HtmxHttpRequest, username: str) -> HttpResponse:
    person = _person(request, username)
    form = HandoverForm(request.POST or None, from_user=person)
    counts, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            hospitals = form.chosen()
            if request.POST.get("action") == "confirm":
                try:
                    done = services.hand_over(
                        from_user=person,
                        to_user=form.cleaned_data["heir"],
                        hospitals=hospitals,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                        note=form.cleaned_data["note"],
                        scope=form.scope_text(),
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                    status = 400
                else:
                    messages.success(
                        request,
                        _("已把 %(from)s 的 %(n)s 家医院交给 %(to)s。")
                        % {"from": person, "n": done.counts["hospitals"], "to": done.to_user},
                    )
                    return redirect("people:handover-list")
            counts = services.preview(person, hospitals)
        else:
            status = 400
    ctx = {
        "person": person,
        "form": form,
        "counts": counts,
        "all": services.preview(person, services.hospitals_of(person)),
    }
    return render(request, "people/handover.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def deactivate(request: HtmxHttpRequest, username: str) -> HttpResponse:
    person = _person(request, username)
    form = DeactivateForm(request.POST if request.method == "POST" else None, user=person)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.deactivate(user=person, heir=form.cleaned_data["heir"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
            status = 400
        else:
            messages.success(request, _("已停用 %(name)s 的账户。") % {"name": person})
            return redirect("people:people-list")
    elif request.method == "POST":
        status = 400
    ctx = {
        "person": person,
        "form": form,
        "counts": services.preview(person, services.hospitals_of(person), everything=True),
    }
    return render(request, "people/deactivate.html", ctx, status=status)


@require_GET
@login_required
def handover_list(request: HtmxHttpRequest) -> HttpResponse:
    if not services.manages_people(request.user):
        raise PermissionDenied(_("只有销售总监和管理员可以查看交接记录。"))
    rows = Handover.objects.select_related("from_user", "to_user", "by")
    ctx = {
        "page": paging.page(request, rows),
        "query_without_page": paging.query_without_page(request),
    }
    return render(request, "people/handover_list.html", ctx)


# People and teams -------------------------------------------------------------------------------


def _must_manage(request: HtmxHttpRequest) -> None:
    if not services.manages_people(request.user):
        raise PermissionDenied(_("只有销售总监和管理员可以管理人员。"))


def _password_page(request: HtmxHttpRequest, person: User, password: str) -> HttpResponse:
    """The temporary password, shown this once."""
    return render(request, "people/password.html", {"person": person, "password": password})


@require_http_methods(["GET", "POST"])
@login_required
def person_create(request: HtmxHttpRequest) -> HttpResponse:
    _must_manage(request)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form.save(commit=False)
        password = services.create_person(
            person=person, role=form.cleaned_data["role"], by=request.user
        )
        return _password_page(request, person, password)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/person_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def person_edit(request: HtmxHttpRequest, username: str) -> HttpResponse:
    person = _person(request, username)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        services.update_person(
            person=form.save(commit=False), role=form.cleaned_data["role"], by=request.user
        )
        messages.success(request, _("已保存 %(name)s 的资料。") % {"name": person})
        return redirect("people:person-edit", person.username)
    ctx = {"form": form, "person": person, "events": services.events_of(person)}
    status = 400 if request.method == "POST" else 200
    return render(request, "people/person_form.html", ctx, status=status)


@require_POST
@login_required
def person_password(request: HtmxHttpRequest, username: str) -> HttpResponse:
    person = _person(request, username)
    return _password_page(request, person, services.reset_password(person=person, by=request.user))


@require_POST
@login_required
def person_reactivate(request: HtmxHttpRequest, username: str) -> HttpResponse:
    person = _person(request, username)
    services.reactivate(person=person, by=request.user)
    messages.success(request, _("已恢复 %(name)s 的账户。") % {"name": person})
    return redirect("people:person-edit", person.username)


def teams_visible_to(user: User):  # type: ignore[no-untyped-def]
    """Every team for those who manage people; a leader their own, a member theirs."""
    if services.manages_people(user) or user.sees_all:
        return Team.objects.all()
    return Team.objects.filter(Q(pk__in=sorted(user.led_team_ids)) | Q(pk=user.team_id))


@require_GET
@login_required
def team_list(request: HtmxHttpRequest) -> HttpResponse:
    _must_manage(request)
    teams = (
        Team.objects.select_related("leader", "territory")
        .annotate(n_members=Count("members", filter=Q(members__is_active=True)))
        .order_by("name")
    )
    ctx = {
        "page": paging.page(request, teams),
        "query_without_page": paging.query_without_page(request),
    }
    return render(request, "people/team_list.html", ctx)


@require_http_methods(["GET", "POST"])
@login_required
def team_edit(request: HtmxHttpRequest, team_pk: int | None = None) -> HttpResponse:
    team = get_object_or_404(teams_visible_to(request.user), pk=team_pk) if team_pk else None
    _must_manage(request)
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        saved = services.save_team(team=form.save(commit=False), by=request.user)
        messages.success(request, _("已保存团队 %(name)s。") % {"name": saved})
        return redirect("people:team-list")
    events = PersonEvent.objects.filter(team=team).select_related("by")[:30] if team else []
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "people/team_form.html",
        {"form": form, "team": team, "events": events},
        status=status,
    )
