"""The year's evaluation page: compute from the ledger, enter the other indicators, rank, commend (Art 63)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import OFFICE, actor_for, check
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, refusal_text

from . import evaluation as svc
from .models import EvaluationRun, Score


def evaluation_page(request: HttpRequest, year: int) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.view")
    run = EvaluationRun.objects.filter(year=year).first()
    office = OFFICE in actor.roles
    rule = rulebook().rule(svc.RULE)
    return render(
        request,
        "supervision/evaluation.html",
        {
            "year": year,
            "run": run,
            "tables": [
                (label, list(run.scores.filter(category=code).select_related("unit")) if run else [])
                for code, label in Score.Category.choices
            ],
            "office": office,
            "rule": rule,
            "weights": {k: svc._param(k) for k in ("weight_on_time", "weight_other", "overdue_deduction", "commended")},
            "this_year": timezone.localdate().year,
        },
    )


@require_POST
def evaluation_act(request: HttpRequest, year: int, action: str) -> HttpResponse:
    actor = actor_for(request.user)
    check(actor, "supervision.create")
    assert actor.person is not None  # noqa: S101
    try:
        if action == "compute":
            run = svc.evaluation_compute(actor=actor.person, year=year)
            messages.success(request, f"已按台账计算{year}年度考评，共{run.scores.count()}个单位。")
        elif action == "score":
            score = get_object_or_404(Score, pk=request.POST.get("score") or 0, run__year=year)
            try:
                value = float(request.POST.get("value", ""))
            except ValueError:
                messages.error(request, "其他指标得分应为数字（0到100）。")
                return redirect("supervision:evaluation", year=year)
            svc.score_other(actor=actor.person, score=score, value=value, basis=request.POST.get("basis", ""))
            messages.success(request, f"已录入{score.unit.name}的其他指标得分。")
        elif action == "issue":
            run = svc.notice_issue(actor=actor.person, run=get_object_or_404(EvaluationRun, year=year))
            messages.success(request, f"通报已印发：{run.notice_number}。")
        else:
            raise Http404
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("supervision:evaluation", year=year)


def evaluation_notice(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    from cityhall.documents.render import render_docx, render_pdf

    actor = actor_for(request.user)
    check(actor, "supervision.view")
    if fmt not in ("docx", "pdf"):
        raise Http404
    run = get_object_or_404(EvaluationRun, year=year, issued_at__isnull=False)
    doc = svc.notice_document(run)
    content, kind = (
        (render_pdf(doc), "application/pdf")
        if fmt == "pdf"
        else (render_docx(doc), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )
    return HttpResponse(
        content, content_type=kind, headers={"Content-Disposition": f'attachment; filename="evaluation-{year}.{fmt}"'}
    )
