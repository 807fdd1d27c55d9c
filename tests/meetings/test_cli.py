"""cityhall meetings: list topics, and import them from JSON through the same service as the form."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityhall.meetings.models import Topic
from cityhall.org.demo import load_demo

pytestmark = pytest.mark.django_db

TOPIC = {
    "meeting_kind": "executive",
    "matter": "关于抚顺市2027年老旧小区改造计划的议题",
    "host_unit": "抚顺市发展和改革委员会",
    "reporting_unit": "市发展改革委",
    "basis": "依据国务院办公厅关于全面推进城镇老旧小区改造工作的指导意见。",
    "consultations": [{"unit": "抚顺市财政局", "opinion": "同意。"}],
}


@pytest.mark.rule("meeting.executive-topics")
def test_topics_are_imported_all_or_nothing_and_listed(tmp_path, capsys):
    load_demo()
    good = tmp_path / "topics.json"
    good.write_text(json.dumps([TOPIC, TOPIC | {"matter": "第二项议题"}], ensure_ascii=False), encoding="utf-8")
    call_command("meetings", "import-topics", str(good), "--as", "fgw")
    assert Topic.objects.count() == 2 and set(Topic.objects.values_list("step", flat=True)) == {"office_collects"}

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([TOPIC | {"matter": "第三项"}, TOPIC | {"host_unit": "抚顺市财政局"}]), encoding="utf-8")
    with pytest.raises(
        CommandError, match="第2项议题“关于抚顺市2027年老旧小区改造计划的议题”未导入：只能以本单位名义申报议题"
    ) as exc:
        call_command("meetings", "import-topics", str(bad), "--as", "fgw")
    assert exc.value.returncode == 2 and "第四十条第二款" in str(exc.value)
    assert Topic.objects.count() == 2  # the first of the bad file was rolled back too
    with pytest.raises(CommandError, match="没有名为“不存在的局”的单位"):
        bad.write_text(json.dumps(TOPIC | {"host_unit": "不存在的局"}), encoding="utf-8")
        call_command("meetings", "import-topics", str(bad), "--as", "fgw")
    with pytest.raises(CommandError, match="第1项议题输入有误：legality_review_needed"):
        bad.write_text(json.dumps(TOPIC | {"legality_review_needed": "yes"}), encoding="utf-8")
        call_command("meetings", "import-topics", str(bad), "--as", "fgw")

    capsys.readouterr()
    call_command("meetings", "topics", "--json")
    listed = json.loads(capsys.readouterr().out)
    assert [t["step_label"] for t in listed] == ["市政府办公室征集、汇总"] * 2
    call_command("meetings", "topics")
    assert "审核中，在“市政府办公室征集、汇总”" in capsys.readouterr().out


@pytest.mark.rule("minutes.issue")
def test_meetings_are_listed_in_the_product_shape_and_minutes_written_as_docx(tmp_path, capsys):
    from .test_minutes import circulated_meeting

    load_demo()
    minutes = circulated_meeting()
    capsys.readouterr()
    call_command("meetings", "list", "--json")
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["id"] == minutes.meeting_id and entry["state"] == "held" and entry["state_label"] == "已召开"
    assert entry["due"] == minutes.deadline.due_date.isoformat() and entry["overdue"] is False
    assert entry["minutes"]["state"] == "circulated"
    call_command("meetings", "list")
    assert f"应于{entry['due']}前印发" in capsys.readouterr().out

    out = tmp_path / "minutes.docx"
    call_command("meetings", "minutes", str(minutes.meeting_id), "--docx", "--out", str(out))
    assert out.read_bytes()[:2] == b"PK"
    from docx import Document as Docx

    text = "\n".join(p.text for p in Docx(str(out)).paragraphs)
    assert "市政府第30次常务会议纪要" in text and "会议决定：" in text
    pdf = tmp_path / "minutes.pdf"
    call_command("meetings", "minutes", str(minutes.meeting_id), "--pdf", "--out", str(pdf))
    assert pdf.read_bytes()[:4] == b"%PDF"
    with pytest.raises(CommandError, match="没有纪要") as exc:
        call_command("meetings", "minutes", "999", "--docx")
    assert exc.value.returncode == 2
