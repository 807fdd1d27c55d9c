"""Roles and object-level permissions, in one place.

Roles derive from the positions a person holds now: nobody is granted a role by
hand except administrators (Django superusers). Every view and endpoint that
shows or changes an object asks ``check(user, action, obj)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from cityhall.org.memo import memoised
from cityhall.org.models import Person, Position, Unit
from cityhall.org.selectors import positions_acted_for, positions_held
from cityhall.rules.applies import applies

POOL_EXCLUDED_KINDS = (*Position.LEADER_KINDS, Position.Kind.DEPUTY_SECRETARY_GENERAL, Position.Kind.SECURITY_OFFICER)

LEADER = "leader"
OFFICE = "office"
DEPARTMENT = "department"
JUSTICE = "justice"
SECURITY = "security"
ADMIN = "admin"

ROLE_LABELS = {
    LEADER: "市政府领导",
    OFFICE: "市政府办公室",
    DEPARTMENT: "部门/县区",
    JUSTICE: "司法局",
    SECURITY: "保密员",
    ADMIN: "系统管理员",
}


@dataclass(frozen=True)
class Actor:
    """Who is asking, resolved once per request: the person, their positions, acting duties and roles."""

    user: Any
    person: Person | None
    positions: tuple[Position, ...]
    acting_for: tuple[Position, ...]
    roles: frozenset[str]

    @property
    def position_ids(self) -> set[int]:
        return {p.pk for p in self.positions}

    @property
    def acting_position_ids(self) -> set[int]:
        return {p.pk for p in self.acting_for}

    @property
    def unit_ids(self) -> set[int]:
        return {p.unit_id for p in self.positions}

    @property
    def pool_unit_ids(self) -> set[int]:
        """Units whose shared queue this person works (the office's clerks, a county's or department's
        staff and head): items for the unit's pool reach them. Leaders work through their positions."""
        return {p.unit_id for p in self.positions if p.kind not in POOL_EXCLUDED_KINDS}

    @property
    def clearance(self) -> int:
        # Art 69: clearance is a person's, never a role's; an administrator has none by default.
        return self.person.clearance if self.person else 0


def _roles(user: Any, positions: list[Position]) -> frozenset[str]:
    roles: set[str] = set()
    if getattr(user, "is_superuser", False):
        roles.add(ADMIN)
    for p in positions:
        if p.kind in Position.LEADER_KINDS:
            roles.add(LEADER)
        if p.unit.kind == Unit.Kind.GENERAL_OFFICE or p.kind == Position.Kind.DEPUTY_SECRETARY_GENERAL:
            roles.add(OFFICE)
        if p.unit.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.COUNTY, Unit.Kind.AFFILIATED):
            roles.add(DEPARTMENT)
        if p.kind == Position.Kind.LEGAL_REVIEWER or p.unit.code == "justice":
            roles.add(JUSTICE)
        if p.kind == Position.Kind.SECURITY_OFFICER:
            roles.add(SECURITY)
    return frozenset(roles)


def actor_for(user: Any, at: dt.datetime | None = None) -> Actor:
    if at is None:
        # Once per request (the navigation and the view both ask): the request's organisation memo
        # holds it, and forgets it with everything else the moment an organisation row changes.
        return memoised(("actor_for", getattr(user, "pk", None)), lambda: _resolve_actor(user, timezone.now()))
    return _resolve_actor(user, at)


def _resolve_actor(user: Any, at: dt.datetime) -> Actor:
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    positions = positions_held(person, at) if person else []
    # Only a mayor or vice mayor can ever act for a leader (Art 6, Art 7), so nobody else pays
    # for resolving the whole leadership's acting snapshot on every request.
    can_act = any(p.kind in (Position.Kind.MAYOR, Position.Kind.VICE_MAYOR) for p in positions)
    acting = [a.position for a in positions_acted_for(person, at)] if person and can_act else []
    return Actor(
        user=user, person=person, positions=tuple(positions), acting_for=tuple(acting), roles=_roles(user, positions)
    )


def _seats(actor: Actor) -> set[int]:
    return actor.position_ids | actor.acting_position_ids


def _inbox_item(actor: Actor, item: Any) -> bool:
    if actor.person and item.assignee_person_id == actor.person.pk:
        return True
    if item.assignee_position_id is None and item.assignee_person_id is None:
        return item.unit_id in actor.pool_unit_ids  # the unit's shared queue
    return item.assignee_position_id in (actor.position_ids | actor.acting_position_ids)


def _deadline(actor: Actor, deadline: Any) -> bool:
    if OFFICE in actor.roles:
        return True
    if actor.person and deadline.assignee_person_id == actor.person.pk:
        return True
    return deadline.assignee_position_id in (actor.position_ids | actor.acting_position_ids)


def _audit_event(actor: Actor, event: Any) -> bool:
    # The General Office supervises; everyone else sees what they did or what was done in their name.
    if OFFICE in actor.roles:
        return True
    return actor.person is not None and actor.person.pk in (event.actor_id, event.on_behalf_of_id)


