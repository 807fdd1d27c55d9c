"""The drafting forms: every field shows its limit, validates in Chinese, and never cuts text."""

from __future__ import annotations

from typing import Any

from django import forms

from cityhall.org.models import Position, Unit
from cityhall.rules.signing import CATEGORIES

from .models import STATE_SECRETS, Document
from .services import KINDS


def _limit(name: str) -> int:
    return int(Document._meta.get_field(name).max_length or 0)  # type: ignore[union-attr]


def _text(label: str, name: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    limit = _limit(name)
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        strip=True,
        help_text=help_text or f"最多{limit}个字",
        error_messages={
            "required": f"请填写{label}（不能只有空格）。",
            "max_length": f"{label}最多{limit}个字，您输入了%(show_value)d个字，请精简后再提交（内容未被截断）。",
        },
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": limit, "data-counter": limit}),
    )


class _Base(forms.Form):
    # An idempotency key: a resubmitted (back button, double click) form finds what it created.
    idem = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.HiddenInput | forms.ClearableFileInput):
                widget.attrs.setdefault("class", "form-control")

    def addressee_list(self, name: str) -> list[str]:
        return [a.strip() for a in self.cleaned_data.get(name, "").replace("，", "、").split("、") if a.strip()]


class IncomingForm(_Base):
    """A county or department drafts a document to the city government (请示、报告……)."""

    issuer = forms.ModelChoiceField(label="报送单位", queryset=Unit.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label="文种", choices=[(k, k) for k in ("请示", "报告", "意见", "函")])
    title = _text("标题", "title")
    sender_number = _text(
        "来文字号", "sender_number", required=False, help_text="本单位的发文字号，如 新政发〔2026〕3号"
    )
    urgency = forms.ChoiceField(label="紧急程度", choices=Document.Urgency.choices, required=False)
    classification = forms.ChoiceField(label="密级", choices=Document.Classification.choices, required=False)
    classification_period = _text(
        "保密期限",
        "classification_period",
        required=False,
        help_text="标注秘密、机密、绝密的必须填写，如 10年；工作秘密、商业秘密不标保密期限",
    )
    addressees = _text("主送机关", "addressees", help_text="多个用“、”分隔；一般只主送抚顺市人民政府")
    copied_to = _text("抄送机关", "copied_to", required=False)
    matter_unit = forms.ModelChoiceField(
        label="事项主管部门", queryset=Unit.objects.none(), required=False, empty_label="（同报送单位）"
    )
    signed_by_title = _text("签发人职务", "signed_by_title", help_text="须由主要负责人签发（第四十九条）")
    signer_name = _text("签发人", "signer_name", required=False)
    body = forms.CharField(
        label="正文",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": "请填写正文。"},
    )
    contact_name = _text("联系人", "contact_name", required=False)
    contact_phone = _text("联系电话", "contact_phone", required=False)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])  # type: ignore[attr-defined]
        self.fields["matter_unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("classification") in STATE_SECRETS and not data.get("classification_period"):
            self.add_error("classification_period", "标注国家秘密密级的公文必须同时标注保密期限（GB/T 9704-2012）。")
        if data.get("body") is not None and not str(data["body"]).strip():
            self.add_error("body", "请填写正文（不能只有空格）。")
        return data

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "title": d["title"],
            "body": d["body"],
            "addressees": self.addressee_list("addressees"),
            "copied_to": self.addressee_list("copied_to"),
            "signed_by_title": d["signed_by_title"],
            "signer_name": d.get("signer_name", ""),
            "sender_number": d.get("sender_number", ""),
            "urgency": d.get("urgency", ""),
            "classification": d.get("classification", ""),
            "classification_period": d.get("classification_period", ""),
            "contact_name": d.get("contact_name", ""),
            "contact_phone": d.get("contact_phone", ""),
            "matter_unit": d.get("matter_unit"),
        }


FACT_LABELS = {
    "department_matter": "属部门职权范围内的事务",
    "government_approved": "已报经市政府领导同志批准",
    "directive": "含指令性要求",
    "normative": "属行政规范性文件",
}


