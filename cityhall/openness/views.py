"""The public portal (no login) and the units' publishing workbench (login)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cityhall.accounts.permissions import OFFICE, Actor, actor_for, check
from cityhall.org.models import Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, refusal_text

from . import search
from . import services as svc
from .cache import portal_cached
from .models import SUBJECTS, Interpretation, InterpretationImage, Publication

PAGE = 20


def published() -> QuerySet[Publication]:
    return Publication.objects.filter(state=Publication.State.PUBLISHED).select_related("issuer", "drafting_unit")


# -- the portal -------------------------------------------------------------------------------


@login_not_required
@portal_cached
def portal_home(request: HttpRequest) -> HttpResponse:
    items = published()
    return render(
        request,
        "openness/portal_home.html",
        {
            "policies": list(items.filter(kind=Publication.Kind.POLICY)[:8]),
            "latest": list(items.exclude(kind=Publication.Kind.POLICY)[:8]),
            "interpreted": list(items.filter(interpretation__isnull=False)[:6]),
            "subjects": SUBJECTS,
            "count": items.count(),
        },
    )


@login_not_required
@portal_cached
def portal_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[: search.MAX_QUERY]
    try:
        number = max(1, min(int(request.GET.get("page", "1")), 500))
    except ValueError:
        number = 1
    hits = search.search_ids(query, limit=PAGE, offset=(number - 1) * PAGE) if query else search.Hits([], 0)
    by_id = published().in_bulk(hits.ids)
    rows = [
        {
            "item": by_id[i],
            "title": search.highlight(by_id[i].title, query),
            "snippet": search.snippet(by_id[i].body, query),
        }
        for i in hits.ids
        if i in by_id
    ]
    pages = max(1, -(-hits.total // PAGE))
    return render(
        request,
        "openness/portal_search.html",
        {
            "query": query,
            "rows": rows,
            "total": hits.total,
            "page": number,
            "pages": pages,
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < pages else None,
        },
    )


@login_not_required
@portal_cached
def portal_catalogue(request: HttpRequest) -> HttpResponse:
    items = published()
    subject = request.GET.get("subject", "")
    issuer = request.GET.get("issuer", "")
    kind = request.GET.get("kind", "")
    if subject in dict(SUBJECTS):
        items = items.filter(subject=subject)
    if issuer.isdigit():
        items = items.filter(issuer_id=int(issuer))
    if kind in Publication.Kind.values:
        items = items.filter(kind=kind)
    page = Paginator(items.order_by("-published_at", "-id"), PAGE).get_page(request.GET.get("page"))
    issuers = Unit.objects.filter(pk__in=published().values("issuer_id")).order_by("sort_order", "id")
    return render(
        request,
        "openness/portal_catalogue.html",
        {
            "page": page,
            "subjects": SUBJECTS,
            "issuers": issuers,
            "kinds": Publication.Kind.choices,
            "subject": subject,
            "issuer": issuer,
            "kind": kind,
        },
    )


@login_not_required
@portal_cached
def portal_interpretations(request: HttpRequest) -> HttpResponse:
    items = published().filter(interpretation__isnull=False).select_related("interpretation")
    page = Paginator(items, PAGE).get_page(request.GET.get("page"))
    return render(request, "openness/portal_interpretations.html", {"page": page})


@login_not_required
@portal_cached
def portal_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = published().filter(pk=pk).first()
    if item is None:
        raise Http404("这条信息不存在或已撤下。")
    interpretation = Interpretation.objects.filter(publication=item).prefetch_related("images").first()
    return render(
        request,
        "openness/portal_item.html",
        {
            "item": item,
            "interpretation": interpretation,
            "sections": _sections(interpretation),
            "chart": {"title": interpretation.chart_title, "points": interpretation.chart} if interpretation else None,
        },
    )


@login_not_required
def portal_image(request: HttpRequest, pk: int) -> FileResponse:
    image = get_object_or_404(
        InterpretationImage, pk=pk, interpretation__publication__state=Publication.State.PUBLISHED
    )
    response = FileResponse(image.image.open("rb"), content_type=_image_type(image.image.name or ""))
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _image_type(name: str) -> str:
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"


def _sections(interpretation: Interpretation | None) -> list[tuple[str, str]]:
    if interpretation is None:
        return []
    return [(label, getattr(interpretation, name)) for name, label in Interpretation.SECTIONS]


# -- the workbench ----------------------------------------------------------------------------


def _me(request: HttpRequest) -> Actor:
    actor = actor_for(request.user)
    check(actor, "publication.list")
    return actor


def visible(actor: Actor) -> QuerySet[Publication]:
    qs = Publication.objects.select_related("issuer", "drafting_unit", "created_by")
    if OFFICE in actor.roles:
        return qs
    return qs.filter(issuer__in=actor.unit_ids) | qs.filter(drafting_unit__in=actor.unit_ids)


def workbench(request: HttpRequest) -> HttpResponse:
    actor = _me(request)
    state = request.GET.get("state", "")
    items = visible(actor).order_by("-created_at", "-id")
    if state in Publication.State.values:
        items = items.filter(state=state)
    page = Paginator(items, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "openness/workbench.html",
        {
            "page": page,
            "states": Publication.State.choices,
            "state": state,
            "rule": rulebook().rule("disclosure.publish"),
        },
    )


FIELDS = ("kind", "title", "subject", "issued_on", "body", "issuer", "document_number")


def _units(actor: Actor) -> list[Unit]:
    if OFFICE in actor.roles:
        return list(Unit.objects.order_by("sort_order", "id"))
    return sorted({p.unit for p in actor.positions}, key=lambda u: (u.sort_order, u.pk))


def publication_new(request: HttpRequest) -> HttpResponse:
    from cityhall.rules import InvalidInput

    actor = _me(request)
    assert actor.person is not None  # noqa: S101
    units = _units(actor)
    values = {k: request.POST.get(k, "").replace("\x00", "") for k in FIELDS}
    error = ""
    if request.method == "POST":
        try:
            try:
                issued_on = dt.date.fromisoformat(values["issued_on"])
            except ValueError:
                raise InvalidInput("请填写成文日期。", "issued_on") from None
            issuer = next((u for u in units if str(u.pk) == values["issuer"]), None)
            if issuer is None:
                raise InvalidInput("请选择发布机构。", "issuer")
            pub = svc.publication_create(
                actor=actor.person,
                form=svc.PublicationForm(
                    kind=values["kind"],
                    title=values["title"],
                    subject=values["subject"],
                    issued_on=issued_on,
                    body=values["body"],
                    issuer=issuer,
                    document_number=values["document_number"],
                ),
            )
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            messages.success(
                request,
                "已保存。政策文件请撰写解读后发布。" if pub.needs_interpretation else "已保存，可以发布。",
            )
            return redirect("openness:detail", pk=pub.pk)
    else:
        values.update({"kind": "policy", "issued_on": f"{timezone.localdate():%Y-%m-%d}"})
        if units:
            values["issuer"] = str(units[0].pk)
    return render(
        request,
        "openness/publication_form.html",
        {
            "values": values,
            "error": error,
            "units": units,
            "kinds": Publication.Kind.choices,
            "subjects": SUBJECTS,
            "rules": [rulebook().rule("disclosure.publish"), rulebook().rule("openness.interpretation")],
        },
    )


def _get(actor: Actor, pk: int) -> Publication:
    get_object_or_404(Publication, pk=pk)
    item = visible(actor).filter(pk=pk).first()
    if item is None:
        raise PermissionDenied("这条公开信息不是您的单位发布或起草的，您无权查看办理页。")
    return item


def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _me(request)
    item = _get(actor, pk)
    interpretation = Interpretation.objects.filter(publication=item).prefetch_related("images").first()
    drafter = item.drafting_unit_id in actor.unit_ids
    values: dict[str, Any] = {n: getattr(interpretation, n, "") for n, _ in Interpretation.SECTIONS}
    chart_rows = [(p["label"], _number(p["value"])) for p in (interpretation.chart if interpretation else [])]
    chart_rows += [("", "")] * (6 - len(chart_rows))
    return render(
        request,
        "openness/publication.html",
        {
            "item": item,
            "interpretation": interpretation,
            "sections": [(n, label, values[n]) for n, label in Interpretation.SECTIONS],
            "chart_title": interpretation.chart_title if interpretation else "",
            "chart_rows": chart_rows,
            "missing": interpretation.missing() if interpretation else [label for _, label in Interpretation.SECTIONS],
            "can_interpret": drafter and item.needs_interpretation,
            "can_manage": actor.person is not None and svc.may_manage(actor.person, item, timezone.now()),
            "rules": [rulebook().rule("openness.interpretation"), rulebook().rule("disclosure.publish")],
        },
    )


def _number(value: float) -> str:
    return f"{value:g}"


@require_POST
def publication_interpret(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _me(request)
    item = _get(actor, pk)
    assert actor.person is not None  # noqa: S101
    sections = {n: request.POST.get(n, "").replace("\x00", "") for n, _ in Interpretation.SECTIONS}
    chart = list(zip(request.POST.getlist("chart_label"), request.POST.getlist("chart_value"), strict=False))
    try:
        found = svc.interpretation_save(
            actor=actor.person,
            publication=item,
            sections=sections,
            chart_title=request.POST.get("chart_title", ""),
            chart=chart,
        )
        image = request.FILES.get("image")
        if image is not None:
            svc.interpretation_image_add(
                actor=actor.person, interpretation=found, upload=image, caption=request.POST.get("caption", "")
            )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        missing = found.missing()
        if missing:
            messages.warning(request, f"解读已保存，尚缺：{'、'.join(missing)}。")
        else:
            messages.success(request, "解读已保存，可以发布。")
    return redirect("openness:detail", pk=pk)


@require_POST
def publication_publish(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _me(request)
    item = _get(actor, pk)
    assert actor.person is not None  # noqa: S101
    try:
        svc.publication_publish(actor=actor.person, publication=item)
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, "已在政府网站发布。")
    return redirect("openness:detail", pk=pk)


@require_POST
def publication_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _me(request)
    item = _get(actor, pk)
    assert actor.person is not None  # noqa: S101
    try:
        svc.publication_withdraw(actor=actor.person, publication=item, reason=request.POST.get("reason", ""))
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, "已撤下。")
    return redirect("openness:detail", pk=pk)
