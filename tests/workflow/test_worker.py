"""The deadline worker on any database: firing, missing, retrying, reminding, scheduling and recomputing."""

from __future__ import annotations

import datetime as dt

import pytest

from cityhall.org.models import Person
from cityhall.rulebase.services import official_year_load
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.rules.schedule_file import parse_schedule
from cityhall.workflow.models import AuditEvent, Deadline, InboxItem
from cityhall.workflow.services import deadline_schedule
from cityhall.workflow.worker import MAX_ATTEMPTS, run_once

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


def events(action: str, d: Deadline) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=action, subject_type="workflow.deadline", subject_id=str(d.pk)).order_by("id")
    )


@pytest.mark.rule("countersign.reply")
def test_a_due_deadline_fires_once_and_a_second_run_does_nothing(recording_kind, make_deadline, now):
    d = make_deadline(rule_id="countersign.reply")

    stats = run_once(now)

    assert (stats.fired, stats.missed, stats.failed) == (1, 0, 0)
    d.refresh_from_db()
    assert d.state == Deadline.State.FIRED
    assert d.closed_at == now
    assert d.version == 2
    assert len(events("test.fired", d)) == 1  # the handler's own effect
    [fired] = events("deadline.fired", d)
    assert fired.rules == ["countersign.reply"]
    assert fired.before == {"state": "pending"}
    assert fired.after["state"] == "fired" and fired.after["kind"] == recording_kind.key
    assert fired.occurred_at == now

    again = run_once(now + dt.timedelta(hours=1))

    assert again.total == 0
    assert len(events("test.fired", d)) == 1
    assert len(events("deadline.fired", d)) == 1
    d.refresh_from_db()
    assert d.state == Deadline.State.FIRED and d.closed_at == now and d.version == 2


def test_a_deadline_of_an_unregistered_kind_is_marked_missed(make_deadline, now):
    d = make_deadline(kind="test.workflow.nobody-registered-this")

    stats = run_once(now)

    assert (stats.fired, stats.missed) == (0, 1)
    d.refresh_from_db()
    assert d.state == Deadline.State.MISSED
    assert d.closed_at == now
    assert len(events("deadline.missed", d)) == 1
    assert d.is_overdue(now)  # a missed deadline still shows as overdue


def test_a_deadline_not_yet_due_stays_pending(recording_kind, make_deadline, now):
    d = make_deadline(due_at=now + dt.timedelta(minutes=1))

    assert run_once(now).total == 0

    d.refresh_from_db()
    assert d.state == Deadline.State.PENDING and d.closed_at is None
    assert not events("test.fired", d)
    assert not d.is_overdue(now)


def test_a_pending_deadline_past_its_due_time_is_overdue_without_any_worker_run(make_deadline, now):
    d = make_deadline(due_at=now - dt.timedelta(seconds=1))

    assert d.is_overdue(now)
    assert d.is_overdue(d.due_at)  # due at that very instant
    assert not d.is_overdue(d.due_at - dt.timedelta(microseconds=1))
    assert Deadline.objects.get(pk=d.pk).state == Deadline.State.PENDING


def test_a_deadline_closed_as_met_is_not_overdue(make_deadline, now):
    d = make_deadline(state=Deadline.State.MET)

    assert not d.is_overdue(now)
    assert run_once(now).total == 0


