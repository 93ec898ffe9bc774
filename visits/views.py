from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hospitals.models import Hospital
from hospitals.services import EditConflict, save_record
from hospitals.views import HtmxHttpRequest, _done, _page, _query_without_page
from reports.xlsx import xlsx_response

from . import exports
from .forms import SurveyForm
from .models import OxygenSurvey


def _surveys(request):
    return OxygenSurvey.objects.visible_to(request.user).select_related(
        "hospital", "project", "created_by"
    )


@require_GET
@login_required
def survey_list(request: HtmxHttpRequest) -> HttpResponse:
    qs = _surveys(request).order_by("-date", "-pk")
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(hospital__in=Hospital.objects.search(q).values("pk"))
    ctx = {"page": _page(request, qs), "q": q, "query_without_page": _query_without_page(request)}
    return render(request, "visits/survey_list.html", ctx)


@require_GET
@login_required
def survey_export(request: HtmxHttpRequest) -> HttpResponse:
    qs = _surveys(request).order_by("-date", "-pk")
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(hospital__in=Hospital.objects.search(q).values("pk"))
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
        return _done(request, form.instance.get_absolute_url())
    return render(request, template, ctx, status=400 if form.errors else 200)
