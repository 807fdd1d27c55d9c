"""Writes for deadlines and the inbox. Each service runs in one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from cityhall.org.models import Person, Position
from cityhall.rulebase.selectors import rule_deadline
from cityhall.rules import DeadlineResult, InvalidInput, RulesError, RuleViolation
from cityhall.rules.deadlines import LOCAL_TZ, resume_after_pause

from . import audit
from .audit import audit_record
from .models import Deadline, InboxItem
from .registry import get_kind


def _due_at(result: DeadlineResult) -> dt.datetime:
    # A day-based period ends at 24:00 of its last day (Civil Code art 201–203):
    # the deadline falls due at the first instant of the next day.
    if result.due_at.time() == dt.time(23, 59, 59):
        return dt.datetime.combine(result.due + dt.timedelta(days=1), dt.time(0, 0), tzinfo=LOCAL_TZ)
    return result.due_at


def _deadline_summary(d: Deadline) -> dict[str, Any]:
    return {
        "rule": d.rule_id,
        "version": d.rule_version,
        "due_date": d.due_date.isoformat(),
        "due_at": d.due_at.isoformat(),
        "state": d.state,
        "provisional": d.provisional,
    }


def deadline_schedule(
    *,
    actor: Person | None,
    subject: models.Model | None,
    subject_label: str,
    kind: str,
    rule_id: str,
    anchor: dt.date | dt.datetime,
    assignee_position: Position | None = None,
    assignee_person: Person | None = None,
    due_by: dt.date | None = None,
    due_by_reason: str = "",
) -> Deadline:
    """Create a deadline from a rule. ``due_by`` is a limit the host sets instead (Art 50 ¶2
    「除主办部门另有时限要求外」): earlier is taken as it is; later needs ``due_by_reason``, which the
    trace keeps."""
    result = rule_deadline(rule_id, anchor)
    due_date, due_at, trace = result.due, _due_at(result), [s.as_dict() for s in result.trace]
    if due_by is not None and due_by != result.due:
        later = due_by > result.due
        reason = due_by_reason.strip()
        if later and not reason:
            raise InvalidInput(
                f"另定的时限 {due_by.isoformat()} 晚于一般的 {result.due.isoformat()}"
                f"（{result.rule.short_citation}），请写明理由。",
                "reason",
            )
        due_date = due_by
        due_at = dt.datetime.combine(due_by + dt.timedelta(days=1), dt.time(0, 0), tzinfo=LOCAL_TZ)
        side = f"晚于一般期限 {result.due.isoformat()}" if later else f"早于一般期限 {result.due.isoformat()}"
        trace.append(
            {
                "step": "override",
                "text": f"主办单位另有时限要求：{due_by.isoformat()}（{side}）"
                + (f"，理由：{reason}" if reason else ""),
                "date": due_by.isoformat(),
            }
        )
    kind_def = get_kind(kind)
    anchor_at = anchor if isinstance(anchor, dt.datetime) else dt.datetime.combine(anchor, dt.time(0), tzinfo=LOCAL_TZ)
    with audit.atomic():
        deadline = Deadline.objects.create(
            subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
            subject_id=str(subject.pk) if subject is not None else "",
            subject_label=subject_label[:200],
            kind=kind,
            rule_id=result.rule.id,
            rule_version=result.rule.version,
            anchor_at=anchor_at,
            due_date=due_date,
            due_at=due_at,
            remind_at=due_at - kind_def.remind_before if kind_def.remind_before else None,
            provisional=result.provisional,
            trace=trace,
            assignee_position=assignee_position,
            assignee_person=assignee_person,
        )
        audit_record(
            actor=actor,
            action="deadline.schedule",
            subject=deadline,
            after=_deadline_summary(deadline),
            rule_ids=[result.rule.id],
        )
    return deadline


def deadline_close(
    *, deadline: Deadline, actor: Person | None, state: str, note: str = "", already_locked: bool = False
) -> Deadline:
    """Close a pending deadline as met (done in time) or cancelled. With ``already_locked`` the caller
    holds the row's lock in its transaction and passes the instance it read under it: no second read."""
    if state not in (Deadline.State.MET, Deadline.State.CANCELLED):
        raise ValueError(state)
    with audit.atomic():
        row = deadline if already_locked else Deadline.objects.select_for_update().get(pk=deadline.pk)
        if row.state not in (Deadline.State.PENDING, Deadline.State.PAUSED):
            return row  # already closed or fired: nothing changes
        before = _deadline_summary(row)
        row.state = state
        row.closed_at = timezone.now()
        row.version += 1
        row.save(update_fields=["state", "closed_at", "version"])
        audit_record(
            actor=actor,
            action=f"deadline.{state}",
            subject=row,
            before=before,
            after={**_deadline_summary(row), "note": note},
            rule_ids=[row.rule_id],
        )
    return row


