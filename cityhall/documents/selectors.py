"""Reads: the documents a viewer may see, the list's filters, and one document's sheet."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from cityhall.accounts.permissions import ADMIN, OFFICE, Actor
from cityhall.org.models import Unit
from cityhall.rules import document_flow as flow
from cityhall.workflow.models import InboxItem

from .models import Countersign, Document


def visible_documents(actor: Actor) -> QuerySet[Document]:
    """Every document the viewer may open (the same rule as ``document.view``, as one query)."""
    qs = Document.objects.select_related("issuer_unit", "routed_to", "drafting_unit")
    if OFFICE in actor.roles or ADMIN in actor.roles:
        return qs
    if actor.person is None:
        return qs.none()
    seats = actor.position_ids | actor.acting_position_ids
    reach = Q(assignee_position_id__in=seats) | Q(
        assignee_position__isnull=True, assignee_person__isnull=True, unit_id__in=actor.pool_unit_ids
    )
    reach |= Q(assignee_person=actor.person) | Q(done_by=actor.person)
    items = InboxItem.objects.filter(
        reach,
        subject_type=ContentType.objects.get_for_model(Document),
        subject_id=Cast(OuterRef("pk"), output_field=InboxItem._meta.get_field("subject_id")),
    )
    countersigned = Countersign.objects.filter(document=OuterRef("pk"), unit_id__in=actor.unit_ids)
    return qs.filter(
        Q(issuer_unit_id__in=actor.unit_ids)
        | Q(drafting_unit_id__in=actor.unit_ids)
        | Q(routed_to_id__in=seats)
        | Exists(countersigned)
        | Exists(items)
    )


QUEUES = {
    "open": ("在办", Q(state__in=flow.OPEN_STATES)),
    "drafts": ("草稿", Q(state__in=[flow.DRAFT, flow.RETURNED])),
    "finished": ("已办结", Q(state__in=flow.FINISHED_STATES)),
    "all": ("全部", Q()),
}


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="关键词")
    queue = django_filters.ChoiceFilter(
        method="in_queue", choices=[(k, v[0]) for k, v in QUEUES.items()], label="范围", empty_label=None
    )
    state = django_filters.ChoiceFilter(choices=list(flow.STATE_LABELS.items()), label="状态", empty_label="全部状态")
    direction = django_filters.ChoiceFilter(
        choices=Document.Direction.choices, label="收发文", empty_label="收文和发文"
    )
    kind = django_filters.ChoiceFilter(
        choices=[(k, k) for k in ("请示", "报告", "通知", "批复", "函", "意见", "纪要", "决定")],
        label="文种",
        empty_label="全部文种",
    )
    issuer_unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), label="来文/发文单位", empty_label="全部单位"
    )
    urgency = django_filters.ChoiceFilter(choices=Document.Urgency.choices[1:], label="紧急程度", empty_label="不限")
    start = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="起始日期")
    end = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="截止日期")
    sort = django_filters.OrderingFilter(
        fields=(("created_at", "created"), ("title", "title"), ("updated_at", "updated"), ("handling_due", "due")),
        field_labels={"created": "创建时间", "title": "标题", "updated": "最近办理", "due": "限办日期"},
        label="排序",
        empty_label="最新在前",
    )

    class Meta:
        model = Document
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.form.fields.values():
            if isinstance(f.widget, forms.Select):
                f.widget.attrs["class"] = "form-select"
            else:
                f.widget.attrs["class"] = "form-control"
            if isinstance(f, forms.DateField):
                f.widget.input_type = "date"
                f.error_messages["invalid"] = "日期无效，请按 年-月-日 填写。"

    def search(self, qs: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        # Chinese text: a substring match on what a clerk remembers (title, numbers, unit).
        words = [w for w in value.replace("　", " ").split() if w][:5]
        for word in words:
            qs = qs.filter(
                Q(title__icontains=word)
                | Q(document_number__icontains=word)
                | Q(receipt_number__icontains=word)
                | Q(sender_number__icontains=word)
                | Q(issuer_unit__name__icontains=word)
            )
        return qs

    def in_queue(self, qs: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        return qs.filter(QUEUES.get(value, QUEUES["open"])[1])
