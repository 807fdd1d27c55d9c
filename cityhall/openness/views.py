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
from cityhall.org.models import Position, Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import RulesError, refusal_text

from . import search
from . import services as svc
from .cache import portal_cached
from .models import SUBJECTS, DisclosureRequest, Interpretation, InterpretationImage, Publication

PAGE = 20


def _scoped(scope: QuerySet[Any], model: type[Any], pk: int, refusal: str) -> Any:
    """The row ``pk`` of ``scope``: 404 when it does not exist at all, 403 with ``refusal`` when it exists
    but lies outside what the actor may see."""
    get_object_or_404(model, pk=pk)
    found = scope.filter(pk=pk).first()
    if found is None:
        raise PermissionDenied(refusal)
    return found


def _posted(request: HttpRequest) -> dict[str, str]:
    """The posted fields as text, NUL removed (a form's single values; lists are read where they are used)."""
    return {k: _clean(str(request.POST.get(k, ""))) for k in request.POST}


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
            "capped": hits.capped,
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
    pending = svc.pending_sources(actor.person, timezone.now()) if actor.person else {"documents": [], "minutes": []}
    return render(
        request,
        "openness/workbench.html",
        {
            "page": page,
            "states": Publication.State.choices,
            "state": state,
            "pending": pending,
            "subjects": SUBJECTS,
            "rule": rulebook().rule("disclosure.publish"),
        },
    )


@require_POST
def publication_from_document(request: HttpRequest, document_id: int) -> HttpResponse:
    from cityhall.documents.models import Document

    actor = _me(request)
    assert actor.person is not None  # noqa: S101
    document = get_object_or_404(Document, pk=document_id)
    if document not in svc.pending_sources(actor.person, timezone.now())["documents"]:
        raise PermissionDenied("这份公文不是您的单位发布或起草的，或已经公开。")
    try:
        pub = svc.publication_from_document(
            actor=actor.person,
            document=document,
            kind=request.POST.get("kind", "policy"),
            subject=request.POST.get("subject", ""),
        )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("openness:workbench")
    messages.success(
        request, "已生成公开信息。政策文件请撰写解读后发布。" if pub.needs_interpretation else "已生成，可以发布。"
    )
    return redirect("openness:detail", pk=pub.pk)


@require_POST
def publication_from_minutes(request: HttpRequest, minutes_id: int) -> HttpResponse:
    from cityhall.meetings.models import Minutes

    actor = _office(request)
    assert actor.person is not None  # noqa: S101
    minutes = get_object_or_404(Minutes.objects.select_related("meeting"), pk=minutes_id)
    try:
        pub = svc.publication_from_minutes(actor=actor.person, minutes=minutes)
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("openness:workbench")
    messages.success(request, "会议决定事项已在政府网站发布。")
    return redirect("openness:detail", pk=pub.pk)


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
    item = _scoped(visible(actor), Publication, pk, "这条公开信息不是您的单位发布或起草的，您无权查看办理页。")
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


# -- disclosure requests: the public side -----------------------------------------------------

APPLY_FIELDS = ("applicant_kind", "name", "id_number", "phone", "email", "address", "description", "delivery")
HONEYPOT = "website"  # hidden from people (and from screen readers); a bot fills it


def _clean(value: str) -> str:
    return value.replace("\x00", "")


def _trace_rows(deadline: Any) -> list[dict[str, Any]]:
    keep = {"count", "holiday", "makeup_working_day", "pause", "pause_start", "extension", "result", "provisional"}
    return [s for s in (deadline.trace if deadline else []) if s.get("step") in keep]