class OutgoingForm(_Base):
    """发文拟稿: the office or a department drafts a document to be issued."""

    issuer = forms.ModelChoiceField(label="发文机关", queryset=Unit.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label="文种", choices=[(k, k) for k in KINDS if k not in ("请示", "报告")])
    signing_category = forms.ChoiceField(
        label="签发类别（第五十一条）", choices=[(k, label) for k, (_, label) in CATEGORIES.items()]
    )
    title = _text("标题", "title")
    addressees = _text("主送机关", "addressees", help_text="多个用“、”分隔，如 各县（区）人民政府、市政府各部门")
    copied_to = _text("抄送机关", "copied_to", required=False)
    matter_unit = forms.ModelChoiceField(
        label="事项主管部门（确定分管领导）", queryset=Unit.objects.none(), required=False, empty_label="（同发文机关）"
    )
    touched_leaders = forms.ModelMultipleChoiceField(
        label="需会签的领导同志（内容涉及其分管范围）", queryset=Position.objects.none(), required=False
    )
    urgency = forms.ChoiceField(label="紧急程度", choices=Document.Urgency.choices, required=False)
    classification = forms.ChoiceField(label="密级", choices=Document.Classification.choices, required=False)
    classification_period = _text("保密期限", "classification_period", required=False)
    disclosure = forms.ChoiceField(label="公开属性", choices=Document.Disclosure.choices, initial="proactive")
    disclosure_reason = _text("不予公开理由", "disclosure_reason", required=False)
    important = forms.BooleanField(label="重要公文（函件、办公室发文由市长签发）", required=False)
    executive_decided_or_routine = forms.BooleanField(label="常务会议已决定或属例行批准手续", required=False)
    department_matter = forms.BooleanField(label=FACT_LABELS["department_matter"], required=False)
    government_approved = forms.BooleanField(label=FACT_LABELS["government_approved"], required=False)
    directive = forms.BooleanField(label=FACT_LABELS["directive"], required=False)
    normative = forms.BooleanField(label=FACT_LABELS["normative"], required=False)
    body = forms.CharField(label="正文", strip=False, widget=forms.Textarea(attrs={"rows": 14}))
    attachment_note = forms.CharField(
        label="附件说明", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="如 1.养护资金分配表"
    )
    contact_name = _text("联系人", "contact_name", required=False)
    contact_phone = _text("联系电话", "contact_phone", required=False)
    copies = forms.IntegerField(label="印数", min_value=1, max_value=9999, initial=1)
    reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, issuers: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = Unit.objects.filter(pk__in=[u.pk for u in issuers])  # type: ignore[attr-defined]
        self.fields["matter_unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.AFFILIATED]
        )
        leaders = Position.objects.filter(rank__isnull=False).order_by("rank")
        self.fields["touched_leaders"].queryset = leaders  # type: ignore[attr-defined]
        from django.utils import timezone

        from .services import position_label

        now = timezone.now()
        self.fields["touched_leaders"].label_from_instance = lambda p: position_label(p, now)  # type: ignore[attr-defined]
        self.fields["touched_leaders"].widget.attrs["size"] = 6

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("classification") in STATE_SECRETS and not data.get("classification_period"):
            self.add_error("classification_period", "标注国家秘密密级的公文必须同时标注保密期限（GB/T 9704-2012）。")
        if data.get("disclosure") == "withheld" and not data.get("disclosure_reason"):
            self.add_error("disclosure_reason", "公开属性为“不予公开”的，必须说明理由（第二十八条）。")
        if data.get("body") is not None and not str(data["body"]).strip():
            self.add_error("body", "请填写正文（不能只有空格）。")
        return data

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "title": d["title"],
            "body": d["body"],
            "addressees": self.addressee_list("addressees"),
            "copied_to": self.addressee_list("copied_to"),
            "matter_unit": d.get("matter_unit"),
            "touched_leaders": [p.code for p in d.get("touched_leaders") or []],
            "important": bool(d.get("important")),
            "executive_decided_or_routine": bool(d.get("executive_decided_or_routine")),
            "issuing_facts": {k: bool(d.get(k)) for k in FACT_LABELS},
            "disclosure": d["disclosure"],
            "disclosure_reason": d.get("disclosure_reason", ""),
            "classification": d.get("classification", ""),
            "classification_period": d.get("classification_period", ""),
            "urgency": d.get("urgency", ""),
            "attachment_note": d.get("attachment_note", ""),
            "contact_name": d.get("contact_name", ""),
            "contact_phone": d.get("contact_phone", ""),
            "copies": d.get("copies") or 1,
        }