def test_a_failing_handler_is_retried_with_back_off_then_given_up_as_missed(register_kind, make_deadline, now):
    calls: list[dt.datetime] = []

    def explode(d: Deadline, at: dt.datetime) -> str:
        calls.append(at)
        raise RuntimeError("承办系统不可用")

    register_kind("test.workflow.exploding", on_due=explode)
    d = make_deadline(kind="test.workflow.exploding")

    at = now
    for attempt in range(1, MAX_ATTEMPTS):
        stats = run_once(at)
        assert (stats.failed, stats.fired, stats.missed) == (1, 0, 0)
        d.refresh_from_db()
        assert d.attempts == attempt
        assert d.state == Deadline.State.PENDING and d.closed_at is None
        assert d.not_before == at + dt.timedelta(minutes=2**attempt)
        assert "承办系统不可用" in d.last_error
        # Before the back-off has passed, the worker leaves it alone.
        assert run_once(d.not_before - dt.timedelta(seconds=1)).total == 0
        assert len(calls) == attempt
        at = d.not_before

    stats = run_once(at)

    assert stats.failed == 1
    d.refresh_from_db()
    assert d.attempts == MAX_ATTEMPTS
    assert d.state == Deadline.State.MISSED
    assert d.closed_at == at
    assert d.is_overdue(at)
    assert len(calls) == MAX_ATTEMPTS
    assert not events("deadline.fired", d)
    assert len(events("deadline.missed", d)) == 1
    # Given up: no further attempts, however late.
    assert run_once(at + dt.timedelta(days=30)).total == 0
    assert len(calls) == MAX_ATTEMPTS


def test_a_failing_handler_undoes_only_its_own_work(register_kind, recording_kind, make_deadline, now):
    def half_done(d: Deadline, at: dt.datetime) -> str:
        Deadline.objects.filter(pk=d.pk).update(subject_label="处理了一半")
        raise RuntimeError("boom")

    register_kind("test.workflow.half-done", on_due=half_done)
    failing = make_deadline(kind="test.workflow.half-done", due_at=now - dt.timedelta(hours=2))
    ok = make_deadline(due_at=now - dt.timedelta(hours=1))

    stats = run_once(now)

    assert (stats.fired, stats.failed) == (1, 1)
    failing.refresh_from_db()
    ok.refresh_from_db()
    assert failing.subject_label == "测试事项"  # the savepoint rolled the handler's write back
    assert failing.state == Deadline.State.PENDING and failing.attempts == 1
    assert ok.state == Deadline.State.FIRED


def test_a_handler_returning_something_else_counts_as_a_failure(register_kind, make_deadline, now):
    register_kind("test.workflow.confused", on_due=lambda d, at: "done")
    d = make_deadline(kind="test.workflow.confused")

    stats = run_once(now)

    assert stats.failed == 1
    d.refresh_from_db()
    assert d.state == Deadline.State.PENDING and d.attempts == 1
    assert "returned 'done'" in d.last_error


def test_giving_up_after_the_last_failed_attempt_is_recorded_in_the_audit_trail(register_kind, make_deadline, now):
    def explode(d: Deadline, at: dt.datetime) -> str:
        raise RuntimeError("boom")

    register_kind("test.workflow.exploding", on_due=explode)
    d = make_deadline(kind="test.workflow.exploding", attempts=MAX_ATTEMPTS - 1)

    stats = run_once(now)

    assert stats.failed == 1
    d.refresh_from_db()
    assert d.state == Deadline.State.MISSED
    [missed] = events("deadline.missed", d)
    assert missed.before == {"state": "pending"}
    assert missed.after["state"] == "missed" and missed.after["attempts"] == MAX_ATTEMPTS
    assert missed.after["error"] == ["RuntimeError: boom"]
    assert missed.rules == [d.rule_id] and missed.occurred_at == now