@login_not_required
def portal_apply(request: HttpRequest) -> HttpResponse:
    from . import disclosure as dc
    from . import throttle

    values = {k: _clean(request.POST.get(k, "")) for k in APPLY_FIELDS}
    error = ""
    status = 200
    if request.method == "POST":
        if request.POST.get(HONEYPOT):
            throttle.caught(request, "disclosure", "隐藏字段被填写（疑似程序提交）")
            # Answer as if accepted, so a bot learns nothing; nothing is stored.
            return render(request, "openness/portal_applied.html", {"request_obj": None})
        if not throttle.allow(request, "disclosure"):
            error = "提交过于频繁：同一网络地址一小时内最多提交{}份申请，请稍后再试，或携带材料到市政府办公室当面提交。".format(
                throttle.limit("disclosure")
            )
            status = 429
        else:
            try:
                req = dc.disclosure_apply(form=dc.ApplicationForm(**values))
            except RulesError as exc:
                error = refusal_text(exc)
                status = 400
            else:
                return render(
                    request,
                    "openness/portal_applied.html",
                    {
                        "request_obj": req,
                        "trace": _trace_rows(req.deadline),
                        "rule": rulebook().rule("disclosure.reply"),
                    },
                )
    return render(
        request,
        "openness/portal_apply.html",
        {
            "values": values,
            "error": error,
            "kinds": DisclosureRequest.ApplicantKind.choices,
            "deliveries": DisclosureRequest.Delivery.choices,
            "honeypot": HONEYPOT,
            "rules": [rulebook().rule("disclosure.reply"), rulebook().rule("disclosure.third-party")],
            "section": "apply",
        },
        status=status,
    )


def _looked_up(request: HttpRequest, lookup: Any) -> tuple[str, Any, str, int]:
    """A query page's post: the code typed, what it found (only with the phone's last four digits), the
    error to show and the status. Lookups share one per-address limit."""
    from . import throttle

    code = _clean(request.POST.get("code", ""))[:20]
    if request.method != "POST":
        return code, None, "", 200
    if not throttle.allow(request, "lookup"):
        return code, None, "查询过于频繁，请一小时后再试。", 429
    found = lookup(code, _clean(request.POST.get("phone_suffix", ""))[:10])
    if found is None:
        return code, None, "没有找到：请核对查询码和联系电话后四位。", 404
    return code, found, "", 200


@login_not_required
def portal_status(request: HttpRequest) -> HttpResponse:
    from . import disclosure as dc

    code, found, error, status = _looked_up(request, dc.lookup)
    return render(
        request,
        "openness/portal_status.html",
        {
            "code": code,
            "found": found,
            "error": error,
            "trace": _trace_rows(found.deadline) if found else [],
            "consulting": found.consultations.filter(replied_on__isnull=True).exists() if found else False,
            "section": "apply",
        },
        status=status,
    )


# -- disclosure requests: the office ----------------------------------------------------------


def _office(request: HttpRequest) -> Actor:
    actor = actor_for(request.user)
    check(actor, "disclosure.handle")
    return actor


def disclosure_list(request: HttpRequest) -> HttpResponse:
    actor = _office(request)
    state = request.GET.get("state", "")
    query = request.GET.get("q", "").strip()[:40]
    items = DisclosureRequest.objects.select_related("deadline").order_by("-received_on", "-id")
    if state in DisclosureRequest.State.values:
        items = items.filter(state=state)
    if query:
        items = items.filter(code__icontains=query) | items.filter(description__icontains=query)
    page = Paginator(items, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "openness/disclosure_list.html",
        {
            "page": page,
            "states": DisclosureRequest.State.choices,
            "state": state,
            "query": query,
            "now": timezone.now(),
            "can_enter": actor.person is not None,
            "rule": rulebook().rule("disclosure.reply"),
        },
    )


def disclosure_new(request: HttpRequest) -> HttpResponse:
    from cityhall.rules import InvalidInput

    from . import disclosure as dc

    actor = _office(request)
    assert actor.person is not None  # noqa: S101
    values = {k: _clean(request.POST.get(k, "")) for k in (*APPLY_FIELDS, "channel", "received_on")}
    error = ""
    if request.method == "POST":
        try:
            try:
                received = dt.date.fromisoformat(values["received_on"])
            except ValueError:
                raise InvalidInput("请填写收到申请之日。", "received_on") from None
            req = dc.disclosure_apply(
                form=dc.ApplicationForm(**{k: values[k] for k in APPLY_FIELDS}),
                channel=values["channel"],
                received_on=received,
                entered_by=actor.person,
            )
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            messages.success(request, f"已登记，查询码 {req.code}，请告知申请人。")
            return redirect("openness:disclosure", pk=req.pk)
    else:
        values.update({"channel": "letter", "received_on": f"{timezone.localdate():%Y-%m-%d}", "delivery": "paper"})
    return render(
        request,
        "openness/disclosure_form.html",
        {
            "values": values,
            "error": error,
            "kinds": DisclosureRequest.ApplicantKind.choices,
            "deliveries": DisclosureRequest.Delivery.choices,
            "channels": [c for c in DisclosureRequest.Channel.choices if c[0] != "online"],
        },
    )