def _topic(actor: Actor, topic: Any) -> bool:
    """The office and the leaders see every topic; a unit sees the topics it hosts, reports or was consulted on."""
    if OFFICE in actor.roles or LEADER in actor.roles:
        return True
    if topic is None:
        return False
    units = {topic.host_unit_id, topic.reporting_unit_id, *(c.unit_id for c in topic.consultations.all())}
    return bool(units & actor.unit_ids)


# Art 69: 工作秘密 and 商业秘密 sit below the state secrets, at the lowest clearance (Person.Clearance.WORK_SECRET).
CLEARANCE_LEVELS = {"": 0, "工作秘密": 1, "商业秘密": 1, "秘密": 2, "机密": 3, "绝密": 4}


def _document(actor: Actor, doc: Any) -> bool:
    """Who may see a document's page: the office; the units that sent, drafted or countersign it; and
    everyone who was asked to act on or read it (their inbox items, 代 included), or acted on it."""
    if OFFICE in actor.roles:
        return True
    if doc.issuer_unit_id in actor.unit_ids or (doc.drafting_unit_id and doc.drafting_unit_id in actor.unit_ids):
        return True
    seats = actor.position_ids | actor.acting_position_ids
    if doc.routed_to_id in seats:
        return True
    from cityhall.workflow.models import InboxItem

    items = InboxItem.objects.filter(
        subject_type__model="document", subject_type__app_label="documents", subject_id=str(doc.pk)
    )
    reach = Q(assignee_position_id__in=seats) | Q(
        assignee_position__isnull=True, assignee_person__isnull=True, unit_id__in=actor.pool_unit_ids
    )
    if actor.person is not None:
        reach |= Q(assignee_person=actor.person) | Q(done_by=actor.person)
    if items.filter(reach).exists():
        return True
    return doc.countersigns.filter(unit_id__in=actor.unit_ids).exists()


@applies("security.classified-access")
def _document_content(actor: Actor, doc: Any) -> bool:
    # Art 69: classified content only for people cleared to its level (an administrator is no exception).
    level = CLEARANCE_LEVELS.get(doc.classification, 4)
    return actor.clearance >= level and (ADMIN in actor.roles or _document(actor, doc))


@applies("security.classified-access")
def _minutes_content(actor: Actor, minutes: Any) -> bool:
    # Art 69: secret minutes only for people cleared to 秘密, whatever their role.
    return minutes is not None and (not minutes.secret or actor.clearance >= CLEARANCE_LEVELS["秘密"])


RULES: dict[str, Any] = {
    "inbox.view": _inbox_item,
    "inbox.complete": _inbox_item,
    "deadline.view": _deadline,
    "audit.view": _audit_event,
    "audit.view_all": lambda actor, obj: OFFICE in actor.roles,
    "audit.verify": lambda actor, obj: OFFICE in actor.roles,
    "org.view": lambda actor, obj: actor.person is not None,
    "org.record_absence": lambda actor, obj: OFFICE in actor.roles,
    "meetings.view": lambda actor, obj: actor.person is not None,
    "topic.apply": lambda actor, obj: DEPARTMENT in actor.roles,
    "topic.view": _topic,
    "meeting.schedule": lambda actor, obj: OFFICE in actor.roles,
    "minutes.content": _minutes_content,
    "plan.apply": lambda actor, obj: DEPARTMENT in actor.roles,
    "supervision.view": lambda actor, obj: actor.person is not None,
    "supervision.create": lambda actor, obj: OFFICE in actor.roles,
    # An item outside what the actor may see (their unit's, their portfolio's, or the office's whole ledger).
    "supervision.item": lambda actor, obj: False,
    "supervision.plan": lambda actor, obj: False,
    "plan_entry.view": lambda actor, obj: (
        OFFICE in actor.roles or LEADER in actor.roles or (obj is not None and obj.host_unit_id in actor.unit_ids)
    ),
    "meeting.view": lambda actor, obj: (
        OFFICE in actor.roles
        or LEADER in actor.roles
        or (
            obj is not None
            and (
                any(a.topic.host_unit_id in actor.unit_ids for a in obj.agenda.all())
                # The units that sat in: they check the draft minutes and countersign amendments (Art 44 ¶3).
                or any(a.unit_id in actor.unit_ids for a in obj.attendance.all())
            )
        )
    ),
    "document.view": _document,
    "document.read": _document_content,
    "document.intake": lambda actor, obj: OFFICE in actor.roles,
    "document.submit": lambda actor, obj: (
        actor.person is not None and (obj is None or obj.issuer_unit_id in actor.unit_ids)
    ),
    "document.draft": lambda actor, obj: (
        actor.person is not None
        and (
            obj is None
            or obj.submitted_by_id == actor.person.pk
            or (
                obj.drafting_unit_id in actor.unit_ids if obj.drafting_unit_id else obj.issuer_unit_id in actor.unit_ids
            )
        )
    ),
    "security.access_log": lambda actor, obj: SECURITY in actor.roles,
    "leave.apply": lambda actor, obj: actor.person is not None,
    "leave.view": lambda actor, obj: (
        OFFICE in actor.roles
        or LEADER in actor.roles
        or (obj is not None and actor.person is not None and obj.person_id == actor.person.pk)
        or (obj is not None and bool({obj.reviewer_position_id, obj.cover_position_id} & _seats(actor)))
    ),
    "report.view": lambda actor, obj: (
        OFFICE in actor.roles
        or any(p.kind in ("mayor", "secretary_general") for p in actor.positions)
        or (obj is not None and actor.person is not None and obj.person_id == actor.person.pk)
    ),
    "emergency.report": lambda actor, obj: DEPARTMENT in actor.roles,
    "publication.list": lambda actor, obj: actor.person is not None and bool(actor.positions),
    "disclosure.handle": lambda actor, obj: OFFICE in actor.roles,
    "problem.view": lambda actor, obj: (
        OFFICE in actor.roles
        or any(p.kind in ("mayor", "secretary_general") for p in actor.positions)
        or (obj is not None and obj.unit_id in actor.unit_ids)
        or (obj is not None and obj.steps.filter(recipient_id__in=_seats(actor)).exists())
    ),
    "emergency.view": lambda actor, obj: (
        OFFICE in actor.roles
        or LEADER in actor.roles
        or (obj is not None and bool({obj.reporting_unit_id, obj.competent_unit_id} & actor.unit_ids))
        or (obj is not None and obj.steps.filter(recipient_id__in=_seats(actor)).exists())
    ),
}
# Content checks an administrator does not bypass (Art 69).
NO_ADMIN_BYPASS = frozenset({"document.read"})