def test_a_deadline_in_its_reminder_window_is_reminded_exactly_once(register_kind, make_deadline, now):
    reminded: list[tuple[int, dt.datetime]] = []
    due: list[int] = []

    def on_remind(d: Deadline, at: dt.datetime) -> None:
        reminded.append((d.pk, at))

    def on_due(d: Deadline, at: dt.datetime) -> str:
        due.append(d.pk)
        return Deadline.State.FIRED

    register_kind("test.workflow.reminding", on_due=on_due, on_remind=on_remind)
    d = make_deadline(
        kind="test.workflow.reminding", due_at=now + dt.timedelta(hours=3), remind_at=now - dt.timedelta(hours=1)
    )
    later = make_deadline(
        kind="test.workflow.reminding", due_at=now + dt.timedelta(days=3), remind_at=now + dt.timedelta(days=2)
    )

    stats = run_once(now)

    assert (stats.reminded, stats.fired) == (1, 0)
    assert reminded == [(d.pk, now)]
    d.refresh_from_db()
    assert d.reminded_at == now and d.state == Deadline.State.PENDING
    assert len(events("deadline.remind", d)) == 1
    later.refresh_from_db()
    assert later.reminded_at is None

    assert run_once(now + dt.timedelta(hours=1)).total == 0
    assert reminded == [(d.pk, now)]
    assert len(events("deadline.remind", d)) == 1

    # Once due, it fires; the reminder is not sent again.
    stats = run_once(d.due_at)
    assert (stats.fired, stats.reminded) == (1, 0)
    assert due == [d.pk]
    assert reminded == [(d.pk, now)]


def test_without_a_remind_handler_the_assignee_gets_a_reminder_in_the_inbox(register_kind, make_deadline, now):
    register_kind("test.workflow.plain", on_due=lambda d, at: Deadline.State.FIRED)
    clerk = Person.objects.create(name="李四")
    d = make_deadline(
        kind="test.workflow.plain",
        subject_label="关于某事项的会签",
        assignee_person=clerk,
        due_at=now + dt.timedelta(hours=3),
        remind_at=now - dt.timedelta(hours=1),
    )
    nobody = make_deadline(
        kind="test.workflow.plain", due_at=now + dt.timedelta(hours=3), remind_at=now - dt.timedelta(hours=1)
    )

    assert run_once(now).reminded == 2
    assert run_once(now + dt.timedelta(minutes=5)).total == 0

    [item] = InboxItem.objects.all()
    assert item.title == "催办：关于某事项的会签"
    assert item.deadline == d and item.assignee_person == clerk and item.kind == "reminder"
    assert item.created_at == now and item.state == InboxItem.State.OPEN
    nobody.refresh_from_db()
    assert nobody.reminded_at == now  # reminded (and audited) even with no one to put it in front of
    assert len(events("deadline.remind", nobody)) == 1


def test_a_deadline_already_due_gets_no_reminder(register_kind, make_deadline, now):
    reminded: list[int] = []
    register_kind(
        "test.workflow.reminding",
        on_due=lambda d, at: Deadline.State.FIRED,
        on_remind=lambda d, at: reminded.append(d.pk),
    )
    d = make_deadline(kind="test.workflow.reminding", due_at=now, remind_at=now - dt.timedelta(days=1))

    stats = run_once(now)

    assert (stats.reminded, stats.fired) == (0, 1)
    assert reminded == []
    d.refresh_from_db()
    assert d.reminded_at is None and d.state == Deadline.State.FIRED


@pytest.mark.rule("countersign.reply")
def test_scheduling_a_countersign_reply_falls_due_at_the_end_of_its_last_day(recording_kind):
    d = deadline_schedule(
        actor=None,
        subject=None,
        subject_label="关于某事项的会签",
        kind=recording_kind.key,
        rule_id="countersign.reply",
        anchor=D("2026-09-30"),
    )

    d.refresh_from_db()
    assert d.due_date == D("2026-10-10")
    assert d.due_at == dt.datetime(2026, 10, 11, 0, 0, tzinfo=LOCAL_TZ)
    assert d.anchor_at == dt.datetime(2026, 9, 30, 0, 0, tzinfo=LOCAL_TZ)
    assert d.remind_at == d.due_at - dt.timedelta(days=1)
    assert d.state == Deadline.State.PENDING and not d.provisional
    assert d.rule_id == "countersign.reply" and d.trace
    [scheduled] = events("deadline.schedule", d)
    assert scheduled.rules == ["countersign.reply"]
    assert scheduled.after["due_date"] == "2026-10-10"
    assert scheduled.after["provisional"] is False

    # Not overdue during the last day, overdue from its first instant after.
    assert not d.is_overdue(dt.datetime(2026, 10, 10, 23, 59, 59, tzinfo=LOCAL_TZ))
    assert run_once(dt.datetime(2026, 10, 10, 23, 59, 59, tzinfo=LOCAL_TZ)).fired == 0
    assert d.is_overdue(d.due_at)
    assert run_once(d.due_at).fired == 1


