"""The official-document state machine (Ch. 9, Art 48–52) as data.

Each transition names the states it leaves from, the state it reaches, who may
take it, and the rule it applies. Services apply transitions only through
``transition_for`` — no code sets a document's state by hand (style.md §3,
after OpenSlides' ``next_state_ids``).

Incoming documents (收文) run: draft → submitted → registered → (countersigning) → routed →
decided → closed → archived. Outgoing documents (发文) run: draft → checking (核稿) → signing
(审核、会签、签发) → signed (numbered) → issued → archived. A countersign returns to the state it
was requested from (``RESUME``).
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
CHECKING = "checking"  # an outgoing draft with the General Office for 核稿
SIGNING = "signing"  # an outgoing draft awaiting review, co-signature and signature (Art 51)
SIGNED = "signed"  # an outgoing document signed and numbered (Art 51)
ISSUED = "issued"
CLOSED = "closed"
ARCHIVED = "archived"

# A countersign goes back to the state it was requested from.
RESUME = "*resume*"

STATE_LABELS = {
    DRAFT: "草稿",
    SUBMITTED: "待收文登记",
    RETURNED: "已退回",
    REGISTERED: "已登记待呈批",
    ROUTED: "待领导批示",
    COUNTERSIGNING: "会签中",
    DECIDED: "领导已批示",
    CHECKING: "待核稿",
    SIGNING: "待签发",
    SIGNED: "已签发待印发",
    ISSUED: "已印发",
    CLOSED: "已办结",
    ARCHIVED: "已归档",
}

# What a document in each state waits for (the flow view: 当前环节).
WAITING_FOR = {
    DRAFT: "拟稿单位修改并报送",
    SUBMITTED: "市政府办公室收文登记",
    RETURNED: "报送单位修改后重新报送",
    REGISTERED: "市政府办公室拟办并呈批",
    ROUTED: "领导同志批示",
    COUNTERSIGNING: "会签部门回复",
    DECIDED: "市政府办公室按批示办理",
    CHECKING: "市政府办公室核稿",
    SIGNING: "领导同志审核、会签和签发",
    SIGNED: "市政府办公室印发",
    ISSUED: "归档",
    CLOSED: "归档",
    ARCHIVED: "",
}

# The states a document is still being worked on ("在办"): the office's default queue.
OPEN_STATES = (SUBMITTED, REGISTERED, ROUTED, COUNTERSIGNING, DECIDED, CHECKING, SIGNING, SIGNED)
FINISHED_STATES = (ISSUED, CLOSED, ARCHIVED)

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
    direction: str = ""  # "incoming" / "outgoing" when only one direction has it


TRANSITIONS = (
    Transition(
        "submit", (DRAFT, RETURNED), SUBMITTED, SUBMITTER, "documents.principal-signs", "报送市政府", "incoming"
    ),
    Transition("recall", (SUBMITTED,), DRAFT, SUBMITTER, "documents.office-processes-first", "撤回", "incoming"),
    Transition("return", (SUBMITTED,), RETURNED, OFFICE, "documents.report-no-request", "退回报送单位", "incoming"),
    Transition(
        "register", (SUBMITTED,), REGISTERED, OFFICE, "documents.office-processes-first", "收文登记", "incoming"
    ),
    Transition("prepare", (DRAFT,), CHECKING, SUBMITTER, "documents.office-processes-first", "送核稿", "outgoing"),
    Transition("check", (CHECKING,), SIGNING, OFFICE, "documents.office-processes-first", "核稿", "outgoing"),
    Transition("send_back", (CHECKING,), DRAFT, OFFICE, "documents.office-processes-first", "核稿退回修改", "outgoing"),
    Transition("route", (REGISTERED, DECIDED, SIGNING), ROUTED, OFFICE, "documents.routing", "呈批"),
    Transition("pass_on", (ROUTED,), ROUTED, LEADER, "documents.routing", "转请其他领导核批"),
    Transition("leader_return", (ROUTED,), REGISTERED, LEADER, "documents.routing", "退回办公室", "incoming"),
    Transition(
        "request_countersign",
        (DRAFT, REGISTERED, ROUTED, SIGNING),
        COUNTERSIGNING,
        OFFICE,
        "countersign.required",
        "发起会签",
    ),
    Transition("countersign_complete", (COUNTERSIGNING,), RESUME, OFFICE, "countersign.reply", "会签完成"),
    Transition("instruct", (ROUTED,), DECIDED, LEADER, "documents.clear-opinion", "领导批示"),
    Transition("sign", (SIGNING, DECIDED), SIGNED, LEADER, "signing.item-5", "签发", "outgoing"),
    Transition("issue", (SIGNED,), ISSUED, OFFICE, "signing.item-5", "印发", "outgoing"),
    Transition("close", (DECIDED, REGISTERED), CLOSED, OFFICE, "documents.clear-opinion", "办结", "incoming"),
    Transition("archive", (CLOSED, ISSUED), ARCHIVED, OFFICE, "documents.office-processes-first", "归档"),
)
_BY_ACTION = {t.action: t for t in TRANSITIONS}
ACTION_LABELS = {t.action: t.label for t in TRANSITIONS}


class TransitionRefused(Exception):
    def __init__(self, code: str, message: str, rule_id: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.rule_id = rule_id


def transition_for(action: str, state: str, direction: str = "") -> Transition:
    """The transition ``action`` from ``state``, or a refusal saying which states allow it."""
    t = _BY_ACTION.get(action)
    if t is None:
        raise TransitionRefused("unknown_action", f"没有名为“{action}”的公文操作。", "documents.routing")
    if direction and t.direction and t.direction != direction:
        kind = "收文" if direction == "incoming" else "发文"
        raise TransitionRefused("bad_direction", f"{kind}没有“{t.label}”这一步。", t.rule_id)
    if state not in t.sources:
        allowed = "、".join(STATE_LABELS[s] for s in t.sources)
        raise TransitionRefused(
            "bad_state",
            f"公文当前状态为“{STATE_LABELS.get(state, state)}”，不能{t.label}（只有{allowed}的公文可以）。",
            t.rule_id,
        )
    return t


def actions_from(state: str, direction: str = "") -> list[Transition]:
    return [
        t for t in TRANSITIONS if state in t.sources and (not direction or not t.direction or t.direction == direction)
    ]