def deadlines_recompute_provisional(*, year: int | None = None, actor: Person | None = None) -> int:
    """After a year's schedule is loaded, recompute the pending provisional deadlines (exactly, this time)."""
    changed = 0
    pending = Deadline.objects.filter(state=Deadline.State.PENDING, provisional=True).values_list("pk", flat=True)
    for pk in list(pending):
        with audit.atomic():
            d = Deadline.objects.select_for_update().get(pk=pk)
            if d.state != Deadline.State.PENDING or not d.provisional:
                continue
            anchor: dt.date | dt.datetime = d.anchor_at
            if d.anchor_at.astimezone(LOCAL_TZ).time() == dt.time(0):
                anchor = d.anchor_at.astimezone(LOCAL_TZ).date()
            # Every pending provisional deadline is recomputed: the loaded year may be
            # any of the years its count ran through, and there are few of them.
            result = rule_deadline(d.rule_id, anchor)
            before = _deadline_summary(d)
            if any(s.get("step") == "override" for s in d.trace):
                # A host-set earlier limit is a fixed date: only the provisional flag changes.
                d.provisional = result.provisional
            else:
                d.due_date, d.due_at = result.due, _due_at(result)
                d.provisional = result.provisional
                d.trace = [s.as_dict() for s in result.trace]
                kind_def = get_kind(d.kind)
                d.remind_at = d.due_at - kind_def.remind_before if kind_def.remind_before else None
            d.version += 1
            d.save(update_fields=["due_date", "due_at", "provisional", "trace", "remind_at", "version"])
            audit_record(
                actor=actor,
                action="deadline.recompute",
                subject=d,
                before=before,
                after=_deadline_summary(d),
                rule_ids=[d.rule_id],
            )
            changed += 1
    return changed


def inbox_item_create(
    *,
    actor: Person | None,
    title: str,
    kind: str,
    subject: models.Model | None = None,
    url: str = "",
    assignee_position: Position | None = None,
    assignee_person: Person | None = None,
    deadline: Deadline | None = None,
    for_reading: bool = False,
) -> InboxItem:
    if assignee_position is None and assignee_person is None:
        raise ValueError("an inbox item needs a position or a person")
    unit = assignee_position.unit if assignee_position is not None else None
    with audit.atomic():
        item = InboxItem.objects.create(
            title=title[:200],
            kind=kind,
            url=url,
            subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
            subject_id=str(subject.pk) if subject is not None else "",
            assignee_position=assignee_position,
            assignee_person=assignee_person,
            unit=unit,
            deadline=deadline,
            for_reading=for_reading,
        )
        audit_record(
            actor=actor,
            action="inbox.create",
            subject=item,
            after={
                "title": item.title,
                "position": assignee_position.code if assignee_position else None,
                "person": assignee_person.pk if assignee_person else None,
            },
            rule_ids=[deadline.rule_id] if deadline else [],
        )
    return item


class NotForReading(RulesError):
    """Only a reading item (阅件、知会) is closed by hand; any other closes when its act is done."""

    code = "not_for_reading"

    def __init__(self) -> None:
        super().__init__("这是待办理的事项：请打开它办理，办理完成后会自动从待办中移出，不能直接标记为已办。")


