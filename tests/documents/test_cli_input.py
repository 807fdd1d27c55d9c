"""The documents and calendar commands on bad input (issue 8 #9): a one-line Chinese message and exit 2,
never a traceback; an import that cannot be submitted keeps nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityhall.documents.models import Document
from cityhall.org.demo import load_demo

pytestmark = pytest.mark.django_db

GOOD = {
    "kind": "请示",
    "title": "关于道路修缮资金的请示",
    "body": "特申请补助资金。\n妥否，请批示。",
    "issuer": "xinbin",
    "addressees": ["抚顺市人民政府"],
    "signed_by": "县长",
}


def write(tmp_path: Path, text: str, name: str = "draft.json") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps({**GOOD, "addressees": 5}), "应为列表"),
        (json.dumps({**GOOD, "addressees": None}), "应为列表"),
        (json.dumps({**GOOD, "leader_assigned": "false"}), "应为 true 或 false"),
        (json.dumps({**GOOD, "title": "标\u0000题"}), "空字符"),
        (json.dumps(GOOD, ensure_ascii=False).replace("关于", "\\ud800"), "代理字符"),
        ("[" * 5000 + "]" * 5000, "嵌套层数过多"),
    ],
)
@pytest.mark.parametrize("action", ["check", "import"])
def test_bad_drafts_get_a_chinese_message_and_nothing_is_kept(tmp_path, text, message, action):
    load_demo()
    args = ["documents", action, write(tmp_path, text)] + (["--as", "xinbin"] if action == "import" else [])
    with pytest.raises(CommandError, match=message) as refused:
        call_command(*args)
    assert refused.value.returncode == 2
    assert not Document.objects.exists()


def test_an_import_that_cannot_be_submitted_keeps_no_orphan_draft(tmp_path):  # Art 48
    load_demo()
    report = {**GOOD, "kind": "报告", "body": "现将情况报告如下。另申请资金，妥否，请批示。"}
    with pytest.raises(CommandError, match="未保存任何内容"):
        call_command("documents", "import", write(tmp_path, json.dumps(report)), "--as", "xinbin")
    with pytest.raises(CommandError, match="最多200个字"):
        call_command(
            "documents", "import", write(tmp_path, json.dumps({**GOOD, "title": "关" * 201})), "--as", "xinbin"
        )
    assert not Document.objects.exists()


def test_export_to_a_missing_directory_says_so():
    load_demo()
    from cityhall.documents.services import document_create_incoming
    from cityhall.org.models import Person, Unit

    doc = document_create_incoming(
        actor=Person.objects.get(user__username="xinbin"),
        issuer_unit=Unit.objects.get(code="xinbin"),
        kind="请示",
        title="关于道路修缮资金的请示",
        body="特申请补助资金。\n妥否，请批示。",
        addressees=["抚顺市人民政府"],
        signed_by_title="县长",
    )
    with pytest.raises(CommandError, match="无法写入"):
        call_command("documents", "export", str(doc.pk), "--output", "/nonexistent/dir/x.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "year: 2027\nsource: 测试用放假安排\nholidays:\n  - {name: 春节, from: 2027-02-30, to: 2027-02-30}\n",
            "日期不存在",
        ),
        ('year: 2027\nsource: "测试\\0放假安排"\nholidays: []\n', "控制字符"),
        (f"year: 2027\nsource: {'长' * 301}\nholidays: []\n", "最多 300"),
    ],
)
def test_calendar_load_names_what_is_wrong_with_the_file(tmp_path, text, message):
    with pytest.raises(CommandError, match=message) as refused:
        call_command("calendar", "load", write(tmp_path, text, "2027.yaml"), "--dry-run")
    assert "migrate" not in str(refused.value)


def test_calendar_load_of_a_directory_says_it_is_a_directory(tmp_path):
    with pytest.raises(CommandError, match="目录"):
        call_command("calendar", "load", str(tmp_path))
