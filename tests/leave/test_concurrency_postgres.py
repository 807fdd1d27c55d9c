"""Concurrent writes on PostgreSQL: the worker escalating an emergency step while its recipient
acknowledges it, and two approvers pressing at once. Nothing deadlocks, nothing is sent twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cityhall.leave import services as svc
from cityhall.leave.emergencies import emergency_acknowledge, emergency_report
from cityhall.leave.models import EmergencyStep, LeaveRequest
from cityhall.org.demo import load_demo
from cityhall.org.models import Absence, Position
from cityhall.rules import RulesError
from cityhall.workflow.audit import verify_chain
from cityhall.workflow.worker import run_once
from tests.leave.test_emergencies import flood
from tests.meetings.test_topics import person

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def together(*jobs) -> list[object]:  # type: ignore[no-untyped-def]
    results: list[object] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except RulesError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer is stuck"
    return results


@pytest.mark.rule("emergency.acknowledge")
def test_the_worker_escalating_while_the_recipient_acknowledges_sends_the_report_on_once():
    load_demo()
    for _ in range(5):
        now = timezone.now()
        report = emergency_report(
            actor=person("head-qingyuan"),
            form=flood(occurred_at=now - dt.timedelta(minutes=30), on_scene_at=None),
            at=now - dt.timedelta(minutes=16),
        )
        step = report.steps.get()
        together(
            lambda now=now: run_once(now),
            lambda now=now, step=step: emergency_acknowledge(actor=person("head-water"), step=step, at=now),
        )
        assert EmergencyStep.objects.filter(report=report, recipient__code="vice-mayor-5").count() == 1
        step.refresh_from_db()
        assert step.acknowledged_at is not None
    assert verify_chain().ok


@pytest.mark.rule("leave.notice")
def test_two_presses_of_approve_make_one_absence():
    load_demo()
    now = timezone.now()
    req = svc.leave_submit(
        actor=person("vice-mayor-3"),
        form=svc.LeaveForm(
            position=Position.objects.get(code="vice-mayor-3"),
            kind="trip",
            purpose="official",
            reason="赴省开会",
            start=now + dt.timedelta(days=5),
            end=now + dt.timedelta(days=7),
            destination="沈阳",
        ),
        at=now,
    )
    req = svc.leave_act(actor=person("secretary-general"), request=req, action="forward", at=now)
    results = together(
        lambda: svc.leave_act(actor=person("mayor"), request=req, action="approve", at=now),
        lambda: svc.leave_act(actor=person("mayor"), request=req, action="approve", at=now),
    )
    assert sum(isinstance(r, LeaveRequest) for r in results) == 1
    assert sum(isinstance(r, RulesError) and "不能再办理" in r.message for r in results) == 1
    assert Absence.objects.filter(person=req.person).count() == 1


@pytest.mark.rule("report.escalation")
def test_the_head_pressing_forward_twice_at_once_sends_a_major_problem_up_one_level():
    from cityhall.leave.escalation import problem_act, problem_report
    from cityhall.leave.models import ProblemStep
    from cityhall.org.models import Unit
    from cityhall.workflow.models import InboxItem

    load_demo()
    for n in range(5):
        report = problem_report(
            actor=person("finance-staff-1"), unit=Unit.objects.get(code="finance"), title=f"资金问题{n}", body="请示"
        )
        results = together(
            lambda report=report: problem_act(actor=person("head-finance"), report=report, action="forward"),
            lambda report=report: problem_act(actor=person("head-finance"), report=report, action="forward"),
        )
        assert sum(isinstance(r, RulesError) for r in results) == 1, results
        assert list(ProblemStep.objects.filter(report=report).values_list("level", flat=True)) == [0, 1]
        assert InboxItem.objects.filter(subject_id=str(report.pk), key="level-1", state="open").count() == 1
    assert verify_chain().ok
