"""Documents API. Slice 1: the pre-submission check (公文预审)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from cityhall.rulebase.selectors import rulebook
from cityhall.rules.intake import Draft, check_draft

router = Router(tags=["documents"])


class DraftIn(Schema):
    kind: str = Field(description="文种，党政机关公文处理工作条例第八条规定的15种之一，如 请示、报告、函")
    title: str
    body: str
    issuer: str = Field(description="报送单位名称")
    addressees: list[str] = Field(description="主送机关（单位名称或领导同志称谓）")
    signed_by: str = Field(description="签发人职务，如 主要负责人")
    copied_to: list[str] = []
    classification: str = ""
    leader_assigned: bool = False
    major_emergency: bool = False
    urgent_foreign_affairs: bool = False
    level_skip_approved: bool = False


class FindingOut(Schema):
    code: str
    severity: str = Field(description="refuse = 将被退回；warn = 需经办人核实并说明理由")
    rule: str
    citation: str
    citation_en: str
    message: str
    matched: list[str]


class CheckOut(Schema):
    ok: bool
    refused: bool
    summary: str
    findings: list[FindingOut]


class ErrorOut(Schema):
    code: str
    message: str


@router.post(
    "/check",
    response={200: CheckOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="公文预审：按工作规则第四十八条、第四十九条检查待报送的公文",
)
def post_check(request: HttpRequest, draft: DraftIn) -> dict[str, Any]:
    return check_draft(Draft.from_dict(draft.dict()), rulebook()).as_dict()