def inbox_item_complete(*, item: InboxItem, actor: Person, on_behalf_of: Person | None = None) -> InboxItem:
    if not item.for_reading:
        raise NotForReading()
    with audit.atomic():
        locked = InboxItem.objects.select_for_update().get(pk=item.pk)
        if locked.state == InboxItem.State.DONE:
            return locked
        locked.state = InboxItem.State.DONE
        locked.done_at = timezone.now()
        locked.done_by = actor
        locked.done_on_behalf_of = on_behalf_of
        locked.save(update_fields=["state", "done_at", "done_by", "done_on_behalf_of"])
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="inbox.complete",
            subject=locked,
            before={"state": "open"},
            after={"state": "done"},
            rule_ids=["acting.ab-partner"] if on_behalf_of else [],
        )
    return locked


def deadline_extend(*, deadline: Deadline, actor: Person | None, new_due: dt.date, reason: str) -> Deadline:
    """Record a negotiated extension (e.g. Art 50 ¶2: 商定回复时限): the deadline moves, the trace says why."""
    if not reason.strip():
        raise RuleViolation("extension_needs_reason", deadline.rule_id, "延期须说明商定的理由。")
    with audit.atomic():
        locked = Deadline.objects.select_for_update().get(pk=deadline.pk)
        if locked.state != Deadline.State.PENDING:
            raise RuleViolation("deadline_closed", locked.rule_id, "该期限已经结束，不能延期。")
        if new_due <= locked.due_date:
            raise RuleViolation(
                "extension_not_later",
                locked.rule_id,
                f"新的期限 {new_due.isoformat()} 必须晚于原期限 {locked.due_date.isoformat()}。",
            )
        before = _deadline_summary(locked)
        locked.due_date = new_due
        locked.due_at = dt.datetime.combine(new_due + dt.timedelta(days=1), dt.time(0, 0), tzinfo=LOCAL_TZ)
        kind_def = get_kind(locked.kind)
        locked.remind_at = locked.due_at - kind_def.remind_before if kind_def.remind_before else None
        locked.reminded_at = None
        locked.trace = [
            *locked.trace,
            {
                "step": "extension",
                "text": f"经商定延期至 {new_due.isoformat()}：{reason.strip()}",
                "date": new_due.isoformat(),
            },
        ]
        locked.version += 1
        locked.save(update_fields=["due_date", "due_at", "remind_at", "reminded_at", "trace", "version"])
        audit_record(
            actor=actor,
            action="deadline.extend",
            subject=locked,
            before=before,
            after={**_deadline_summary(locked), "reason": reason.strip()},
            rule_ids=[locked.rule_id],
        )
    return locked


def deadline_pause(*, deadline: Deadline, actor: Person | None, on: dt.date, reason: str) -> Deadline:
    """Stop a clock on ``on`` (the day counts as run): the worker leaves it until ``deadline_resume``."""
    with audit.atomic():
        locked = Deadline.objects.select_for_update().get(pk=deadline.pk)
        if locked.state != Deadline.State.PENDING:
            raise RuleViolation("deadline_not_running", locked.rule_id, "该期限不在计算中，不能暂停。")
        if on > locked.due_date:
            raise RuleViolation(
                "deadline_passed", locked.rule_id, f"期限已于 {locked.due_date.isoformat()} 届满，不能再暂停。"
            )
        before = _deadline_summary(locked)
        locked.state, locked.paused_on = Deadline.State.PAUSED, on
        locked.trace = [
            *locked.trace,
            {"step": "pause_start", "text": f"{on.isoformat()} 暂停计算：{reason.strip()}", "date": on.isoformat()},
        ]
        locked.version += 1
        locked.save(update_fields=["state", "paused_on", "trace", "version"])
        audit_record(
            actor=actor,
            action="deadline.pause",
            subject=locked,
            before=before,
            after={**_deadline_summary(locked), "reason": reason.strip()},
            rule_ids=[locked.rule_id],
        )
    return locked