def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from . import disclosure as dc

    actor = _office(request)
    req = get_object_or_404(DisclosureRequest.objects.select_related("deadline", "replied_by"), pk=pk)
    return render(
        request,
        "openness/disclosure.html",
        {
            "req": req,
            "trace": _trace_rows(req.deadline),
            "consultations": list(req.consultations.select_related("deadline")),
            "open_consultation": req.consultations.filter(replied_on__isnull=True).first(),
            "outcomes": DisclosureRequest.Outcome.choices,
            "today": f"{timezone.localdate():%Y-%m-%d}",
            "is_head": actor.person is not None and dc.heads_disclosure(actor.positions),
            "rules": [
                rulebook().rule(r)
                for r in (
                    "disclosure.reply",
                    "disclosure.third-party",
                    "disclosure.extension",
                    "disclosure.reply-forms",
                    "disclosure.supplement",
                )
            ],
        },
    )


def _date(value: str, field: str) -> dt.date:
    from cityhall.rules import InvalidInput

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("请填写日期。", field) from None


@require_POST
def disclosure_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from . import disclosure as dc
    from .models import Consultation

    actor = _office(request)
    assert actor.person is not None  # noqa: S101
    req = get_object_or_404(DisclosureRequest, pk=pk)
    post = _posted(request)
    try:
        if action == "consult":
            dc.disclosure_consult(
                actor=actor.person,
                request=req,
                third_party=post.get("third_party", ""),
                matter=post.get("matter", ""),
                sent_on=_date(post.get("sent_on", ""), "sent_on"),
            )
            done = "已征求第三方意见：答复期限暂停计算。"
        elif action == "consulted":
            consultation = get_object_or_404(Consultation, pk=int(post.get("consultation", "0") or 0), request=req)
            no_reply = post.get("no_reply") == "1"
            dc.disclosure_consult_close(
                actor=actor.person,
                consultation=consultation,
                replied_on=None if no_reply else _date(post.get("replied_on", ""), "replied_on"),
                agrees={"1": True, "0": False}.get(post.get("agrees", "")),
                opinion=post.get("opinion", ""),
            )
            done = "已登记第三方意见：答复期限恢复计算。"
        elif action == "extend":
            dc.disclosure_extend(actor=actor.person, request=req, reason=post.get("reason", ""))
            done = "已延长答复期限，申请人可凭查询码看到。"
        elif action == "reply":
            dc.disclosure_reply(
                actor=actor.person,
                request=req,
                outcome=post.get("outcome", ""),
                ground=post.get("ground", ""),
                right_body=post.get("right_body", ""),
            )
            done = "已答复，答复书已编号。"
        elif action == "supplemented":
            dc.disclosure_supplemented(
                actor=actor.person,
                request=req,
                received_on=_date(post.get("received_on", ""), "received_on"),
                text=post.get("text", ""),
            )
            done = "已登记补正：答复期限重新起算。"
        else:
            raise Http404("没有这项操作。")
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, done)
    return redirect("openness:disclosure", pk=pk)


