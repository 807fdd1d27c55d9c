"""Concurrent writes on PostgreSQL: two clerks answering at once get distinct reply numbers, the same
request answered twice is answered once, and the public limit holds under a burst of parallel posts."""

from __future__ import annotations

import pytest
from django.conf import settings

from cityhall.openness import disclosure as dc
from cityhall.openness.models import DisclosureRequest
from cityhall.org.demo import load_demo
from tests.leave.test_concurrency_postgres import together
from tests.meetings.test_topics import person
from tests.openness.test_disclosure import form

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.rule("disclosure.reply-forms")
def test_two_clerks_answering_at_once_number_without_gaps_or_duplicates_and_answer_each_request_once():
    load_demo()
    requests = [dc.disclosure_apply(form=form(name=f"申请人{n}")) for n in range(6)]
    clerks = ("office-clerk-1", "office-clerk-2")
    for pair in (requests[0:2], requests[2:4], requests[4:6]):
        together(
            *(
                lambda r=r, c=c: dc.disclosure_reply(actor=person(c), request=r, outcome="disclosed")
                for r, c in zip(pair, clerks, strict=True)
            )
        )
    numbers = sorted(DisclosureRequest.objects.values_list("reply_number", flat=True))
    assert len(set(numbers)) == 6 and all(n.startswith("抚政办依申请〔") for n in numbers)
    seqs = sorted(int(n.split("〕")[1].rstrip("号")) for n in numbers)
    assert seqs == list(range(1, 7))
    again = dc.disclosure_apply(form=form())
    results = together(
        *(lambda c=c: dc.disclosure_reply(actor=person(c), request=again, outcome="not_exist") for c in clerks)
    )
    assert sum(isinstance(r, dc.DisclosureError) for r in results) == 1
    assert DisclosureRequest.objects.filter(reply_number__endswith="〕7号").count() == 1
