"""cityhall demo load — the Fushun demo organisation for script/server. Idempotent.

Demo accounts have a published password, so this refuses to run unless DEBUG is
on (or --force is given for a throwaway demo host).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.documents.demo import load_documents
from cityhall.leave.demo import load_leave
from cityhall.meetings.demo import load_meetings, load_topics
from cityhall.openness.demo import load_disclosure, load_openness, load_oversight
from cityhall.org.demo import DEMO_PASSWORD, load_demo
from cityhall.supervision.demo import load_items, load_plans


def _admin_todo() -> None:
    """The administrator's real standing task: next year's holiday schedule is not loaded yet."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django.utils import timezone

    from cityhall.org.models import Person
    from cityhall.rulebase.selectors import working_calendar
    from cityhall.workflow.models import InboxItem
    from cityhall.workflow.services import inbox_item_create

    from ...receivers import calendar_item_key

    year = timezone.localdate().year + 1
    user = get_user_model().objects.filter(username="admin").first()
    if user is None or working_calendar().is_published(year):
        return
    # A person record of its own, so that work can be addressed to the administrator (no clearance, no seat).
    admin, _ = Person.objects.get_or_create(user=user, defaults={"name": "系统管理员"})
    title = f"待导入：{year}年放假安排（国务院办公厅公布后导入，导入前涉及{year}年的期限均为暂定）"
    if not InboxItem.objects.filter(key=calendar_item_key(year)).exists():
        item = inbox_item_create(
            actor=None,
            title=title,
            kind="calendar.load",
            url=reverse("admin:rulebase_officialyear_upload"),
            assignee_person=admin,
        )
        InboxItem.objects.filter(pk=item.pk).update(key=calendar_item_key(year))


class Command(BaseCommand):
    help = "加载抚顺市演示组织机构与演示账号（demo load）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])
        parser.add_argument("--force", action="store_true", help="在非调试环境也加载（仅限演示主机）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not (settings.DEBUG or getattr(settings, "CITYHALL_DEMO", False)) and not opts["force"]:
            raise CommandError(
                "演示账号的密码是公开的，生产环境不得加载演示数据（use --force only on a demo host）。", returncode=2
            )
        logins = load_demo()
        created = load_documents()
        topics = load_topics()
        meetings = load_meetings()
        items = load_items()
        plan_entries = load_plans()
        applications = load_leave()
        publications = load_openness()
        disclosures = load_disclosure()
        oversight = load_oversight()
        _admin_todo()
        if created:
            self.stdout.write(f"已创建 {created} 份演示公文（各办理环节均有待办）。")
        if topics:
            self.stdout.write(f"已创建 {topics} 项演示会议议题（各审核环节、退回和已确定的各有一项）。")
        if meetings:
            self.stdout.write(
                f"已创建 {meetings} 次演示会议（已安排、纪要起草中、纪要逾期、待签发并有表态修改会签中、已印发、受委托主持各一次）。"
            )
        if items:
            self.stdout.write(
                f"督查督办台账中有 {items} 项演示事项（逾期上报、待复核、已销号、退回、年初确定、新部署各有）。"
            )
        if plan_entries:
            self.stdout.write(
                f"已制定本年度市级层面督查检查考核计划（{plan_entries} 项），4 个县（区）计划已备案并抽查 2 个。"
            )
        if publications:
            self.stdout.write(
                f"政府网站已有 {publications} 条演示公开信息（政策文件均附解读；市财政局有一份待撰写解读）。"
            )
        if disclosures:
            self.stdout.write(
                f"已有 {disclosures} 份演示政府信息公开申请（新申请、征求第三方意见暂停、已延期、待补正、已答复各有）。"
            )
        if oversight:
            self.stdout.write(
                f"已有 {oversight} 件演示建议提案、信访事项和监督事项（建议提案办理中、逾期、已公开办理结果；信访待受理、重要来信待市长阅批、已办结、不予受理；行政应诉、审计整改、行政复议、舆论监督、政务舆情各一件），办事服务目录3项。"
            )
        if applications:
            self.stdout.write(
                f"已创建 {applications} 份演示请假（报备）（待审核、待汇总、待市长同意同时离抚、已批准、已销假、未批准、已撤回各有），"
                "两份突发事件报告，以及回抚报告和参会报告。"
            )
        self.stdout.write(f"抚顺市演示组织机构已就绪。演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, role in logins:
            self.stdout.write(f"  {username:<12} {name:<6} {role}")