def disclosure_letter(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    req = get_object_or_404(DisclosureRequest, pk=pk)
    if not req.reply_number:
        raise Http404("尚未答复。")
    return render(request, "openness/disclosure_letter.html", {"req": req})


# -- suggestions and proposals ----------------------------------------------------------------


def _suggestion_scope(actor: Actor) -> QuerySet[Any]:
    from .models import Suggestion

    qs = Suggestion.objects.select_related("lead_unit", "deadline")
    if OFFICE in actor.roles or any(p.kind in ("mayor", "vice_mayor", "secretary_general") for p in actor.positions):
        return qs
    return (qs.filter(lead_unit__in=actor.unit_ids) | qs.filter(partner_units__in=actor.unit_ids)).distinct()


def suggestion_list(request: HttpRequest) -> HttpResponse:
    from .models import Suggestion

    actor = _me(request)
    items = _suggestion_scope(actor).order_by("-assigned_on", "-id")
    kind = request.GET.get("kind", "")
    if kind in Suggestion.Kind.values:
        items = items.filter(kind=kind)
    page = Paginator(items, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "openness/suggestions.html",
        {
            "page": page,
            "kinds": Suggestion.Kind.choices,
            "kind": kind,
            "now": timezone.now(),
            "is_office": OFFICE in actor.roles,
            "rules": [rulebook().rule("suggestion.handle"), rulebook().rule("suggestion.handle-complex")],
        },
    )


def suggestion_new(request: HttpRequest) -> HttpResponse:
    from cityhall.rules import InvalidInput

    from . import suggestions as sg
    from .models import Suggestion

    actor = _office(request)
    assert actor.person is not None  # noqa: S101
    fields = ("kind", "number", "title", "proposer", "body", "lead_unit", "assigned_on", "complex_reason")
    values = {k: _clean(request.POST.get(k, "")) for k in fields}
    partners = request.POST.getlist("partner_units")
    units = list(Unit.objects.filter(kind__in=(Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED, Unit.Kind.COUNTY)))
    error = ""
    if request.method == "POST":
        try:
            lead = next((u for u in units if str(u.pk) == values["lead_unit"]), None)
            if lead is None:
                raise InvalidInput("请选择主办单位。", "lead_unit")
            item = sg.suggestion_assign(
                actor=actor.person,
                form=sg.SuggestionForm(
                    kind=values["kind"],
                    number=values["number"],
                    title=values["title"],
                    proposer=values["proposer"],
                    body=values["body"],
                    lead_unit=lead,
                    assigned_on=_date(values["assigned_on"], "assigned_on"),
                    partner_units=[u for u in units if str(u.pk) in partners],
                    complex=request.POST.get("complex") == "1",
                    complex_reason=values["complex_reason"],
                ),
            )
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            due = f"，{item.deadline.due_date:%Y-%m-%d}前答复" if item.deadline else ""
            messages.success(request, f"已交办{item.lead_unit.name}{due}。")
            return redirect("openness:suggestion", pk=item.pk)
    else:
        values.update({"kind": "suggestion", "assigned_on": f"{timezone.localdate():%Y-%m-%d}"})
    return render(
        request,
        "openness/suggestion_form.html",
        {
            "values": values,
            "partners": partners,
            "complex": request.POST.get("complex") == "1",
            "error": error,
            "kinds": Suggestion.Kind.choices,
            "units": units,
            "rules": [rulebook().rule("suggestion.handle"), rulebook().rule("suggestion.handle-complex")],
        },
    )


def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import Suggestion

    actor = _me(request)
    item = _scoped(_suggestion_scope(actor), Suggestion, pk, "这件建议提案不是交您的单位办理的，您无权查看。")
    lead = item.lead_unit_id in actor.unit_ids
    return render(
        request,
        "openness/suggestion.html",
        {
            "item": item,
            "contacts": list(item.contacts.select_related("by")),
            "partners": list(item.partner_units.all()),
            "trace": _trace_rows(item.deadline),
            "is_lead": lead,
            "can_rate": item.state == "replied" and (lead or OFFICE in actor.roles),
            "satisfactions": Suggestion.Satisfaction.choices,
            "today": f"{timezone.localdate():%Y-%m-%d}",
            "rules": [
                rulebook().rule(r) for r in ("suggestion.handle", "suggestion.handle-complex", "suggestion.publish")
            ],
        },
    )


@require_POST
def suggestion_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from . import suggestions as sg
    from .models import Suggestion

    actor = _me(request)
    assert actor.person is not None  # noqa: S101
    item = _scoped(_suggestion_scope(actor), Suggestion, pk, "这件建议提案不是交您的单位办理的，您无权办理。")
    post = _posted(request)
    try:
        if action == "contact":
            sg.suggestion_contact(
                actor=actor.person,
                item=item,
                on=_date(post.get("on", ""), "on"),
                way=post.get("way", ""),
                note=post.get("note", ""),
            )
            done = "已登记沟通情况。"
        elif action == "reply":
            sg.suggestion_reply(actor=actor.person, item=item, text=post.get("text", ""))
            done = "已答复，答复函已编号。请登记代表（委员）的意见。"
        elif action == "rate":
            sg.suggestion_satisfaction(actor=actor.person, item=item, satisfaction=post.get("satisfaction", ""))
            done = "已登记代表（委员）意见，办理结果已在政府网站公开。"
        else:
            raise Http404("没有这项操作。")
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, done)
    return redirect("openness:suggestion", pk=pk)


