"""Names for the codes the audit trail stores: the trail keeps stable codes (``document.sign``), people read
names (签发). A code nobody has named yet is shown as its nearest family name, never as the code itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.apps import apps

from cityhall.rules.document_flow import ACTION_LABELS as DOCUMENT_STEPS
from cityhall.rules.document_flow import STATE_LABELS as DOCUMENT_STATES

ACTIONS: dict[str, str] = {
    "document.draft": "拟稿",
    "document.edit": "修改公文",
    "document.delete_draft": "删除草稿",
    "document.clear_warning": "确认预审提示",
    "document.circulate": "传阅",
    "document.relate": "关联文件",
    "document.review": "审核",
    "document.co_sign": "领导会签",
    "document.authorise": "授权签发",
    "document.view_classified": "查看涉密内容",
    "document.read": "阅知",
    "document.instruct": "批示",
    "document.number": "编号",
    "countersign.request": "发起会签",
    "countersign.agreed": "会签同意",
    "countersign.objected": "会签有不同意见",
    "countersign.agreed_recorded": "代录会签回复：同意",
    "countersign.objected_recorded": "代录会签回复：有不同意见",
    "countersign.deemed_no_objection": "逾期视为无不同意见",
    "countersign.remind": "会签催办",
    "countersign.extension_requested": "申请延期回复",
    "countersign.extend": "同意延期回复",
    "countersign.disagreement_submitted": "报送分歧意见",
    "countersign.disagreement_confirmed": "会签分歧意见",
    "countersign.delegate_grant": "授权会签",
    "countersign.delegate_revoke": "撤销会签授权",
    "deadline.schedule": "设定期限",
    "deadline.remind": "期限提醒",
    "deadline.recompute": "重新计算期限",
    "deadline.missed": "期限已逾期",
    "deadline.fired": "期限到期处理",
    "deadline.met": "按期完成",
    "deadline.cancelled": "取消期限",
    "deadline.extend": "延长期限",
    "deadline.pause": "暂停计算期限",
    "deadline.resume": "恢复计算期限",
    "inbox.create": "送达待办",
    "inbox.complete": "办结待办",
    "absence.record": "登记外出",
    "absence.end": "销假",
    "absence.cancel": "撤销外出登记",
    "absence.extend": "延长外出（推迟回抚）",
    "brief.request": "申请创办简报",
    "brief.approved": "核准简报",
    "brief.refused": "不予核准简报",
    "brief.retired": "停报简报",
    "calendar.load": "导入放假安排",
}

FAMILIES = {
    "document": "公文操作",
    "countersign": "会签",
    "deadline": "期限",
    "inbox": "待办",
    "absence": "外出",
    "brief": "简报",
    "calendar": "工作日历",
    "account": "账号",
    "token": "API 令牌",
}

SUBJECTS = {
    "documents.document": "公文",
    "documents.countersign": "会签",
    "documents.instruction": "批示",
    "documents.attachment": "附件",
    "documents.briefkind": "简报",
    "documents.countersigndelegate": "会签授权",
    "workflow.deadline": "期限",
    "workflow.inboxitem": "待办",
    "org.absence": "外出登记",
    "org.person": "人员",
    "org.position": "职务",
    "org.unit": "单位",
    "rulebase.officialyear": "放假安排",
}

FIELDS = {
    "state": "状态",
    "title": "标题",
    "body": "正文",
    "body_digest": "正文（摘要值）",
    "kind": "文种",
    "number": "发文字号",
    "receipt_number": "收文编号",
    "routed_to": "呈送",
    "due_date": "截止日期",
    "reply": "回复意见",
    "reason": "理由",
    "classification": "密级",
    "urgency": "紧急程度",
    "addressees": "主送机关",
    "cc": "抄送机关",
    "opinion": "意见",
    "note": "备注",
    "due": "截止",
    "due_at": "截止时间",
    "new_due": "新截止日期",
    "provisional": "暂定",
    "rule": "依据",
    "version": "版本",
    "attempts": "尝试次数",
    "authorised_by_mayor": "市长授权",
    "cancelled": "已取消",
    "co_signed": "已会签",
    "end": "结束",
    "start": "开始",
    "error": "错误",
    "finding": "预审意见",
    "name": "名称",
    "person": "人员",
    "position": "职务",
    "related": "关联文件",
    "reply_to": "答复的来文",
    "reviewed_by_supervising": "分管领导已审核",
    "times": "次数",
    "to": "送交",
    "unit": "单位",
    "revoked": "已撤销",
    "until": "延至",
    "title_digest": "标题（摘要值）",
    "classified": "涉密内容",
    "acting": "代行",
    "away_from_city": "离开抚顺",
    "by": "办理人",
    "document_number": "发文字号",
    "due_by": "回复期限",
    "replies": "回复",
    "route": "呈送路径",
    "signer_role": "签发人",
    "units": "会签单位",
}


def action_label(code: str) -> str:
    if code in ACTIONS:
        return ACTIONS[code]
    family, _, step = code.partition(".")
    if family == "document" and step in DOCUMENT_STEPS:
        return DOCUMENT_STEPS[step]
    return FAMILIES.get(family, "其他操作")


def subject_label(code: str) -> str:
    if not code:
        return ""
    if code in SUBJECTS:
        return SUBJECTS[code]
    try:
        return str(apps.get_model(code)._meta.verbose_name)
    except (LookupError, ValueError):
        return "记录"


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: str
    after: str
    long: bool


LONG = 120


STATES = {
    **DOCUMENT_STATES,
    "pending": "待处理",
    "agreed": "同意",
    "objected": "有不同意见",
    "deemed": "视为无不同意见",
    "met": "按期完成",
    "missed": "已逾期",
    "fired": "已按规则处理",
    "cancelled": "已取消",
    "open": "待办",
    "done": "已办",
}


def _rule(rule_id: str) -> str:
    from cityhall.rulebase.selectors import rulebook

    book = rulebook()
    return book.rule(rule_id).short_citation if rule_id in book else rule_id


def position_names() -> dict[str, str]:
    """Position code → "副市长 宁致和" (today's holder), for values that record a seat."""
    from django.utils import timezone

    from cityhall.org.models import Position
    from cityhall.org.selectors import holders_at

    positions = list(Position.objects.all())
    holders = holders_at(timezone.now(), positions)
    return {p.code: f"{p.title} {holders[p.pk].name}" if p.pk in holders else p.title for p in positions}


# Field → its values' names, for fields other modules add (their AppConfig.ready registers them).
VALUES: dict[str, dict[str, str]] = {"state": STATES}


def _text(value: Any, key: str = "", names: dict[str, str] | None = None) -> str:
    if names and isinstance(value, str) and value in names:
        return names[value]
    if key in VALUES and isinstance(value, str):
        return VALUES[key].get(value, value)
    if key == "rule" and isinstance(value, str):
        return _rule(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_text(v, key, names) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{FIELDS.get(k, k)}：{_text(v, k, names)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False)


def _load(raw: str) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def changes(before_json: str, after_json: str, names: dict[str, str] | None = None) -> list[FieldChange]:
    """Before/after, field by field, in a form a person reads: only the fields that differ (all of them for
    a creation), each with its Chinese name; long values are marked so the page can fold them."""
    before, after = _load(before_json), _load(after_json)
    if not isinstance(before, dict) and not isinstance(after, dict):
        if before is None and after is None:
            return []
        b, a = _text(before, "", names), _text(after, "", names)
        return [FieldChange("内容", b, a, len(b) > LONG or len(a) > LONG)]
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    out = []
    for key in [*before, *(k for k in after if k not in before)]:
        b, a = _text(before.get(key), key, names), _text(after.get(key), key, names)
        if b == a:  # unchanged, or empty on both sides
            continue
        out.append(FieldChange(FIELDS.get(key, "其他"), b, a, len(b) > LONG or len(a) > LONG))
    return out
