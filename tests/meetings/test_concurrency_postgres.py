"""Two clerks decide the same topic step at once, and four departments apply at once, over HTTP with
tokens on PostgreSQL: exactly one decision counts, nobody deadlocks, and the audit chain stays whole."""

from __future__ import annotations

import pytest
from django.conf import settings

from cityhall.meetings.models import Topic, TopicAction
from cityhall.org.demo import load_demo
from cityhall.workflow.audit import verify_chain
from cityhall.workflow.models import InboxItem
from tests.security.test_api_as_clients import call, token_for
from tests.security.test_concurrent_writes_postgres import run_together

from .test_api import TOPIC

pytestmark = [
    pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.rule("meeting.executive-topics")
def test_two_clerks_passing_one_step_at_once_record_it_once(live_server):
    load_demo()
    status, topic = call(live_server, "POST", "/api/v1/meetings/topics", token_for("fgw"), TOPIC)
    assert status == 201
    path = f"/api/v1/meetings/topics/{topic['id']}/decide"
    body = {"decision": "pass", "step": "office_collects"}
    results = run_together(
        [(token_for("clerk"), "POST", path, body), (token_for("clerk2"), "POST", path, body)], live_server
    )
    assert sorted(s for s, _ in results) == [200, 409], results
    assert "已经办理过" in next(b["message"] for s, b in results if s == 409)
    assert TopicAction.objects.filter(topic_id=topic["id"], decision="pass").count() == 1
    open_items = InboxItem.objects.filter(subject_id=str(topic["id"]), kind="meetings.topic", state="open")
    assert [i.assignee_position.code for i in open_items] == ["secretary-general"]
    assert verify_chain().ok


def test_four_departments_applying_at_once_all_land(live_server):
    load_demo()
    jobs = []
    for username, unit in (
        ("fgw", "抚顺市发展和改革委员会"),
        ("finance", "抚顺市财政局"),
        ("education", "抚顺市教育局"),
        ("xinbin", "新宾满族自治县人民政府"),
    ):
        jobs.append(
            (
                token_for(username),
                "POST",
                "/api/v1/meetings/topics",
                TOPIC | {"host_unit": unit, "reporting_unit": unit, "matter": f"{unit}的议题"},
            )
        )
    results = run_together(jobs, live_server)
    assert [s for s, _ in results] == [201] * 4, results
    assert Topic.objects.count() == 4
    assert verify_chain().ok


@pytest.mark.rule("minutes.sign", "minutes.issue")
def test_two_minutes_signed_at_once_get_two_numbers_and_one_issue_counts_once(live_server):
    from cityhall.meetings.models import Minutes

    from .test_minutes import circulated_meeting

    load_demo()
    first, second = circulated_meeting("市政府第40次常务会议"), circulated_meeting("市政府第41次常务会议")
    results = run_together(
        [(token_for("mayor"), "POST", f"/api/v1/meetings/{m.meeting_id}/minutes/sign", {}) for m in (first, second)],
        live_server,
    )
    assert [s for s, _ in results] == [200, 200], results
    numbers = sorted(Minutes.objects.values_list("seq", flat=True))
    assert numbers == [1, 2]
    path = f"/api/v1/meetings/{first.meeting_id}/minutes/issue"
    results = run_together(
        [(token_for("clerk"), "POST", path, {}), (token_for("clerk2"), "POST", path, {})], live_server
    )
    assert sorted(s for s, _ in results) == [200, 409], results
    # The second clerk finds it already issued: refused in words, not a deadlock.
    assert "已经印发" in next(b["message"] for s, b in results if s == 409)
    assert Minutes.objects.get(pk=first.pk).state == "issued"
    assert verify_chain().ok
