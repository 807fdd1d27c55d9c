"""The topic application form (《市政府常务会议议题申报单》): Chinese errors, nothing lost on a refusal."""

from __future__ import annotations

from typing import Any

from django import forms

from cityhall.org.models import Unit

from .models import Topic
from .services import TopicForm

CONSULTATION_ROWS = 4


def _css(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        else:
            widget.attrs.setdefault("class", "form-control")


class TopicApplicationForm(forms.Form):
    meeting_kind = forms.ChoiceField(label="会议类型", choices=Topic.KIND_CHOICES, initial="executive")
    matter = forms.CharField(
        label="议题名称",
        max_length=200,
        help_text="最多200个字",
        error_messages={
            "required": "请填写议题名称（不能只有空格）。",
            "max_length": "议题名称最多200个字，请精简（内容未被截断）。",
        },
    )
    host_unit = forms.ModelChoiceField(label="承办单位", queryset=Unit.objects.none(), empty_label=None)
    reporting_unit = forms.ModelChoiceField(label="汇报单位", queryset=Unit.objects.none(), empty_label=None)
    basis = forms.CharField(
        label="提请审议的依据和理由",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写提请审议的依据和理由。"},
    )
    legality_review_needed = forms.BooleanField(label="需要合法性审查（工作规则第二十六条）", required=False)
    legality_review_done = forms.BooleanField(label="已完成合法性审查", required=False)
    materials = forms.CharField(label="会议材料", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, host_units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.exclude(kind=Unit.Kind.CITY_GOVERNMENT)
        self.fields["host_unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in host_units])  # type: ignore[attr-defined]
        self.fields["reporting_unit"].queryset = units  # type: ignore[attr-defined]
        for i in range(CONSULTATION_ROWS):
            self.fields[f"consulted_{i}"] = forms.ModelChoiceField(
                label=f"征求意见单位{i + 1}", queryset=units, required=False, empty_label="（不填）"
            )
            self.fields[f"opinion_{i}"] = forms.CharField(
                label=f"单位{i + 1}的意见", required=False, widget=forms.TextInput()
            )
        _css(self)

    def consultation_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"consulted_{i}"], self[f"opinion_{i}"]) for i in range(CONSULTATION_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(CONSULTATION_ROWS):
            unit, opinion = data.get(f"consulted_{i}"), (data.get(f"opinion_{i}") or "").strip()
            if unit is None and opinion:
                self.add_error(f"consulted_{i}", "请选择提出这条意见的单位。")
            elif unit is not None and not opinion:
                self.add_error(f"opinion_{i}", f"请填写{unit.name}的意见。")
        return data

    def to_service(self) -> TopicForm:
        d = self.cleaned_data
        rows = [(d[f"consulted_{i}"], d[f"opinion_{i}"]) for i in range(CONSULTATION_ROWS) if d.get(f"consulted_{i}")]
        return TopicForm(
            meeting_kind=d["meeting_kind"],
            matter=d["matter"],
            host_unit=d["host_unit"],
            reporting_unit=d["reporting_unit"],
            basis=d["basis"],
            legality_review_needed=d["legality_review_needed"],
            legality_review_done=d["legality_review_done"],
            materials=d.get("materials", ""),
            consultations=rows,
        )

    @classmethod
    def initial_from(cls, topic: Topic) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "meeting_kind": topic.meeting_kind,
            "matter": topic.matter,
            "host_unit": topic.host_unit_id,
            "reporting_unit": topic.reporting_unit_id,
            "basis": topic.basis,
            "legality_review_needed": topic.legality_review_needed,
            "legality_review_done": topic.legality_review_done,
            "materials": topic.materials,
        }
        for i, c in enumerate(topic.consultations.all()[:CONSULTATION_ROWS]):
            initial[f"consulted_{i}"] = c.unit_id
            initial[f"opinion_{i}"] = c.opinion
        return initial