@pytest.mark.rule("minutes.issue")
def test_loading_next_years_schedule_recomputes_a_provisional_deadline(
    recording_kind, django_capture_on_commit_callbacks
):
    d = deadline_schedule(
        actor=None,
        subject=None,
        subject_label="会议纪要印发",
        kind=recording_kind.key,
        rule_id="minutes.issue",
        anchor=D("2026-12-30"),
    )
    assert d.provisional
    assert d.due_date == D("2027-01-04")
    assert not events("deadline.recompute", d)

    schedule = parse_schedule(
        {
            "year": 2027,
            "source": "测试用2027年放假安排（非官方）",
            "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
        }
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        official_year_load(schedule=schedule, actor=None)
    assert callbacks

    d.refresh_from_db()
    assert not d.provisional
    assert d.due_date == D("2027-01-05")
    assert d.due_at == dt.datetime(2027, 1, 6, 0, 0, tzinfo=LOCAL_TZ)
    assert d.remind_at == d.due_at - dt.timedelta(days=1)
    assert d.version == 2
    [recomputed] = events("deadline.recompute", d)
    assert recomputed.before["due_date"] == "2027-01-04" and recomputed.before["provisional"] is True
    assert recomputed.after["due_date"] == "2027-01-05" and recomputed.after["provisional"] is False
    assert recomputed.rules == ["minutes.issue"]


@pytest.mark.django_db
def test_a_failure_after_the_state_was_set_leaves_the_deadline_pending_not_silently_closed(
    now, make_deadline, register_kind, monkeypatch
):
    from cityhall.workflow import worker

    register_kind("test.workflow.fires-then-breaks", on_due=lambda d, at: "fired")
    d = make_deadline(kind="test.workflow.fires-then-breaks")
    calls = {"n": 0}

    def breaking_audit(**kwargs):
        calls["n"] += 1
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(worker, "audit_record", breaking_audit)
    stats = worker.fire_due(now)
    # Once for the batch as a whole, once more for the row on its own after the batch was rolled back.
    assert calls["n"] == 2 and stats.failed == 1
    d.refresh_from_db()
    assert (d.state, d.closed_at, d.attempts) == ("pending", None, 1)


# -- batches (issue 10 P2) ---------------------------------------------------------------------------


def test_a_batch_of_unhandled_deadlines_costs_the_same_statements_whatever_its_size(make_deadline, now):
    from cityhall.workflow import worker

    def statements(n: int) -> int:
        for i in range(n):
            make_deadline(kind="test.workflow.unhandled", due_at=now - dt.timedelta(minutes=i + 1))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            stats = worker.fire_due(now)
        assert stats.missed == n
        return len(ctx.captured_queries)

    # Every chain head exists after the first batch; 40 rows still fit in one INSERT on SQLite.
    statements(60)
    small, large = statements(3), statements(40)
    assert small == large, f"3 deadlines took {small} statements, 40 took {large}"
    assert large <= 9  # claim, one UPDATE, the audit flush (3), and two savepoints with their releases
    assert Deadline.objects.filter(state=Deadline.State.MISSED, version=2).count() == 103
    assert AuditEvent.objects.filter(action="deadline.missed").count() == 103


def test_a_batch_handler_gets_the_batchs_rows_of_its_kind_at_once(register_kind, make_deadline, now):
    seen: list[list[int]] = []

    def many(rows: list[Deadline], at: dt.datetime) -> dict[int, str]:
        seen.append(sorted(d.pk for d in rows))
        return {d.pk: (Deadline.State.FIRED if d.subject_label == "办" else Deadline.State.MISSED) for d in rows}

    register_kind("test.workflow.many", on_due_many=many)
    act = [make_deadline(kind="test.workflow.many", subject_label="办") for _ in range(3)]
    skip = make_deadline(kind="test.workflow.many", subject_label="不办")
    other = make_deadline(kind="test.workflow.unhandled")

    stats = run_once(now)

    assert (stats.fired, stats.missed, stats.failed) == (3, 2, 0)
    assert seen == [sorted([*(d.pk for d in act), skip.pk])]
    states = dict(Deadline.objects.values_list("pk", "state"))
    assert [states[d.pk] for d in act] == ["fired"] * 3
    assert (states[skip.pk], states[other.pk]) == ("missed", "missed")
    for d in act:
        [fired] = events("deadline.fired", d)
        assert fired.after["kind"] == "test.workflow.many"


def test_when_a_batch_handler_fails_the_batch_is_redone_row_by_row_and_only_the_bad_row_waits(
    register_kind, make_deadline, now
):
    calls: list[list[str]] = []

    def many(rows: list[Deadline], at: dt.datetime) -> dict[int, str]:
        calls.append([d.subject_label for d in rows])
        for d in rows:
            Deadline.objects.filter(pk=d.pk).update(subject_label=d.subject_label + "（处理中）")
            if d.subject_label == "坏":
                raise RuntimeError("这一条的承办单位不存在")
        return {d.pk: Deadline.State.FIRED for d in rows}

    register_kind("test.workflow.many", on_due_many=many)
    good = [
        make_deadline(kind="test.workflow.many", subject_label="好", due_at=now - dt.timedelta(hours=h)) for h in (3, 1)
    ]
    bad = make_deadline(kind="test.workflow.many", subject_label="坏", due_at=now - dt.timedelta(hours=2))

    stats = run_once(now)

    assert (stats.fired, stats.failed) == (2, 1)
    # Once for the batch, then once per row in due order.
    assert calls == [["好", "坏", "好"], ["好"], ["坏"], ["好"]]
    for d in good:
        d.refresh_from_db()
        assert (d.state, d.subject_label, d.version) == ("fired", "好（处理中）", 2)
        assert len(events("deadline.fired", d)) == 1
    bad.refresh_from_db()
    # The failed try's write went with its savepoint; the row waits for its back-off.
    assert (bad.state, bad.subject_label, bad.attempts) == ("pending", "坏", 1)
    assert "这一条的承办单位不存在" in bad.last_error
    assert not events("deadline.fired", bad)


def test_a_failing_row_handler_in_a_batch_is_set_aside_and_called_once(register_kind, make_deadline, now):
    calls: list[str] = []

    def one(d: Deadline, at: dt.datetime) -> str:
        calls.append(d.subject_label)
        Deadline.objects.filter(pk=d.pk).update(subject_label=d.subject_label + "!")
        if d.subject_label == "坏":
            raise RuntimeError("boom")
        return Deadline.State.FIRED

    register_kind("test.workflow.one", on_due=one)
    first = make_deadline(kind="test.workflow.one", subject_label="甲", due_at=now - dt.timedelta(hours=3))
    bad = make_deadline(kind="test.workflow.one", subject_label="坏", due_at=now - dt.timedelta(hours=2))
    last = make_deadline(kind="test.workflow.one", subject_label="乙", due_at=now - dt.timedelta(hours=1))

    stats = run_once(now)

    assert (stats.fired, stats.failed) == (2, 1)
    # 甲 ran twice (its first run was rolled back with the batch), 坏 once, 乙 once.
    assert calls == ["甲", "坏", "甲", "乙"]
    labels = dict(Deadline.objects.values_list("pk", "subject_label"))
    assert (labels[first.pk], labels[bad.pk], labels[last.pk]) == ("甲!", "坏", "乙!")
    bad.refresh_from_db()
    assert bad.state == "pending" and bad.attempts == 1 and "boom" in bad.last_error