MESSAGES = {
    "inbox.view": "这条待办不属于您或您代行的职务。",
    "inbox.complete": "这条待办不属于您或您代行的职务，不能办理。",
    "deadline.view": "您无权查看这个期限。",
    "audit.view": "您无权查看这条审计记录。",
    "audit.view_all": "只有市政府办公室可以查看全部审计记录。",
    "audit.verify": "只有市政府办公室可以校验审计链。",
    "org.view": "您的账号尚未关联人员信息，请联系系统管理员。",
    "org.record_absence": "只有市政府办公室可以登记领导外出。",
    "meetings.view": "您的账号尚未关联人员信息，请联系系统管理员。",
    "topic.apply": "只有县（区）政府和市政府各部门可以申报会议议题。",
    "topic.view": "这项议题与您的单位和职务无关，您无权查看。",
    "meeting.view": "这次会议没有您单位的议题，您的单位也未参加，您无权查看。",
    "plan.apply": "只有县（区）政府和市政府各部门可以申报会议（活动）。",
    "supervision.view": "您的账号尚未关联人员信息，请联系系统管理员。",
    "supervision.create": "督办事项由市政府办公室立项（工作规则第六十二条第一款）。",
    "supervision.item": "这项督办事项与您的单位和分管范围无关，您无权查看。",
    "supervision.plan": "这份督查检查考核计划或抽查记录与您的单位无关，您无权查看。",
    "plan_entry.view": "这项会议（活动）申报不是您单位的，您无权查看。",
    "minutes.content": "这份会议纪要涉密，您没有相应的保密资格，不能查看正文（工作规则第六十九条）。",
    "meeting.schedule": "会议的组织工作由市政府办公室负责（工作规则第四十三条第一款），只有市政府办公室可以安排会议。",
    "document.view": "这份公文与您的单位和职务无关，您无权查看。",
    "document.read": "这份公文涉密，您的涉密等级不够，无权查看正文（工作规则第六十九条）。",
    "document.intake": "只有市政府办公室可以办理收文、呈批和发文。",
    "document.submit": "只能以本单位名义报送公文。",
    "document.draft": "只有拟稿人或拟稿单位可以修改这份文稿。",
    "security.access_log": "只有保密员可以查看涉密内容查看记录。",
    "leave.apply": "您的账号尚未关联人员信息，请联系系统管理员。",
    "leave.view": "这份请假（报备）与您无关：只有申请人、审批人和市政府办公室可以查看。",
    "report.view": "这项报告与您无关：只有报告人、市长、秘书长和市政府办公室可以查看。",
    "emergency.report": "突发事件由事发县（区）政府或市政府相关部门报告（工作规则第五十六条）。",
    "emergency.view": "这份突发事件报告与您的单位和职务无关，您无权查看。",
    "disclosure.handle": "政府信息公开申请由市政府办公室（政务公开办）办理，您无权查看申请人的信息。",
    "publication.list": "政务公开工作台供各单位和市政府办公室使用：您的账号没有任职。",
    "problem.view": "这份请示报告与您的单位和职务无关：只有报告部门、报告链上已收到的层级和市政府办公室可以查看。",
}


def allowed(actor: Actor, action: str, obj: Any = None) -> bool:
    if ADMIN in actor.roles and action not in NO_ADMIN_BYPASS:
        return True
    return bool(RULES[action](actor, obj))


def check(actor: Actor, action: str, obj: Any = None) -> None:
    """Raise PermissionDenied (with a Chinese message) unless ``actor`` may do ``action`` on ``obj``."""
    if not allowed(actor, action, obj):
        raise PermissionDenied(MESSAGES[action])
