"""The official-document state machine (Ch. 9, Art 48–52) as data.

Each transition names the states it leaves from, the state it reaches, who may
take it, and the rule it applies. Services apply transitions only through
``transition_for`` — no code sets a document's state by hand (style.md §3,
after OpenSlides' ``next_state_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT = "draft"
SUBMITTED = "submitted"  # sent by a county or department, awaiting the office's intake
RETURNED = "returned"  # refused at intake; the draft stays intact for correction
REGISTERED = "registered"  # intake passed; the office proposes handling and routes
ROUTED = "routed"  # with a leader for a clear opinion (Art 49)
COUNTERSIGNING = "countersigning"  # awaiting the departments' countersign (Art 50)
DECIDED = "decided"  # the leader gave a clear opinion; the office may move it on
SIGNED = "signed"  # an outgoing document signed and numbered (Art 51)
ISSUED = "issued"
CLOSED = "closed"

STATE_LABELS = {
    DRAFT: "草稿",
    SUBMITTED: "待收文审核",
    RETURNED: "已退回",
    REGISTERED: "已登记待呈批",
    ROUTED: "待领导批示",
    COUNTERSIGNING: "会签中",
    DECIDED: "领导已批示",
    SIGNED: "已签发",
    ISSUED: "已印发",
    CLOSED: "已办结",
}

OFFICE = "office"
LEADER = "leader"
SUBMITTER = "submitter"
DEPARTMENT = "department"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    by: str
    rule_id: str
    label: str


TRANSITIONS = (
    Transition("submit", (DRAFT, RETURNED), SUBMITTED, SUBMITTER, "documents.principal-signs", "报送市政府"),
    Transition("return", (SUBMITTED,), RETURNED, OFFICE, "documents.report-no-request", "退回报送单位"),
    Transition("prepare", (DRAFT,), REGISTERED, OFFICE, "documents.office-processes-first", "拟稿送签"),
    Transition("register", (SUBMITTED,), REGISTERED, OFFICE, "documents.office-processes-first", "收文登记"),
    Transition("route", (REGISTERED, DECIDED), ROUTED, OFFICE, "documents.routing", "拟办并呈批"),
    Transition("pass_on", (ROUTED,), ROUTED, LEADER, "documents.routing", "转请其他领导核批"),
    Transition("request_countersign", (REGISTERED, ROUTED), COUNTERSIGNING, OFFICE, "countersign.required", "发起会签"),
    Transition("countersign_complete", (COUNTERSIGNING,), REGISTERED, OFFICE, "countersign.reply", "会签完成"),
    Transition("instruct", (ROUTED,), DECIDED, LEADER, "documents.clear-opinion", "领导批示"),
    Transition("sign", (REGISTERED, DECIDED), SIGNED, LEADER, "signing.item-5", "签发"),
    Transition("issue", (SIGNED,), ISSUED, OFFICE, "signing.item-5", "印发"),
    Transition("close", (DECIDED, ISSUED), CLOSED, OFFICE, "documents.clear-opinion", "办结归档"),
)
_BY_ACTION = {t.action: t for t in TRANSITIONS}


class TransitionRefused(Exception):
    def __init__(self, code: str, message: str, rule_id: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.rule_id = rule_id


def transition_for(action: str, state: str) -> Transition:
    """The transition ``action`` from ``state``, or a refusal saying which states allow it."""
    t = _BY_ACTION.get(action)
    if t is None:
        raise TransitionRefused("unknown_action", f"没有名为“{action}”的公文操作。", "documents.routing")
    if state not in t.sources:
        allowed = "、".join(STATE_LABELS[s] for s in t.sources)
        raise TransitionRefused(
            "bad_state",
            f"公文当前状态为“{STATE_LABELS.get(state, state)}”，不能{t.label}（只有{allowed}的公文可以）。",
            t.rule_id,
        )
    return t


def actions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if state in t.sources]
