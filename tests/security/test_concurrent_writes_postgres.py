"""Concurrent clerks and leaders over real HTTP with bearer tokens, on PostgreSQL (issue 8 #2).

Before the fix, 4 clerks each asking 20 departments to countersign a different document deadlocked on
the audit chain heads: each request locked the heads in the order its events happened. Now every
transaction writes its events at the end, taking the heads in ascending shard order.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from cityhall.documents.models import Countersign, Document
from cityhall.documents.services import (
    document_check,
    document_co_sign,
    document_create_outgoing,
    document_prepare,
    document_register,
    document_review,
    document_submit,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Unit
from cityhall.workflow.audit import verify_chain
from cityhall.workflow.models import AuditEvent

from .test_api_as_clients import call, county_request, person, token_for

pytestmark = [
    pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 4
PER_THREAD = 3


@pytest.fixture
def office(live_server):
    load_demo()
    return live_server


def run_together(jobs: list[tuple[str, str, str, dict[str, Any]]], server: Any) -> list[tuple[int, Any]]:
    """Each job (token, method, path, body) in its own thread, all released at once."""
    results: list[tuple[int, Any]] = [(0, None)] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def work(i: int) -> None:
        token, method, path, body = jobs[i]
        barrier.wait()
        results[i] = call(server, method, path, token, body)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_four_clerks_each_ask_twenty_departments_at_once_and_nothing_deadlocks(office):
    units = list(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).exclude(code="transport").order_by("code")[:20])
    assert len(units) == 20
    docs = []
    for n in range(THREADS * PER_THREAD):
        doc = document_submit(
            actor=person("xinbin"), document=county_request(title=f"关于第{n + 1}批道路修缮资金的请示")
        )
        docs.append(document_register(actor=person("clerk"), document=doc, proposed_handling="请各部门会签。"))
    token = token_for("clerk")
    codes = [u.code for u in units]
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def clerk(batch: list[Document]) -> None:
        barrier.wait()
        for doc in batch:
            status, _ = call(
                office, "POST", f"/api/v1/documents/{doc.pk}/actions/request_countersign", token, {"units": codes}
            )
            with lock:
                statuses.append(status)
        connection.close()

    threads = [threading.Thread(target=clerk, args=(docs[i::THREADS],)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)

    assert statuses == [200] * (THREADS * PER_THREAD)
    assert Countersign.objects.filter(document__in=docs).count() == THREADS * PER_THREAD * 20
    assert AuditEvent.objects.filter(action="document.request_countersign").count() == THREADS * PER_THREAD
    assert all(d.state == "countersigning" for d in Document.objects.filter(pk__in=[d.pk for d in docs]))
    assert verify_chain().ok


def test_the_mayor_signs_four_notices_at_once_and_each_gets_its_own_number(office):
    notices = []
    for n in range(THREADS):
        doc = document_create_outgoing(
            actor=person("clerk"),
            issuer_unit=Unit.objects.get(code="city-government"),
            kind="通知",
            category="government_downward",
            title=f"抚顺市人民政府关于做好第{n + 1}季度农村公路养护的通知",
            body="各县（区）人民政府，市政府各部门：为加强农村公路养护管理……",
            addressees=["各县（区）人民政府"],
            matter_unit=Unit.objects.get(code="transport"),
            touched_leaders=["vice-mayor-1"],
        )
        doc = document_check(actor=person("clerk2"), document=document_prepare(actor=person("clerk"), document=doc))
        doc = document_review(actor=person("vm5"), document=doc)
        notices.append(document_co_sign(actor=person("vm1"), document=doc))
    token = token_for("mayor")

    results = run_together([(token, "POST", f"/api/v1/documents/{d.pk}/actions/sign", {}) for d in notices], office)

    assert [status for status, _ in results] == [200] * THREADS, results
    numbers = sorted(Document.objects.get(pk=d.pk).document_number for d in notices)
    assert len(set(numbers)) == THREADS and all(n.startswith("抚政发〔") for n in numbers)
    assert AuditEvent.objects.filter(action="document.sign").count() == THREADS
    assert verify_chain().ok
