from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import HtmxHttpRequest
from o2crm import paging
from o2crm.records import EditConflict
from pipeline.models import Project

from . import charts, domain, services
from .forms import CASE_SETTINGS, DecisionForm, EconomicsForm, TermsForm
from .models import EconomicsSettings, Proposal, State

SENSITIVITY_STEPS = (-0.2, -0.1, 0.0, 0.1, 0.2)


def _project(request, pk: int) -> Project:
    return get_object_or_404(
        Project.objects.visible_to(request.user).select_related("hospital", "owner", "stage"),
        pk=pk,
    )


def _proposal(request, pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related(
            "project__hospital", "project__owner", "created_by", "decided_by", "settings"
        ),
        pk=pk,
    )


def _chart(cumulative: list[float], savings: list[float]):
    """The investor's cumulative cash flow and the hospital's cumulative saving, t = 0..N."""
    return charts.svg(
        [
            charts.Series(_("投资方累计现金流"), cumulative, "#2563eb"),
            charts.Series(_("医院累计节约"), domain.running_total(savings), "#0f766e"),
        ],
        title=_("累计现金流与医院节约"),
        unit=_("万元"),
    )


def _results_context(inputs: domain.Inputs, overrides: dict, settings: EconomicsSettings):
    """Everything the results panel shows, or the error that stops the computation."""
    resolved = settings.resolved(overrides)
    result = domain.compute(inputs, resolved)
    chart = _chart(result.cumulative, result.savings)
    years = [
        {
            "t": t,
            "consumption": result.consumption[t - 1],
            "billed": result.billed[t - 1],
            "price": result.prices[t - 1],
            "revenue": result.billed[t - 1] * result.prices[t - 1],
            "electricity": result.electricity[t - 1],
            "om": result.om_per_year,
            "cash_flow": result.cash_flows[t],
            "cumulative": result.cumulative[t],
            "saving": result.savings[t - 1],
        }
        for t in range(1, result.term_years + 1)
    ]
    grid = domain.sensitivity(inputs, resolved, SENSITIVITY_STEPS, base=result)
    for row in grid:
        for cell in row["cells"]:
            cell["irr_pct"] = None if cell["irr"] is None else cell["irr"] * 100
    return {
        "r": result,
        "irr_pct": None if result.irr is None else result.irr * 100,
        "hurdle_pct": f"{resolved['hurdle_irr'] * 100:g}",
        "origin_label": ORIGIN_LABELS[result.consumption_origin],
        "years": years,
        "chart": chart,
        "sensitivity": grid,
        "steps": SENSITIVITY_STEPS,
        "hurdle": resolved["hurdle_irr"],
        "flags": explain(result, resolved),
    }


def explain(r: domain.Result, settings: dict) -> list[dict]:
    """The three flags in words, each with whether it is good news."""
    words = []
    if r.mutual_price_exists:
        words.append(
            {
                "ok": True,
                "text": _(
                    "存在双方都受益的价格：保本价 %(floor).2f 元/m³ 低于医院现用氧成本 "
                    "%(base).2f 元/m³。"
                )
                % {"floor": r.price_floor, "base": r.baseline_cny_per_nm3},
            }
        )
    else:
        words.append(
            {
                "ok": False,
                "text": _(
                    "按当前用氧价格，不存在双方都受益的价格：达到目标收益率所需的保本价"
                    "（%(floor)s 元/m³）不低于医院现用氧成本 %(base).2f 元/m³。"
                )
                % {
                    "floor": "—" if r.price_floor is None else f"{r.price_floor:.2f}",
                    "base": r.baseline_cny_per_nm3,
                },
            }
        )
    if r.investor_viable:
        words.append(
            {
                "ok": True,
                "text": _("投资方可行：内部收益率 %(irr).1f%% 不低于目标 %(hurdle).1f%%。")
                % {"irr": r.irr * 100, "hurdle": settings["hurdle_irr"] * 100},
            }
        )
    else:
        irr = _("无（现金流不能回正）") if r.irr is None else f"{r.irr * 100:.1f}%"
        words.append(
            {
                "ok": False,
                "text": _("投资方不可行：内部收益率 %(irr)s 低于目标 %(hurdle).1f%%。")
                % {"irr": irr, "hurdle": settings["hurdle_irr"] * 100},
            }
        )
    if r.hospital_viable:
        words.append(
            {
                "ok": True,
                "text": _(
                    "医院受益：单价 %(price).2f 元/m³ 低于其现用氧成本，第一年节约约 ¥%(s)s。"
                )
                % {"price": r.price, "s": f"{r.hospital_saving_year1:,.0f}"},
            }
        )
    else:
        words.append(
            {
                "ok": False,
                "text": _(
                    "医院不受益：单价 %(price).2f 元/m³ 不低于其现用氧成本 %(base).2f 元/m³。"
                )
                % {"price": r.price, "base": r.baseline_cny_per_nm3},
            }
        )
    if r.cap_reached:
        words.append(
            {
                "ok": False,
                "text": _("部分年份用氧量超过制氧站年产能，超出部分由备用气源供应，不计费。"),
            }
        )
    return words