# -- petitions --------------------------------------------------------------------------------

PETITION_FIELDS = ("name", "phone", "address", "subject", "body")


@login_not_required
def portal_petition(request: HttpRequest) -> HttpResponse:
    from . import petitions as pt
    from . import throttle

    values = {k: _clean(request.POST.get(k, "")) for k in PETITION_FIELDS}
    error = ""
    status = 200
    if request.method == "POST":
        if request.POST.get(HONEYPOT):
            throttle.caught(request, "petition", "隐藏字段被填写（疑似程序提交）")
            return render(request, "openness/portal_petitioned.html", {"item": None, "section": "petition"})
        if not throttle.allow(request, "petition"):
            error = f"提交过于频繁：同一网络地址一小时内最多提交{throttle.limit('petition')}件，请稍后再试。"
            status = 429
        else:
            try:
                item = pt.petition_receive(form=pt.PetitionForm(**values))
            except RulesError as exc:
                error, status = refusal_text(exc), 400
            else:
                return render(
                    request,
                    "openness/portal_petitioned.html",
                    {"item": item, "trace": _trace_rows(item.accept_deadline), "section": "petition"},
                )
    return render(
        request,
        "openness/portal_petition.html",
        {"values": values, "error": error, "honeypot": HONEYPOT, "section": "petition"},
        status=status,
    )


@login_not_required
def portal_petition_status(request: HttpRequest) -> HttpResponse:
    from . import petitions as pt

    code, found, error, status = _looked_up(request, pt.lookup)
    return render(
        request,
        "openness/portal_petition_status.html",
        {"code": code, "found": found, "error": error, "section": "petition"},
        status=status,
    )


def _petition_scope(actor: Actor) -> QuerySet[Any]:
    from .models import Petition

    qs = Petition.objects.select_related("handling_unit", "accept_deadline", "handle_deadline", "reader")
    if OFFICE in actor.roles:
        return qs
    seats = actor.position_ids | actor.acting_position_ids
    return qs.filter(handling_unit__in=actor.unit_ids) | qs.filter(reader__in=seats)


def petition_list(request: HttpRequest) -> HttpResponse:
    from .models import Petition

    actor = _me(request)
    state = request.GET.get("state", "")
    items = _petition_scope(actor).order_by("-received_on", "-id")
    if state in Petition.State.values:
        items = items.filter(state=state)
    page = Paginator(items, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "openness/petitions.html",
        {
            "page": page,
            "states": Petition.State.choices,
            "state": state,
            "now": timezone.now(),
            "is_office": OFFICE in actor.roles,
            "rules": [rulebook().rule(r) for r in ("petition.accept", "petition.handle")],
        },
    )


def petition_new(request: HttpRequest) -> HttpResponse:
    from . import petitions as pt
    from .models import Petition

    actor = _office(request)
    assert actor.person is not None  # noqa: S101
    values = {k: _clean(request.POST.get(k, "")) for k in (*PETITION_FIELDS, "channel", "received_on")}
    error = ""
    if request.method == "POST":
        try:
            item = pt.petition_receive(
                form=pt.PetitionForm(**{k: values[k] for k in PETITION_FIELDS}),
                channel=values["channel"],
                received_on=_date(values["received_on"], "received_on"),
                entered_by=actor.person,
            )
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            messages.success(request, f"已登记，查询码 {item.code}，请告知信访人。")
            return redirect("openness:petition", pk=item.pk)
    else:
        values.update({"channel": "letter", "received_on": f"{timezone.localdate():%Y-%m-%d}"})
    return render(
        request,
        "openness/petition_form.html",
        {"values": values, "error": error, "channels": [c for c in Petition.Channel.choices if c[0] != "online"]},
    )