def deadline_resume(*, deadline: Deadline, actor: Person | None, on: dt.date, what: str) -> Deadline:
    """Restart a paused clock on ``on``: the working days left when it paused run on from the next day,
    and the trace shows the pause and the new date (rules core ``resume_after_pause``)."""
    from cityhall.rulebase.selectors import working_calendar

    with audit.atomic():
        locked = Deadline.objects.select_for_update().get(pk=deadline.pk)
        if locked.state != Deadline.State.PAUSED or locked.paused_on is None:
            raise RuleViolation("deadline_not_paused", locked.rule_id, "该期限没有暂停，不需要恢复。")
        try:
            new_due, steps = resume_after_pause(locked.due_date, locked.paused_on, on, working_calendar(), what=what)
        except RulesError as exc:
            raise RuleViolation("deadline_resume", locked.rule_id, exc.message) from exc
        before = _deadline_summary(locked)
        locked.state, locked.paused_on = Deadline.State.PENDING, None
        locked.due_date = new_due
        locked.due_at = dt.datetime.combine(new_due + dt.timedelta(days=1), dt.time(0, 0), tzinfo=LOCAL_TZ)
        kind_def = get_kind(locked.kind)
        locked.remind_at = locked.due_at - kind_def.remind_before if kind_def.remind_before else None
        locked.reminded_at = None
        locked.provisional = any(s.step == "provisional" for s in steps)
        locked.trace = [*locked.trace, *(s.as_dict() for s in steps)]
        locked.version += 1
        locked.save(
            update_fields=[
                "state",
                "paused_on",
                "due_date",
                "due_at",
                "remind_at",
                "reminded_at",
                "provisional",
                "trace",
                "version",
            ]
        )
        audit_record(
            actor=actor,
            action="deadline.resume",
            subject=locked,
            before=before,
            after=_deadline_summary(locked),
            rule_ids=[locked.rule_id],
        )
    return locked


def inbox_open(
    subject: models.Model,
    *,
    key: str,
    title: str,
    url: str,
    at: dt.datetime,
    position: Position | None = None,
    person: Person | None = None,
    unit: Any = None,
    reading: bool = False,
    deadline: Deadline | None = None,
    kind: str | None = None,
) -> InboxItem:
    """Open the inbox item that stands for one act (``key``) on ``subject``; the caller's transaction
    and audit event cover it. The unit defaults to the position's, so the item shows in that unit's view.
    ``kind`` defaults to the subject's model label; a module whose items have long carried a kind of
    their own passes it."""
    return InboxItem.objects.create(
        title=title[:200],
        kind=kind if kind is not None else subject._meta.label_lower,
        key=key,
        url=url,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        assignee_position=position,
        assignee_person=person,
        unit=unit if unit is not None else position.unit if position is not None else None,
        deadline=deadline,
        for_reading=reading,
        created_at=at,
    )


def inbox_close(
    subject: models.Model,
    keys: list[str] | tuple[str, ...],
    *,
    actor: Person | None,
    at: dt.datetime,
    on_behalf_of: Person | None = None,
) -> int:
    """Close the open items that stood for these acts on ``subject``, once the acts are done; with
    ``on_behalf_of``, the actor did them for that (absent) leader."""
    done: dict[str, Any] = {"state": InboxItem.State.DONE, "done_at": at, "done_by": actor}
    if on_behalf_of is not None:
        done["done_on_behalf_of"] = on_behalf_of
    return InboxItem.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        key__in=keys,
        state=InboxItem.State.OPEN,
    ).update(**done)


def reminders_close(deadline: Deadline | None, *, actor: Person | None, at: dt.datetime) -> int:
    """Close the worker's default 催办 items of a deadline once it is met or no longer stands."""
    if deadline is None:
        return 0
    return InboxItem.objects.filter(deadline=deadline, kind="reminder", state=InboxItem.State.OPEN).update(
        state=InboxItem.State.DONE, done_at=at, done_by=actor
    )