def _calculator(request, project: Project, form: EconomicsForm, terms: TermsForm, **extra):
    ctx = {
        "project": project,
        "form": form,
        "terms": terms,
        "case_settings": CASE_SETTINGS,
        **extra,
    }
    ctx["settings_row"] = form.settings_row
    if form.is_bound and form.is_valid():
        inputs, overrides = form.to_inputs()
        try:
            ctx.update(_results_context(inputs, overrides, form.settings_row))
        except domain.InputError as error:
            # name the field the user typed into, when there is one
            group, _dot, key = error.field.partition(".")
            prefix = {"settings": "s_", "departments": "dept_", "hyperbaric": "hbo_"}
            name = prefix[group] + key.split(".")[0] if group in prefix else error.field
            if name in form.fields:
                form.add_error(name, error.message)
            else:
                ctx["error"] = f"{error.field}: {error.message}"
    return ctx


@require_GET
@login_required
def calculator(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """测算: prefilled from the newest survey; htmx re-renders the results as the user types."""
    project = _project(request, pk)
    settings = EconomicsSettings.current()
    survey = services.newest_survey(project)
    if request.GET.get("term_years"):
        form = EconomicsForm(request.GET, settings=settings)
    else:
        inputs = services.inputs_from_survey(survey)
        initial = EconomicsForm.initial_from(inputs, services.survey_overrides(survey), settings)
        data = {k: v for k, v in initial.items() if v is not None}
        form = EconomicsForm(
            data if "baseline_value" in data else None, settings=settings, initial=initial
        )
    ctx = _calculator(request, project, form, TermsForm(), survey=survey)
    template = "proposals/calculator.html"
    if request.htmx and not request.htmx.boosted:
        if form.is_bound and form.errors and ctx.get("r") is None and request.GET.get("stale"):
            # typing: keep the last results on screen, marked, and say at each field what is
            # wrong (out-of-band swaps; the results themselves are not swapped)
            response = render(request, template + "#stale", ctx)
            response["HX-Reswap"] = "none"
            return response
        template += "#live" if request.GET.get("stale") else "#results"
    return render(request, template, ctx)


@require_POST
@login_required
@permission_required("proposals.add_proposal", raise_exception=True)
def proposal_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    settings = EconomicsSettings.current()
    form = EconomicsForm(request.POST, settings=settings)
    terms = TermsForm(request.POST)
    if form.is_valid() and terms.is_valid():
        inputs, overrides = form.to_inputs()
        try:
            proposal = services.create_proposal(
                project=project,
                by=request.user,
                inputs=inputs,
                overrides=overrides,
                terms={k: v for k, v in terms.cleaned_data.items() if v not in (None, "")},
            )
        except ValidationError as error:
            form.add_error(None, list(error.messages))
        else:
            messages.success(request, _("已保存建议书 %(n)s（草稿）。") % {"n": proposal.number})
            return redirect(proposal)
    ctx = _calculator(request, project, form, terms, survey=services.newest_survey(project))
    return render(request, "proposals/calculator.html", ctx, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def proposal_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Change a draft or returned proposal in the calculator, on the settings it was made with."""
    proposal = _proposal(request, pk)
    if proposal.superseded or proposal.state not in (State.DRAFT, State.RETURNED):
        messages.error(request, _("只有草稿或已退回的建议书可以修改；已发出的请修订为新版本。"))
        return redirect(proposal)
    if not request.user.has_perm("proposals.change_proposal"):
        raise PermissionDenied
    settings = proposal.settings
    if request.method == "POST":
        form = EconomicsForm(request.POST, settings=settings)
        terms = TermsForm(request.POST, instance=proposal)
        if form.is_valid() and terms.is_valid():
            inputs, overrides = form.to_inputs()
            try:
                services.update_terms(
                    proposal=proposal,
                    by=request.user,
                    inputs=inputs,
                    overrides=overrides,
                    terms={
                        k: terms.cleaned_data[k]
                        for k in TermsForm.Meta.fields
                        if not (k == "valid_until" and terms.cleaned_data[k] is None)
                    },
                    expected_version=int(request.POST.get("version") or proposal.version),
                )
            except EditConflict as conflict:
                form.add_error(None, conflict.message)
            except ValidationError as error:
                form.add_error(None, list(error.messages))
            else:
                messages.success(request, _("已保存修改。"))
                return redirect(proposal)
        status = 400
    else:
        inputs, overrides = domain.parse_input(proposal.inputs)
        initial = EconomicsForm.initial_from(inputs, overrides, settings)
        form = EconomicsForm({k: v for k, v in initial.items() if v is not None}, settings=settings)
        terms = TermsForm(instance=proposal)
        status = 200
    ctx = _calculator(request, proposal.project, form, terms, proposal=proposal)
    return render(request, "proposals/calculator.html", ctx, status=status)


@require_GET
@login_required
def proposal_list(request: HtmxHttpRequest) -> HttpResponse:
    qs = (
        Proposal.objects.visible_to(request.user)
        .filter(superseded=False)
        .select_related("project__hospital", "project__owner", "created_by")
    )
    state = request.GET.get("state", "")
    if state in State.values:
        qs = qs.filter(state=state)
    page = paging.page(request, qs.order_by("-created_at", "-pk"))
    ctx = {
        "page": page,
        "state": state,
        "states": State.choices,
        "query_without_page": paging.query_without_page(request),
    }
    return render(request, "proposals/proposal_list.html", ctx)


@require_GET
@login_required
def proposal_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    r = proposal.results
    ctx = {
        "proposal": proposal,
        "r": r,
        "flags": explain(domain.Result(**r), proposal.settings.resolved(proposal.overrides)),
        "chart": _chart(r["cumulative"], r["savings"]),
        "events": proposal.events.select_related("by"),
        "revisions": Proposal.objects.visible_to(request.user)
        .filter(number=proposal.number)
        .order_by("revision"),
        "decision_form": DecisionForm(),
        "can_approve": request.user.has_perm("proposals.approve_proposal"),
        "can_change": request.user.has_perm("proposals.change_proposal"),
    }
    return render(request, "proposals/proposal_detail.html", ctx)


ACTIONS = {
    "submit": (services.submit, gettext_lazy("已提交审批。")),
    "approve": (services.approve, gettext_lazy("已批准。")),
    "return": (services.return_proposal, gettext_lazy("已退回。")),
    "send": (services.send, gettext_lazy("已标记为发送给医院。")),
    "accept": (services.record_answer, gettext_lazy("已记录：客户接受。")),
    "reject": (services.record_answer, gettext_lazy("已记录：客户拒绝。")),
    "revise": (services.revise, gettext_lazy("已创建新版本（草稿）。")),
}


@require_POST
@login_required
@permission_required("proposals.change_proposal", raise_exception=True)
def proposal_action(request: HtmxHttpRequest, pk: int, action: str) -> HttpResponse:
    proposal = _proposal(request, pk)
    if action not in ACTIONS:
        raise Http404
    service, done = ACTIONS[action]
    form = DecisionForm(request.POST)
    form.is_valid()
    kwargs = {}
    if action == "approve":
        kwargs["override_reason"] = form.cleaned_data.get("override_reason", "")
    elif action == "return":
        kwargs["comment"] = form.cleaned_data.get("comment", "")
    elif action in ("accept", "reject"):
        kwargs.update(accepted=action == "accept", comment=form.cleaned_data.get("comment", ""))
    try:
        result = service(proposal=proposal, by=request.user, **kwargs)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(proposal)
    messages.success(request, str(done))
    return redirect(result)


# Settings ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("proposals.view_economicssettings", raise_exception=True)
def settings_page(request: HtmxHttpRequest) -> HttpResponse:
    """测算参数: every §8 setting with unit, source and status; saving adds a version."""
    current = EconomicsSettings.current()
    errors: dict[str, str] = {}
    values, meta = dict(current.values), {k: dict(v) for k, v in current.meta.items()}
    if request.method == "POST":
        if not request.user.has_perm("proposals.add_economicssettings"):
            raise PermissionDenied
        values, meta, errors = _read_settings(request.POST, values, meta)
        if not errors:
            try:
                services.save_settings(
                    values=values,
                    meta=meta,
                    note=request.POST.get("note", "")[:200],
                    by=request.user,
                )
            except ValidationError as error:
                errors = {k: v[0] for k, v in error.message_dict.items()}
            else:
                messages.success(request, _("已保存为新的参数版本。"))
                return redirect("proposals:proposal-settings")
    rows = [
        {
            "spec": spec,
            "label": SETTING_LABELS[spec.key],
            "value": values[spec.key],
            "status": meta.get(spec.key, {}).get("status", spec.status),
            "source": meta.get(spec.key, {}).get("source", spec.source),
            "error": errors.get(f"settings.{spec.key}") or errors.get(spec.key),
            "table": spec.key in ("coefficients", "est_avg_lpm"),
            "items": [(k, DEPARTMENT_NAMES[k], values[spec.key][k]) for k in domain.DEPARTMENTS]
            if spec.key in ("coefficients", "est_avg_lpm")
            else [],
        }
        for spec in domain.SETTINGS
    ]
    ctx = {
        "current": current,
        "rows": rows,
        "errors": errors,
        "statuses": STATUS_LABELS,
        "versions": EconomicsSettings.objects.select_related("created_by")[:20],
    }
    return render(request, "proposals/settings.html", ctx, status=400 if errors else 200)


def _read_settings(post, values: dict, meta: dict):
    errors: dict[str, str] = {}

    def number(name: str, raw: str):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            errors[name] = _("请输入数字。")
            return None
        return int(value) if value.is_integer() and "." not in raw else value

    for spec in domain.SETTINGS:
        key = spec.key
        if key == "coefficients":
            for dept in domain.DEPARTMENTS:
                for part in ("qa", "qb", "eta"):
                    name = f"{key}.{dept}.{part}"
                    v = number(name, post.get(name, ""))
                    if v is not None:
                        values[key][dept][part] = v
        elif key == "est_avg_lpm":
            for dept in domain.DEPARTMENTS:
                name = f"{key}.{dept}"
                v = number(name, post.get(name, ""))
                if v is not None:
                    values[key][dept] = v
        elif key == "unit_catalogue":
            raw = post.get(key, "")
            sizes = [number(key, part.strip()) for part in raw.replace("，", ",").split(",")]
            if any(s is None for s in sizes):
                errors[key] = _("请用逗号分隔的数字填写规格，例如 5, 10, 20。")
            else:
                values[key] = sorted(sizes)
        else:
            v = number(key, post.get(key, ""))
            if v is not None:
                values[key] = v
        status = post.get(f"status.{key}")
        if status in domain.STATUSES:
            meta.setdefault(key, {})["status"] = status
        meta.setdefault(key, {})["source"] = post.get(f"source.{key}", "")[:300]
    return values, meta, errors


ORIGIN_LABELS = {
    "metered": gettext_lazy("流量计读数"),
    "lox": gettext_lazy("按液氧用量折算"),
    "cylinders": gettext_lazy("按钢瓶用量折算"),
    "estimated": gettext_lazy("按科室床位估算"),
}
STATUS_LABELS = {
    domain.VERIFIED: gettext_lazy("已核实"),
    domain.SECONDARY: gettext_lazy("二手来源"),
    domain.ASSUMPTION: gettext_lazy("假设"),
    domain.UNVERIFIED: gettext_lazy("未核实"),
}
DEPARTMENT_NAMES = {
    "general_ward": gettext_lazy("普通病房"),
    "icu": gettext_lazy("重症监护 ICU/CCU"),
    "operating_room": gettext_lazy("手术室"),
    "emergency_resuscitation": gettext_lazy("急诊抢救"),
    "emergency_observation": gettext_lazy("急诊治疗/留观"),
    "recovery": gettext_lazy("麻醉恢复"),
    "neonatal": gettext_lazy("新生儿监护"),
    "delivery": gettext_lazy("产房"),
    "dialysis": gettext_lazy("血透"),
    "outpatient_treatment": gettext_lazy("门诊治疗室"),
}
SETTING_LABELS = {
    "coefficients": gettext_lazy("科室设计流量系数（Qa、Qb、η）"),
    "hbo_lpm_per_user": gettext_lazy("高压氧每人设计流量"),
    "hbo_m3_per_user_session": gettext_lazy("高压氧每人每舱次用氧"),
    "est_avg_lpm": gettext_lazy("估算用：各科室平均流量"),
    "lox_nm3_per_t": gettext_lazy("每吨液氧折合气态氧"),
    "cylinder_m3": gettext_lazy("每瓶钢瓶氧气"),
    "k_peak": gettext_lazy("峰值系数 k_peak"),
    "single_duty_max_nm3h": gettext_lazy("单台主机上限"),
    "unit_catalogue": gettext_lazy("机组规格"),
    "availability": gettext_lazy("设备可用率"),
    "capex_fixed": gettext_lazy("固定投资"),
    "capex_per_nm3h": gettext_lazy("单位产能投资"),
    "sec_kwh_per_nm3": gettext_lazy("单位电耗"),
    "part_load_factor": gettext_lazy("部分负荷系数"),
    "electricity_price": gettext_lazy("电价"),
    "om_rate": gettext_lazy("年运维费率"),
    "psa_substitutable_share": gettext_lazy("制氧可替代比例"),
    "growth": gettext_lazy("用氧年增长率"),
    "price_escalation": gettext_lazy("单价年调整率"),
    "term_years": gettext_lazy("默认合作期限"),
    "discount_rate": gettext_lazy("折现率（投资方与医院）"),
    "hurdle_irr": gettext_lazy("目标收益率（IRR）"),
    "psa_m3_per_baseline_m3": gettext_lazy("93%氧替代系数"),
    "target_saving": gettext_lazy("默认目标节约比例"),
    "residual_value": gettext_lazy("期末残值（设备归我方）"),
}