def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import Petition

    actor = _me(request)
    item = _scoped(_petition_scope(actor), Petition, pk, "这件信访事项不是交您办理或呈您阅批的，您无权查看。")
    seats = actor.position_ids | actor.acting_position_ids
    office = OFFICE in actor.roles
    handler = office or item.handling_unit_id in actor.unit_ids
    leaders = Position.objects.filter(kind__in=Position.LEADER_KINDS).order_by("rank", "id")
    return render(
        request,
        "openness/petition.html",
        {
            "item": item,
            "accept_trace": _trace_rows(item.accept_deadline),
            "handle_trace": _trace_rows(item.handle_deadline),
            "can_decide": office and item.state == "received",
            "can_read": item.reader_id in seats and not item.instruction,
            "acting": item.reader_id in actor.acting_position_ids and item.reader_id not in actor.position_ids,
            "can_handle": handler and item.state == "accepted",
            "units": Unit.objects.filter(kind__in=(Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED)),
            "leaders": leaders,
            "today": f"{timezone.localdate():%Y-%m-%d}",
            "rules": [
                rulebook().rule(r)
                for r in ("petition.accept", "petition.handle", "petition.extension", "petition.leader-reading")
            ],
        },
    )


@require_POST
def petition_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from . import petitions as pt
    from .models import Petition

    actor = _me(request)
    assert actor.person is not None  # noqa: S101
    item = _scoped(_petition_scope(actor), Petition, pk, "这件信访事项不是交您办理或呈您阅批的，您无权办理。")
    post = _posted(request)
    try:
        if action == "decide":
            accept = post.get("accept") == "1"
            unit = (
                Unit.objects.filter(pk=int(post["handling_unit"])).first()
                if post.get("handling_unit", "").isdigit()
                else None
            )
            reader = (
                Position.objects.filter(pk=int(post["reader"])).first() if post.get("reader", "").isdigit() else None
            )
            pt.petition_decide(
                actor=actor.person,
                petition=item,
                accept=accept,
                handling_unit=unit,
                reason=post.get("reason", ""),
                important=post.get("important") == "1",
                reader=reader,
                on=_date(post.get("on", ""), "on"),
            )
            done = "已受理并交办。" if accept else "已决定不予受理，理由将告知信访人。"
        elif action == "instruct":
            pt.petition_instruct(
                actor=actor.person,
                petition=item,
                instruction=post.get("instruction", ""),
                supervise=post.get("supervise") == "1",
            )
            done = "已批示。"
        elif action == "extend":
            pt.petition_extend(actor=actor.person, petition=item, reason=post.get("reason", ""))
            done = "已延长办理期限，信访人可凭查询码看到。"
        elif action == "close":
            pt.petition_close(actor=actor.person, petition=item, result=post.get("result", ""))
            done = "已办结，信访人可凭查询码查看结果。"
        else:
            raise Http404("没有这项操作。")
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, done)
    return redirect("openness:petition", pk=pk)


# -- the oversight registers and the service catalogue -------------------------------------------


def _case_scope(actor: Actor) -> QuerySet[Any]:
    from .models import OversightCase

    qs = OversightCase.objects.select_related("owner")
    return qs if OFFICE in actor.roles else qs.filter(owner__in=actor.unit_ids)


def register_list(request: HttpRequest) -> HttpResponse:
    from .models import OversightCase

    actor = _me(request)
    kind = request.GET.get("kind", "")
    items = _case_scope(actor).order_by("state", "-received_on", "-id")
    if kind in OversightCase.Kind.values:
        items = items.filter(kind=kind)
    page = Paginator(items, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "openness/registers.html",
        {
            "page": page,
            "kinds": OversightCase.Kind.choices,
            "kind": kind,
            "today": timezone.localdate(),
            "is_office": OFFICE in actor.roles,
            "units": Unit.objects.exclude(kind=Unit.Kind.CITY_GOVERNMENT),
            "rules": [rulebook().rule(r) for r in OversightCase.KIND_RULE.values()],
        },
    )


