"""The year's performance evaluation (Art 63): scored from the ledger by category, ranked, commended."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from cityhall.org.demo import load_demo
from cityhall.org.models import Unit
from cityhall.rules import InvalidInput
from cityhall.supervision.evaluation import (
    EvaluationError,
    commended,
    evaluation_compute,
    notice_document,
    notice_issue,
    score_other,
)
from cityhall.supervision.services import ItemForm, completion_report, item_create, review
from tests.meetings.test_topics import person

from .test_ledger import evidence

pytestmark = pytest.mark.django_db
CLERK = "office-clerk-1"
AT = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def closed_item(unit: str, deployed: dt.date, *, late: bool = False) -> None:
    item = item_create(
        actor=person(CLERK),
        form=ItemForm("direct", f"{unit}事项", Unit.objects.get(code=unit), "负责人", "ordinary", deployed),
    )
    when = dt.datetime.combine(item.due_date + dt.timedelta(days=3 if late else -1), dt.time(10), tzinfo=AT.tzinfo)
    completion_report(actor=person(f"head-{unit}"), item=item, text="完成", files=[evidence()], at=when)
    review(actor=person(CLERK), item=item, close=True, at=when)


@pytest.mark.rule("evaluation.performance")
def test_63_counties_and_departments_are_ranked_from_the_ledger_and_commended(demo_units):
    closed_item("fgw", dt.date(2026, 6, 1))
    closed_item("fgw", dt.date(2026, 7, 1))
    closed_item("finance", dt.date(2026, 6, 1), late=True)
    closed_item("xinbin", dt.date(2026, 6, 1))
    item_create(
        actor=person(CLERK),
        form=ItemForm(
            "direct", "逾期事项", Unit.objects.get(code="finance"), "负责人", "ordinary", dt.date(2026, 8, 1)
        ),
    )
    with pytest.raises(EvaluationError, match="市政府办公室组织"):
        evaluation_compute(actor=person("head-fgw"), year=2026, at=AT)
    run = evaluation_compute(actor=person(CLERK), year=2026, at=AT)
    scores = {s.unit.code: s for s in run.scores.all()}
    assert (scores["fgw"].on_time_rate, scores["fgw"].total, scores["fgw"].rank) == (100.0, 60.0, 1)
    # finance: 0 of 2 on time, and 1 still overdue: 0 − 2 points, floored at 0.
    assert (scores["finance"].on_time_rate, scores["finance"].overdue_open, scores["finance"].total) == (0.0, 1, 0.0)
    assert scores["xinbin"].category == "county" and scores["xinbin"].rank == 1
    with pytest.raises(InvalidInput, match="依据"):
        score_other(actor=person(CLERK), score=scores["finance"], value=90, basis="")
    score_other(actor=person(CLERK), score=scores["finance"], value=90, basis="年度重点任务完成情况评估", at=AT)
    assert run.scores.get(unit__code="finance").total == 34.0  # 90 × 40% − 1 overdue × 2
    notice_issue(actor=person(CLERK), run=run, at=AT)
    run.refresh_from_db()
    assert run.notice_number == "抚政办发〔2026〕1号"
    assert [s.unit.code for s in commended(run)["市政府工作部门"]] == ["fgw", "finance"]
    from docx import Document as Docx

    from cityhall.documents.render import render_docx

    text = "\n".join(p.text for p in Docx(io.BytesIO(render_docx(notice_document(run)))).paragraphs)
    assert "通报表扬" in text and "抚顺市发展和改革委员会" in text and "新宾满族自治县人民政府" in text
    with pytest.raises(EvaluationError, match="已通报"):
        evaluation_compute(actor=person(CLERK), year=2026, at=AT)


@pytest.fixture
def demo_units() -> None:
    load_demo()
