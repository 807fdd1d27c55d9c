"""Publishing on the portal (Art 28–30).

- Art 28: the meetings' decisions and the policies made are published unless the law requires secrecy;
  a classified document, or one whose disclosure attribute is not 主动公开, never reaches the portal.
- Art 30: 谁起草、谁解读. A policy goes out only with its drafting unit's interpretation, each of the
  sections Art 30 lists written (「不涉及」 where one does not apply); only the drafting unit writes it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cityhall.documents.models import Document
from cityhall.documents.services import check_lengths
from cityhall.org.models import Person, Unit
from cityhall.org.selectors import positions_held
from cityhall.rulebase.selectors import rulebook
from cityhall.rules import InvalidInput, RuleViolation
from cityhall.rules.applies import applies
from cityhall.workflow import audit
from cityhall.workflow.audit import audit_record

from . import search
from .cache import portal_changed
from .models import SUBJECTS, Interpretation, InterpretationImage, Publication

P = Publication
CHART_POINTS = 12


class PublicationError(RuleViolation):
    pass


def _cite(rule_id: str) -> str:
    return rulebook().rule(rule_id).citation


def _units_of(actor: Person, at: dt.datetime) -> set[int]:
    return {p.unit_id for p in positions_held(actor, at)}


def is_office(actor: Person, at: dt.datetime) -> bool:
    return any(p.unit.kind == Unit.Kind.GENERAL_OFFICE for p in positions_held(actor, at))


def general_office() -> Unit:
    return Unit.objects.get(kind=Unit.Kind.GENERAL_OFFICE)


def in_unit_or_office(actor: Person, unit_id: int | None, at: dt.datetime) -> bool:
    """Whether the actor works in the unit, or in the General Office, which may act for any unit."""
    return unit_id in _units_of(actor, at) or is_office(actor, at)


def refuse_unreadable(values: dict[str, str]) -> None:
    """Refuse a public form's text that holds control characters or U+FFFD, which is what undecodable
    bytes (a lone surrogate, a wrong encoding) became on the way in."""
    for field, value in values.items():
        if "\ufffd" in value or any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            raise InvalidInput("填写的内容含有无法识别的字符，请删除后重新填写。", field)


def may_manage(actor: Person, pub: Publication, at: dt.datetime) -> bool:
    """The issuing or drafting unit, or the General Office (which runs the portal)."""
    return bool({pub.issuer_id, pub.drafting_unit_id} & _units_of(actor, at)) or is_office(actor, at)


def plain_text(value: str) -> str:
    """Stored text holds no HTML: tags are removed, so nothing typed on a form is ever markup."""
    import nh3

    cleaned = nh3.clean(value, tags=set(), attributes={}, strip_comments=True)
    # nh3 escapes what it keeps; the templates escape again, so store the characters themselves.
    return cleaned.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&").strip()


@dataclass(frozen=True)
class PublicationForm:
    kind: str
    title: str
    subject: str
    issued_on: dt.date
    body: str
    issuer: Unit
    drafting_unit: Unit | None = None
    document_number: str = ""


def _reindex(pub: Publication) -> None:
    pub.title_index = search.index_text(pub.title)
    pub.body_index = search.index_text(pub.body)


@applies("disclosure.publish", "openness.interpretation")
def publication_create(
    *,
    actor: Person,
    form: PublicationForm,
    document: Document | None = None,
    minutes: Any = None,
    at: dt.datetime | None = None,
) -> Publication:
    """A department or the office enters an item to publish (a department's own policy, a notice)."""
    at = at or timezone.now()
    if form.kind not in P.Kind.values:
        raise InvalidInput("请选择类别。", "kind")
    if form.subject not in dict(SUBJECTS):
        raise InvalidInput("请选择主题分类。", "subject")
    title, body = plain_text(form.title), plain_text(form.body)
    if not title:
        raise InvalidInput("请填写标题。", "title")
    if not body:
        raise InvalidInput("请填写正文。", "body")
    if form.issued_on > timezone.localdate(at):
        raise InvalidInput("成文日期不能晚于今天。", "issued_on")
    units = _units_of(actor, at)
    drafting = form.drafting_unit or form.issuer
    if not ({form.issuer.pk, drafting.pk} & units) and not is_office(actor, at):
        raise InvalidInput(f"您不在{form.issuer.name}任职，不能以该单位名义发布。", "issuer")
    number = plain_text(form.document_number)
    check_lengths(P, {"title": title, "document_number": number})
    with audit.atomic():
        pub = P(
            kind=form.kind,
            title=title,
            document_number=number,
            issuer=form.issuer,
            drafting_unit=drafting,
            subject=form.subject,
            issued_on=form.issued_on,
            body=body[:200000],
            document=document,
            minutes=minutes,
            created_by=actor,
            created_at=at,
        )
        _reindex(pub)
        pub.save()
        audit_record(
            actor=actor,
            action="publication.draft",
            subject=pub,
            after={"kind": pub.kind, "title": pub.title},
            rule_ids=["disclosure.publish"],
            at=at,
        )
    return pub


@applies("disclosure.publish")
def publication_from_document(
    *, actor: Person, document: Document, kind: str, subject: str, at: dt.datetime | None = None
) -> Publication:
    """An issued city-government document becomes a draft item, with its number, date and full text."""
    at = at or timezone.now()
    if document.classification:
        raise PublicationError(
            "publication.classified",
            _cite("disclosure.publish"),
            f"这份公文标注了“{document.classification}”，依法需要保密，不能在政府网站公开。",
        )
    if document.disclosure != Document.Disclosure.PROACTIVE:
        raise PublicationError(
            "publication.not_proactive",
            _cite("disclosure.publish"),
            f"这份公文的公开属性是“{document.get_disclosure_display()}”，只有“主动公开”的公文在政府网站发布。",
        )
    if not document.document_number or document.printed_on is None:
        raise PublicationError(
            "publication.not_issued", _cite("disclosure.publish"), "公文印发后才能公开：这份公文尚未编号印发。"
        )
    if hasattr(document, "publication"):
        raise PublicationError("publication.exists", _cite("disclosure.publish"), "这份公文已经在公开目录中。")
    return publication_create(
        actor=actor,
        form=PublicationForm(
            kind=kind,
            title=document.title,
            subject=subject,
            issued_on=document.printed_on,
            body=document.body,
            issuer=document.issuer_unit,
            drafting_unit=document.drafting_unit or document.issuer_unit,
            document_number=document.document_number,
        ),
        document=document,
        at=at,
    )


@applies("disclosure.publish")
def publication_from_minutes(*, actor: Person, minutes: Any, at: dt.datetime | None = None) -> Publication:
    """An issued plenary or executive meeting's minutes that are to be published (Art 28): its decisions go
    on the portal, unless the minutes are secret."""
    from cityhall.meetings.models import Minutes

    at = at or timezone.now()
    rule = _cite("disclosure.publish")
    if minutes.state != Minutes.State.ISSUED:
        raise PublicationError("publication.not_issued", rule, "会议纪要印发后才能公开。")
    if minutes.secret:
        raise PublicationError("publication.classified", rule, "这份会议纪要涉密，依法需要保密，不能公开。")
    if not minutes.publishable:
        raise PublicationError(
            "publication.not_proactive",
            rule,
            f"这份会议纪要不属于应主动公开的：{minutes.publishable_reason or '未标注'}。",
        )
    if Publication.objects.filter(minutes=minutes).exists():
        raise PublicationError("publication.exists", rule, "这份会议纪要已经在公开目录中。")
    office = Unit.objects.get(kind=Unit.Kind.GENERAL_OFFICE)
    item = publication_create(
        actor=actor,
        form=PublicationForm(
            kind=Publication.Kind.DECISION,
            title=f"{minutes.meeting.title}决定事项",
            subject="general",
            issued_on=timezone.localdate(minutes.issued_at or at),
            body=minutes.body,
            issuer=office,
            document_number=minutes.number,
        ),
        minutes=minutes,
        at=at,
    )
    return publication_publish(actor=actor, publication=item, at=at)


def pending_sources(actor: Person, at: dt.datetime) -> dict[str, list[Any]]:
    """What Art 28 says should be published and is not yet: issued 主动公开 documents of the actor's units
    (all of them for the office) and, for the office, issued publishable minutes."""
    from cityhall.documents.models import Document as Doc
    from cityhall.meetings.models import Minutes

    docs = Doc.objects.filter(
        printed_on__isnull=False, disclosure=Doc.Disclosure.PROACTIVE, classification="", publication__isnull=True
    ).exclude(document_number="")
    if not is_office(actor, at):
        units = _units_of(actor, at)
        docs = docs.filter(issuer_unit__in=units) | docs.filter(drafting_unit__in=units)
    minutes = (
        Minutes.objects.filter(state=Minutes.State.ISSUED, secret=False, publishable=True, publication__isnull=True)
        .select_related("meeting")
        .order_by("-issued_at")
        if is_office(actor, at)
        else Minutes.objects.none()
    )
    return {"documents": list(docs.order_by("-printed_on")[:50]), "minutes": list(minutes[:50])}


def _clean_chart(rows: list[tuple[str, str]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for label, value in rows:
        label, value = label.strip(), value.strip()
        if not label and not value:
            continue
        if not label or not value:
            raise InvalidInput("图表的每一行须同时填写项目和数值。", "chart")
        try:
            number = float(value)
        except ValueError:
            raise InvalidInput(f"图表数值“{value[:20]}”不是数字。", "chart") from None
        out.append({"label": plain_text(label)[:20], "value": number})
    if len(out) > CHART_POINTS:
        raise InvalidInput(f"图表最多{CHART_POINTS}项。", "chart")
    return out


@applies("openness.interpretation")
def interpretation_save(
    *,
    actor: Person,
    publication: Publication,
    sections: dict[str, str],
    chart_title: str = "",
    chart: list[tuple[str, str]] | None = None,
    at: dt.datetime | None = None,
) -> Interpretation:
    """The drafting unit writes or revises the interpretation; any unit else is refused (谁起草、谁解读)."""
    at = at or timezone.now()
    if publication.drafting_unit_id not in _units_of(actor, at):
        raise PublicationError(
            "interpretation.not_drafter",
            _cite("openness.interpretation"),
            f"按照“谁起草、谁解读”的原则，这份政策由起草单位{publication.drafting_unit.name}解读。",
        )
    names = [n for n, _ in Interpretation.SECTIONS]
    values = {n: plain_text(sections.get(n, ""))[:20000] for n in names}
    points = _clean_chart(chart or [])
    title = plain_text(chart_title)
    check_lengths(Interpretation, {"chart_title": title})
    with audit.atomic():
        item, created = Interpretation.objects.update_or_create(
            publication=publication,
            defaults={
                **values,
                "unit": publication.drafting_unit,
                "chart_title": title,
                "chart": points,
                "written_by": actor,
                "written_at": at,
            },
        )
        audit_record(
            actor=actor,
            action="publication.interpret",
            subject=publication,
            after={"missing": item.missing(), "chart": len(points), "created": created},
            rule_ids=["openness.interpretation"],
            at=at,
        )
    return item


@applies("openness.interpretation", "disclosure.publish")
def publication_publish(*, actor: Person, publication: Publication, at: dt.datetime | None = None) -> Publication:
    """Publish on the portal. A policy without a complete interpretation by its drafting unit is refused."""
    at = at or timezone.now()
    with audit.atomic():
        pub = P.objects.select_for_update().get(pk=publication.pk)
        if not may_manage(actor, pub, at):
            raise PublicationError(
                "publication.not_owner",
                _cite("disclosure.publish"),
                "只有发布机构、起草单位或市政府办公室可以发布这条信息。",
            )
        if pub.state == P.State.PUBLISHED:
            raise PublicationError("publication.done", _cite("disclosure.publish"), "这条信息已经发布。")
        if pub.needs_interpretation:
            found = Interpretation.objects.filter(publication=pub).first()
            rule = rulebook().rule("openness.interpretation")
            if found is None:
                raise PublicationError(
                    "publication.no_interpretation",
                    rule.citation,
                    f"政策文件须同时发布起草单位（{pub.drafting_unit.name}）的政策解读，"
                    "请先撰写解读（谁起草、谁解读）。",
                )
            missing = found.missing()
            if missing:
                raise PublicationError(
                    "publication.interpretation_incomplete",
                    rule.citation,
                    f"政策解读缺少：{'、'.join(missing)}。确不涉及的，请写明“不涉及”。",
                )
        pub.state, pub.published_at, pub.withdrawn_reason = P.State.PUBLISHED, at, ""
        pub.save(update_fields=["state", "published_at", "withdrawn_reason"])
        transaction.on_commit(portal_changed)
        audit_record(
            actor=actor,
            action="publication.publish",
            subject=pub,
            after={"state": pub.state},
            rule_ids=["disclosure.publish"] + (["openness.interpretation"] if pub.needs_interpretation else []),
            at=at,
        )
    return pub


def publication_withdraw(
    *, actor: Person, publication: Publication, reason: str, at: dt.datetime | None = None
) -> Publication:
    at = at or timezone.now()
    reason = plain_text(reason)
    if not reason:
        raise InvalidInput("请写明撤下的理由。", "reason")
    with audit.atomic():
        pub = P.objects.select_for_update().get(pk=publication.pk)
        if not may_manage(actor, pub, at):
            raise PublicationError(
                "publication.not_owner",
                _cite("disclosure.publish"),
                "只有发布机构、起草单位或市政府办公室可以撤下这条信息。",
            )
        if pub.state != P.State.PUBLISHED:
            raise InvalidInput("这条信息尚未发布。", "state")
        pub.state, pub.withdrawn_reason = P.State.WITHDRAWN, reason[:200]
        pub.save(update_fields=["state", "withdrawn_reason"])
        transaction.on_commit(portal_changed)
        audit_record(
            actor=actor,
            action="publication.withdraw",
            subject=pub,
            after={"reason": reason},
            rule_ids=["disclosure.publish"],
            at=at,
        )
    return pub


IMAGE_LIMIT = 2 * 1024 * 1024
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg"}


@applies("openness.interpretation")
def interpretation_image_add(
    *, actor: Person, interpretation: Interpretation, upload: Any, caption: str, at: dt.datetime | None = None
) -> InterpretationImage:
    """An image for the interpretation (图文并茂): PNG or JPEG, checked by its content, not its name."""
    import uuid

    from django.core.files.base import ContentFile
    from PIL import Image, UnidentifiedImageError

    at = at or timezone.now()
    if interpretation.unit_id not in _units_of(actor, at):
        raise PublicationError(
            "interpretation.not_drafter",
            _cite("openness.interpretation"),
            f"按照“谁起草、谁解读”的原则，这份政策由起草单位{interpretation.unit.name}解读。",
        )
    caption = plain_text(caption)
    if not caption:
        raise InvalidInput("请填写图片说明（供读屏软件朗读）。", "caption")
    check_lengths(InterpretationImage, {"caption": caption})
    if upload.size > IMAGE_LIMIT:
        raise InvalidInput(f"图片不能超过 {IMAGE_LIMIT // 1024 // 1024} MB。", "image")
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise InvalidInput("只能上传 PNG 或 JPEG 图片：这个文件不是图片。", "image") from None
    if kind not in IMAGE_FORMATS:
        raise InvalidInput("只能上传 PNG 或 JPEG 图片。", "image")
    with audit.atomic():
        image = InterpretationImage(interpretation=interpretation, caption=caption, uploaded_at=at)
        image.image.save(f"{uuid.uuid4().hex}.{IMAGE_FORMATS[kind]}", ContentFile(data), save=False)
        image.save()
        audit_record(
            actor=actor,
            action="publication.interpret",
            subject=interpretation.publication,
            after={"image": image.image.name, "caption": caption},
            rule_ids=["openness.interpretation"],
            at=at,
        )
    return image
