"""The registers of the oversight the city government receives, and the service catalogue.

- Court cases and audit findings (Art 33), reconsideration cases (Art 35), public and press oversight
  (Art 36) and public-opinion cases (Art 31): each with its owner, its date (entered with its basis, as
  the laws that set it are outside this rulebook) and its outcome. An audit finding closes only with
  the rectification reported to the city government; a major press case publishes its result on the
  portal when it closes; a public-opinion case on a major emergency has its authoritative releases on
  the portal, at least one before it closes.
- The service catalogue (Art 29 ¶2): each item with the seven things the article lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cityhall.documents.services import check_lengths
from cityhall.org.models import Person, Unit
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record

from . import services as pub
from .cache import portal_changed
from .models import OpinionRelease, OversightCase, Publication, ServiceItem

C = OversightCase


class RegisterError(RuleViolation):
    pass


@dataclass(frozen=True)
class CaseForm:
    kind: str
    title: str
    detail: str
    owner: Unit
    received_on: dt.date
    due_on: dt.date | None = None
    due_basis: str = ""
    major: bool = False


@applies("oversight.litigation", "oversight.audit", "oversight.reconsideration", "oversight.media", "opinion.response")
def case_open(*, actor: Person, form: CaseForm, at: dt.datetime | None = None) -> OversightCase:
    at = at or timezone.now()
    if form.kind not in C.Kind.values:
        raise InvalidInput("请选择类别。", "kind")
    if not pub.is_office(actor, at):
        raise RegisterError(
            "register.office", rulebook().rule(C.KIND_RULE[C.Kind(form.kind)]).citation, "监督事项由市政府办公室登记。"
        )
    title, detail, basis = pub.plain_text(form.title), pub.plain_text(form.detail), pub.plain_text(form.due_basis)
    if not title or not detail:
        raise InvalidInput("请填写事项和基本情况。", "title")
    if form.received_on > timezone.localdate(at):
        raise InvalidInput("收到（发现）日期不能晚于今天。", "received_on")
    if form.due_on is not None and (form.due_on < form.received_on or not basis):
        raise InvalidInput("期限不能早于收到之日，并请写明期限的依据（法律条款或交办要求）。", "due_basis")
    check_lengths(C, {"title": title, "due_basis": basis})
    with audit.atomic():
        case = C.objects.create(
            kind=form.kind,
            title=title,
            detail=detail[:20000],
            owner=form.owner,
            received_on=form.received_on,
            due_on=form.due_on,
            due_basis=basis,
            major=form.major,
            created_by=actor,
            created_at=at,
        )
        audit_record(
            actor=actor,
            action="oversight.open",
            subject=case,
            after={
                "kind": case.kind,
                "owner": form.owner.code,
                "due": form.due_on.isoformat() if form.due_on else None,
            },
            rule_ids=[C.KIND_RULE[C.Kind(case.kind)]],
            at=at,
        )
    return case


def _publish(actor: Person, title: str, body: str, issuer: Unit, at: dt.datetime) -> Publication:
    item = pub.publication_create(
        actor=actor,
        form=pub.PublicationForm(
            kind=Publication.Kind.NOTICE,
            title=title[:200],
            subject="general",
            issued_on=timezone.localdate(at),
            body=body,
            issuer=issuer,
        ),
        at=at,
    )
    return pub.publication_publish(actor=actor, publication=item, at=at)


@applies("opinion.response")
def opinion_release(*, actor: Person, case: OversightCase, text: str, at: dt.datetime | None = None) -> OpinionRelease:
    """An authoritative release on a public-opinion case, published on the portal at once."""
    at = at or timezone.now()
    rule = rulebook().rule("opinion.response")
    text = pub.plain_text(text)
    if case.kind != C.Kind.OPINION:
        raise RegisterError("register.not_opinion", rule.citation, "只有政务舆情登记权威信息发布。")
    if not pub.in_unit_or_office(actor, case.owner.pk, at):
        raise RegisterError(
            "register.owner", rule.citation, f"权威信息由回应责任单位{case.owner.name}或市政府办公室发布。"
        )
    if not text:
        raise InvalidInput("请填写发布内容。", "text")
    with audit.atomic():
        release = OpinionRelease.objects.create(
            case=case,
            text=text[:20000],
            released_at=at,
            by=actor,
            publication=_publish(actor, f"关于“{case.title}”的情况通报", text, case.owner, at),
        )
        audit_record(
            actor=actor,
            action="oversight.release",
            subject=case,
            after={"publication": release.publication_id},
            rule_ids=["opinion.response"],
            at=at,
        )
    return release


@applies("oversight.litigation", "oversight.audit", "oversight.reconsideration", "oversight.media", "opinion.response")
def case_close(
    *, actor: Person, case: OversightCase, outcome: str, reported_to_city: bool = False, at: dt.datetime | None = None
) -> OversightCase:
    at = at or timezone.now()
    outcome = pub.plain_text(outcome)
    rule = rulebook().rule(C.KIND_RULE[C.Kind(case.kind)])
    with audit.atomic():
        locked = C.objects.select_for_update(of=("self",)).select_related("owner").get(pk=case.pk)
        if not pub.in_unit_or_office(actor, locked.owner.pk, at):
            raise RegisterError("register.owner", rule.citation, f"由责任单位{locked.owner.name}或市政府办公室办结。")
        if locked.state == C.State.CLOSED:
            raise RegisterError("register.closed", rule.citation, "已经办结。")
        if not outcome:
            raise InvalidInput("请写明结果。", "outcome")
        if locked.kind == C.Kind.AUDIT and not reported_to_city:
            raise RegisterError(
                "register.audit_report",
                rule.citation,
                "整改情况须向市政府报告：报告后请勾选“已向市政府报告整改情况”再办结。",
            )
        if locked.kind == C.Kind.OPINION and locked.major and not locked.releases.exists():
            raise RegisterError(
                "register.no_release", rule.citation, "涉及特别重大、重大突发事件的政务舆情，办结前须发布权威信息。"
            )
        locked.state, locked.outcome, locked.closed_at = C.State.CLOSED, outcome[:20000], at
        locked.reported_to_city = reported_to_city
        if locked.kind == C.Kind.MEDIA and locked.major:
            locked.publication = _publish(actor, f"关于“{locked.title}”的处理结果", outcome, locked.owner, at)
        locked.save()
        audit_record(
            actor=actor,
            action="oversight.close",
            subject=locked,
            after={"published": locked.publication_id},
            rule_ids=[rule.id],
            at=at,
        )
    return locked


SERVICE_FIELDS = (
    ("basis", "设定依据"),
    ("process", "办理流程"),
    ("fees", "收费标准"),
    ("time_limit", "办理时限"),
    ("result", "办理结果"),
    ("supervision", "监督方式"),
)


@applies("services.catalogue")
def service_save(
    *, actor: Person, unit: Unit, name: str, values: dict[str, str], at: dt.datetime | None = None
) -> ServiceItem:
    """A service item, published only with everything Art 29 ¶2 lists; by its implementing unit or the office."""
    at = at or timezone.now()
    rule = rulebook().rule("services.catalogue")
    if not pub.in_unit_or_office(actor, unit.pk, at):
        raise RegisterError("services.unit", rule.citation, f"服务事项由实施主体{unit.name}或市政府办公室维护。")
    name = pub.plain_text(name)
    cleaned = {k: pub.plain_text(values.get(k, "")) for k, _ in SERVICE_FIELDS}
    missing = ["事项名称"] * (not name) + [label for k, label in SERVICE_FIELDS if not cleaned[k]]
    if missing:
        raise RegisterError(
            "services.incomplete",
            rule.citation,
            f"服务事项须公开所列各项信息，缺少：{'、'.join(missing)}（不收费的写“不收费”）。",
        )
    check_lengths(ServiceItem, {"name": name, **{k: v for k, v in cleaned.items() if k not in ("basis", "process")}})
    with audit.atomic():
        item, _ = ServiceItem.objects.update_or_create(
            unit=unit, name=name, defaults={**cleaned, "updated_at": at, "updated_by": actor, "published": True}
        )
        transaction.on_commit(portal_changed)
        audit_record(
            actor=actor,
            action="services.save",
            subject=item,
            after={"name": name, "unit": unit.code},
            rule_ids=["services.catalogue"],
            at=at,
        )
    return item
