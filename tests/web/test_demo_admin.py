"""The demo administrator's first page shows the standing task, and the task closes when it is done."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cityhall.rulebase.services import official_year_load
from cityhall.rules.schedule_file import read_schedule_file
from cityhall.workflow.models import InboxItem

pytestmark = pytest.mark.django_db


def test_the_admin_is_asked_to_load_next_years_schedule_and_the_item_closes_on_loading(
    tmp_path, django_capture_on_commit_callbacks
):
    call_command("demo", "load", "--force", stdout=io.StringIO())
    year = timezone.localdate().year + 1
    item = InboxItem.objects.get(assignee_person__user__username="admin")
    assert f"{year}年放假安排" in item.title and item.url.endswith("/upload/") and item.state == "open"
    call_command("demo", "load", "--force", stdout=io.StringIO())
    assert InboxItem.objects.filter(assignee_person__user__username="admin").count() == 1  # idempotent

    path = tmp_path / f"{year}.yaml"
    path.write_text(
        f"year: {year}\nsource: 测试用放假安排（非官方）\nholidays:\n  - {{name: 元旦, from: {year}-01-01, to: {year}-01-01}}\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        official_year_load(schedule=read_schedule_file(path), actor=None)
    item.refresh_from_db()
    assert item.state == "done"
