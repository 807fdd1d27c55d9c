"""A living office for the demo: documents waiting at every step, one countersign overdue, and a
vice mayor away today so that 代 shows. Idempotent: the documents are created once; the absence is
renewed whenever it has lapsed. Every document is made through the services, with its audit trail."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cityhall.org.models import Person, Position, Unit
from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit

from . import services
from .models import Countersign, Document

MARKER = "关于新宾满族自治县2027年农村公路养护补助资金的请示"


def _p(code: str) -> Person:
    return Person.objects.get(holdings__position__code=code, holdings__end__isnull=True)


def _u(code: str) -> Unit:
    return Unit.objects.get(code=code)


def _request(county: str, title: str, body: str, matter: str, *, kind: str = "请示", number: str = "") -> Document:
    head = _p(f"head-{county}")
    return services.document_create_incoming(
        actor=head,
        issuer_unit=_u(county),
        kind=kind,
        title=title,
        body=body,
        addressees=["抚顺市人民政府"],
        signed_by_title="县长" if county in ("xinbin", "qingyuan", "fushun-county") else "区长",
        matter_unit=_u(matter),
        signer_name=head.name,
        sender_number=number,
        contact_name=head.name,
        contact_phone=f"024-5{len(title):03d}{sum(map(ord, title)) % 1000:03d}",
    )


def _registered(doc: Document, handling: str, at: dt.datetime) -> Document:
    doc = services.document_submit(actor=doc.submitted_by, document=doc, at=at)
    return services.document_register(actor=_p("office-clerk-1"), document=doc, proposed_handling=handling, at=at)


def _outgoing(
    title: str, body: str, matter: str, *, touched: tuple[str, ...] = (), addressees: tuple[str, ...] = ()
) -> Document:
    return services.document_create_outgoing(
        actor=_p("office-clerk-1"),
        issuer_unit=_u("city-government"),
        kind="通知",
        category="government_downward",
        title=title,
        body=body,
        addressees=list(addressees or ("各县（区）人民政府", "市政府各部门")),
        copied_to=["市委办公室", "市人大常委会办公室", "市政协办公室"],
        matter_unit=_u(matter),
        touched_leaders=list(touched),
        contact_name="温小禾",
        contact_phone="024-52620001",
    )


def _checked(doc: Document, at: dt.datetime) -> Document:
    doc = services.document_prepare(actor=_p("office-clerk-1"), document=doc, at=at)
    return services.document_check(actor=_p("office-clerk-2"), document=doc, at=at)


def vm3_away_today(now: dt.datetime) -> None:
    """宁致和 (vice mayor 3) is away today through an approved leave application: 苏映雪 (vm4, the A/B
    partner) acts for him (Art 7 ¶2, Art 54)."""
    from cityhall.leave.demo import vm3_away_today as approved_trip

    approved_trip(now)


@audit.atomic()
def load_documents(now: dt.datetime | None = None) -> int:
    """Create the demo documents once. Returns how many were created."""
    now = now or timezone.now()
    vm3_away_today(now)
    if Document.objects.filter(title=MARKER).exists():
        return 0
    before = Document.objects.count()
    days = dt.timedelta(days=1)

    # 1. A draft the county has saved but not yet submitted (xinbin's 待办).
    _request(
        "xinbin",
        MARKER,
        "为做好我县农村公路养护工作，保障群众安全便捷出行，特申请市级农村公路养护补助资金500万元。\n妥否，请批示。",
        "transport",
        number="新政发〔2026〕21号",
    )
    # 2. Submitted, waiting for intake (the office's 收文待登记).
    doc = _request(
        "qingyuan",
        "关于清原满族自治县申请设立红河谷生态旅游示范区的请示",
        "为推动全域旅游发展，拟申请设立红河谷生态旅游示范区。\n妥否，请批示。",
        "culture-tourism",
        number="清政发〔2026〕15号",
    )
    services.document_submit(actor=doc.submitted_by, document=doc, at=now - 2 * days)
    # 3. Registered, waiting to be routed.
    _registered(
        _request(
            "dongzhou",
            "关于东洲区老旧小区改造项目资金拨付的请示",
            "我区2026年老旧小区改造项目已完工验收，申请拨付市级配套资金。\n妥否，请批示。",
            "housing",
            number="东洲政发〔2026〕9号",
        ),
        "拟请贺副市长阅示。",
        now - 3 * days,
    )
    # 4. In countersign: finance replied nothing and is overdue; transport still has time.
    doc = _registered(
        _request(
            "wanghua",
            "关于望花区工业园区道路改造工程立项的请示",
            "为改善园区交通条件，拟实施园区道路改造工程，申请市政府同意立项。\n妥否，请批示。",
            "industry",
            number="望花政发〔2026〕12号",
        ),
        "拟请市财政局、市交通运输局会签后呈岳副市长阅示。",
        now - 8 * days,
    )
    services.countersign_request(
        actor=_p("office-clerk-1"),
        document=doc,
        units=[_u("finance"), _u("transport")],
        anchor=(now - 7 * days).astimezone(LOCAL_TZ).date(),
        at=now - 7 * days,
    )
    transport = Countersign.objects.get(document=doc, unit=_u("transport"))
    services.countersign_extend(
        actor=_p("office-clerk-1"),
        countersign=transport,
        new_due=(now + 3 * days).astimezone(LOCAL_TZ).date(),
        reason="需征求所属公路事务中心意见，经电话商定",
        at=now - 5 * days,
    )
    # 5. Routed to vice mayor 3, who is away today: vm4 sees it marked 代.
    doc = _registered(
        _request(
            "shuncheng",
            "关于顺城区增设应急避难场所的请示",
            "为提升城市防灾减灾能力，拟在我区增设3处应急避难场所。\n妥否，请批示。",
            "emergency",
            number="顺城政发〔2026〕7号",
        ),
        "拟请宁副市长阅示。",
        now - 2 * days,
    )
    services.document_route(actor=_p("office-clerk-1"), document=doc, at=now - 2 * days)
    # 6. Routed to vice mayors 5, 2 and 6, each by division of labour.
    for county, title, matter, number in (
        ("fushun-county", "关于抚顺县农村饮水安全巩固提升工程的请示", "water", "抚县政发〔2026〕18号"),
        ("xinfu", "关于新抚区中小企业服务中心建设的请示", "industry", "新抚政发〔2026〕11号"),
        ("qingyuan", "关于清原满族自治县中药材产业园建设的请示", "agriculture", "清政发〔2026〕17号"),
    ):
        doc = _registered(
            _request(county, title, "有关情况详见附件。\n妥否，请批示。", matter, number=number),
            "拟请分管副市长阅示。",
            now - days,
        )
        services.document_route(actor=_p("office-clerk-1"), document=doc, at=now - days)
    # 7. Decided by the executive vice mayor: the office drafts the reply (拟批复).
    doc = _registered(
        _request(
            "xinfu",
            "关于新抚区申请2027年城市更新专项资金的请示",
            "为推进城市更新行动，申请2027年市级城市更新专项资金800万元。\n妥否，请批示。",
            "fgw",
            number="新抚政发〔2026〕8号",
        ),
        "拟请周副市长阅示。",
        now - 4 * days,
    )
    doc = services.document_route(actor=_p("office-clerk-1"), document=doc, at=now - 4 * days)
    services.document_instruct(
        actor=_p("vice-mayor-1"),
        document=doc,
        opinion="批示",
        text="原则同意，请市发展改革委会同市财政局研究提出具体意见。",
        at=now - 3 * days,
    )
    # 8. A report that the secretary-general and deputies read (阅件).
    report = _registered(
        _request(
            "dongzhou",
            "关于东洲区2026年安全生产工作情况的报告",
            "现将我区2026年安全生产工作情况报告如下。\n一、主要工作……\n二、下步打算……\n特此报告。",
            "emergency",
            kind="报告",
            number="东洲政发〔2026〕10号",
        ),
        "拟呈秘书长、副秘书长阅。",
        now - days,
    )
    readers = [Position.objects.get(code="secretary-general"), Position.objects.get(code="office-security")]
    readers += list(Position.objects.filter(kind=Position.Kind.DEPUTY_SECRETARY_GENERAL))
    services.document_circulate(actor=_p("office-clerk-1"), document=report, positions=readers, at=now - days)
    # 9. Outgoing: with the office for 核稿 (drafted by clerk, checked by clerk2).
    doc = _outgoing(
        "抚顺市人民政府关于做好2027年元旦春节期间安全生产工作的通知",
        "各县（区）人民政府，市政府各部门：\n    为切实做好2027年元旦春节期间安全生产工作，现就有关事项通知如下。\n    一、压实安全生产责任。\n    二、加强隐患排查治理。",
        "emergency",
    )
    services.document_prepare(actor=_p("office-clerk-1"), document=doc, at=now - days)
    # 10. Outgoing: waiting for the supervising vice mayor's review (vm4: education).
    _checked(
        _outgoing(
            "抚顺市人民政府关于进一步加强中小学校园安全管理工作的通知",
            "各县（区）人民政府，市政府各部门：\n    为进一步加强中小学校园安全管理工作，现通知如下。\n    一、健全校园安全责任体系。",
            "education",
        ),
        now - 2 * days,
    )
    # 11. Outgoing: reviewed, waiting for the executive vice mayor's co-signature and then the mayor.
    doc = _checked(
        _outgoing(
            "抚顺市人民政府关于印发抚顺市2027年重点项目建设计划的通知",
            "各县（区）人民政府，市政府各部门：\n    现将《抚顺市2027年重点项目建设计划》印发给你们，请认真贯彻落实。",
            "industry",
            touched=("vice-mayor-1",),
        ),
        now - 3 * days,
    )
    services.document_review(actor=_p("vice-mayor-2"), document=doc, at=now - 2 * days)
    # 12. Outgoing: reviewed and co-signed, waiting for the mayor to sign.
    doc = _checked(
        _outgoing(
            "抚顺市人民政府关于调整城市供热价格的通知",
            "各县（区）人民政府，市政府各部门：\n    经市政府研究，现就调整城市供热价格有关事项通知如下。",
            "fgw",
            touched=("vice-mayor-5",),
        ),
        now - 3 * days,
    )
    doc = services.document_review(actor=_p("vice-mayor-1"), document=doc, at=now - 2 * days)
    services.document_co_sign(actor=_p("vice-mayor-5"), document=doc, at=now - days)
    # 13. Signed and numbered, waiting to be issued; and one issued to every county and department (来文).
    for title, matter, issue in (
        ("抚顺市人民政府关于公布2027年度市级行政权力事项清单的通知", "justice", False),
        ("抚顺市人民政府关于开展2026年冬季森林防火工作的通知", "emergency", True),
    ):
        doc = _checked(
            _outgoing(title, "各县（区）人民政府，市政府各部门：\n    现就有关事项通知如下。", matter), now - 4 * days
        )
        supervising, _ = services.route_target(doc, now)
        doc = services.document_review(actor=_p(supervising.code), document=doc, at=now - 3 * days)
        doc = services.document_sign(actor=_p("mayor"), document=doc, at=now - 2 * days)
        if issue:
            services.document_issue(actor=_p("office-clerk-2"), document=doc, at=now - days)
    # 14. Returned at intake: the office sends a report back to the county for correction.
    doc = _request(
        "xinbin",
        "关于新宾满族自治县2026年防汛工作情况的报告",
        "现将我县2026年防汛工作情况报告如下。\n……\n特此报告。",
        "water",
        kind="报告",
        number="新政发〔2026〕19号",
    )
    doc = services.document_submit(actor=doc.submitted_by, document=doc, at=now - 2 * days)
    services.document_return(
        actor=_p("office-clerk-2"), document=doc, reason="缺少受灾情况统计表，请补充附件后重新报送"
    )
    # 15. A department's draft in the government's name, with a countersign objection to list.
    fgw = services.document_create_outgoing(
        actor=_p("head-fgw"),
        issuer_unit=_u("city-government"),
        drafting_unit=_u("fgw"),
        kind="通知",
        category="government_downward",
        title="抚顺市人民政府关于促进民营经济高质量发展若干措施的通知",
        body="各县（区）人民政府，市政府各部门：\n    为促进民营经济高质量发展，现提出以下措施。\n    一、加大财政支持力度……",
        addressees=["各县（区）人民政府", "市政府各部门"],
        matter_unit=_u("fgw"),
        contact_name="杭立言",
        contact_phone="024-52620100",
    )
    services.countersign_request(
        actor=_p("head-fgw"), document=fgw, units=[_u("finance"), _u("market-regulation")], at=now - 3 * days
    )
    services.countersign_reply(
        actor=_p("head-finance"),
        countersign=Countersign.objects.get(document=fgw, unit=_u("finance")),
        agree=False,
        reply="第一条所列财政补助标准超出本级财力，建议按现行专项资金渠道统筹安排。",
        at=now - 2 * days,
    )
    services.countersign_reply(
        actor=_p("head-market-regulation"),
        countersign=Countersign.objects.get(document=fgw, unit=_u("market-regulation")),
        agree=True,
        reply="同意。",
        at=now - 2 * days,
    )
    return Document.objects.count() - before