@require_POST
def register_new(request: HttpRequest) -> HttpResponse:
    from cityhall.rules import InvalidInput

    from . import registers as rg

    actor = _office(request)
    assert actor.person is not None  # noqa: S101
    post = _posted(request)
    try:
        owner = Unit.objects.filter(pk=int(post["owner"])).first() if post.get("owner", "").isdigit() else None
        if owner is None:
            raise InvalidInput("请选择责任单位。", "owner")
        case = rg.case_open(
            actor=actor.person,
            form=rg.CaseForm(
                kind=post.get("kind", ""),
                title=post.get("title", ""),
                detail=post.get("detail", ""),
                owner=owner,
                received_on=_date(post.get("received_on", ""), "received_on"),
                due_on=_date(post["due_on"], "due_on") if post.get("due_on") else None,
                due_basis=post.get("due_basis", ""),
                major=post.get("major") == "1",
            ),
        )
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("openness:registers")
    messages.success(request, "已登记。")
    return redirect("openness:register", pk=case.pk)


def register_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import OversightCase

    actor = _me(request)
    case = _scoped(_case_scope(actor), OversightCase, pk, "这件监督事项不是您的单位负责的，您无权查看。")
    return render(
        request,
        "openness/register.html",
        {
            "case": case,
            "releases": list(case.releases.select_related("by")),
            "rule": rulebook().rule(OversightCase.KIND_RULE[OversightCase.Kind(case.kind)]),
        },
    )


@require_POST
def register_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from . import registers as rg
    from .models import OversightCase

    actor = _me(request)
    assert actor.person is not None  # noqa: S101
    case = _scoped(_case_scope(actor), OversightCase, pk, "这件监督事项不是您的单位负责的，您无权办理。")
    try:
        if action == "release":
            rg.opinion_release(actor=actor.person, case=case, text=_clean(request.POST.get("text", "")))
            done = "权威信息已在政府网站发布。"
        elif action == "close":
            rg.case_close(
                actor=actor.person,
                case=case,
                outcome=_clean(request.POST.get("outcome", "")),
                reported_to_city=request.POST.get("reported_to_city") == "1",
            )
            done = "已办结。"
        else:
            raise Http404("没有这项操作。")
    except RulesError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, done)
    return redirect("openness:register", pk=pk)


def service_list(request: HttpRequest) -> HttpResponse:
    from . import registers as rg
    from .models import ServiceItem

    actor = _me(request)
    assert actor.person is not None  # noqa: S101
    units = _units(actor)
    values = {k: _clean(request.POST.get(k, "")) for k in ("unit", "name", *dict(rg.SERVICE_FIELDS))}
    error = ""
    if request.method == "POST":
        unit = next((u for u in units if str(u.pk) == values["unit"]), None)
        try:
            if unit is None:
                from cityhall.rules import InvalidInput

                raise InvalidInput("请选择实施主体。", "unit")
            rg.service_save(actor=actor.person, unit=unit, name=values["name"], values=values)
        except RulesError as exc:
            error = refusal_text(exc)
        else:
            messages.success(request, "已在政府网站“办事服务”公开。")
            return redirect("openness:services")
    items = ServiceItem.objects.select_related("unit")
    if OFFICE not in actor.roles:
        items = items.filter(unit__in=actor.unit_ids)
    return render(
        request,
        "openness/services.html",
        {
            "items": list(items),
            "units": units,
            "values": values,
            "error": error,
            "fields": rg.SERVICE_FIELDS,
            "rule": rulebook().rule("services.catalogue"),
        },
    )


@login_not_required
@portal_cached
def portal_services(request: HttpRequest) -> HttpResponse:
    from . import registers as rg
    from .models import ServiceItem

    items = ServiceItem.objects.filter(published=True).select_related("unit")
    unit = request.GET.get("unit", "")
    if unit.isdigit():
        items = items.filter(unit_id=int(unit))
    return render(
        request,
        "openness/portal_services.html",
        {
            "items": list(items[:500]),
            "fields": rg.SERVICE_FIELDS,
            "units": Unit.objects.filter(pk__in=ServiceItem.objects.filter(published=True).values("unit_id")),
            "unit": unit,
            "section": "services",
        },
    )
