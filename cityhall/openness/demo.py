"""Demo content for the portal: policies with their interpretations, decisions and notices, and one
policy waiting for its interpretation in the finance bureau's workbench."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cityhall.org.models import Person, Position, Unit

from . import services as svc
from .models import Publication

MARKER = "（演示）"


def _p(code: str) -> Person:
    return Position.objects.get(code=code).holdings.get(end__isnull=True).person


SECTIONS = {
    "background": "根据省财政厅下达的新增地方政府专项债券额度和《地方政府专项债券发行管理暂行办法》制定。",
    "goals": "保障全市重点项目建设资金需求，防范化解债务风险。",
    "main_content": "明确各县（区）专项债券额度、使用范围和项目管理要求。",
    "scope": "各县（区）人民政府，市直有关部门。",
    "standards": "按项目成熟度、偿债能力和资金需求分配额度，专款专用。",
    "notes": "不得用于经常性支出和楼堂馆所建设；项目单位按季度报送资金使用情况。",
    "benefits": "支持城镇老旧小区改造、农村供水保障等民生项目。",
}

ITEMS: list[dict[str, object]] = [
    {
        "kind": "policy",
        "unit": "finance",
        "title": "关于下达2026年新增专项债券额度的通知",
        "number": "抚财发〔2026〕12号",
        "subject": "finance",
        "days": 18,
        "body": "各县（区）人民政府，市直有关部门：\n经市政府同意，现将2026年新增专项债券额度下达给你们，"
        "请严格按照批准的项目使用，加快资金拨付和项目建设。附件：各县（区）专项债券额度分配表。",
        "chart": [("新宾县", "3.6"), ("清原县", "2.9"), ("抚顺县", "2.4"), ("顺城区", "1.8")],
        "chart_title": "各县（区）新增专项债券额度（亿元）",
    },
    {
        "kind": "policy",
        "unit": "agriculture",
        "title": "关于开展2026年农村人居环境整治提升行动的实施意见",
        "number": "抚农发〔2026〕7号",
        "subject": "agriculture",
        "days": 30,
        "body": "各县（区）人民政府：\n为持续改善农村人居环境，在新宾满族自治县永陵镇、清原满族自治县南口前镇等地"
        "开展示范创建，资金来源包括中央和省级补助、专项债和县级配套。",
    },
    {
        "kind": "decision",
        "unit": "general-office",
        "title": "市政府第十六次常务会议决定事项",
        "number": "",
        "subject": "general",
        "days": 9,
        "body": "会议研究了全市冬季供暖保障工作，决定：一、各县（区）落实供暖主体责任；二、市财政局统筹安排供热补贴资金。",
    },
    {
        "kind": "notice",
        "unit": "water",
        "title": "关于大伙房水库冬季供水调度安排的公告",
        "number": "",
        "subject": "agriculture",
        "days": 5,
        "body": "为保障城市冬季供水安全，大伙房水库自12月起按冬季调度方案供水，请沿线单位做好配合。",
    },
]


def load_openness(now: dt.datetime | None = None) -> int:
    """Create the demo publications once. Returns how many."""
    now = now or timezone.now()
    if Publication.objects.filter(body__endswith=MARKER).exists():
        return 0
    made = 0
    for spec in ITEMS:
        unit = Unit.objects.filter(code=str(spec["unit"])).first()
        if unit is None:
            continue
        actor = _p("office-clerk-1") if unit.kind == Unit.Kind.GENERAL_OFFICE else _p(f"head-{unit.code}")
        at = now - dt.timedelta(days=int(spec["days"]))  # type: ignore[call-overload]
        pub = svc.publication_create(
            actor=actor,
            form=svc.PublicationForm(
                kind=str(spec["kind"]),
                title=str(spec["title"]),
                subject=str(spec["subject"]),
                issued_on=timezone.localdate(at),
                body=str(spec["body"]) + MARKER,
                issuer=unit,
                document_number=str(spec["number"]),
            ),
            at=at,
        )
        if pub.needs_interpretation:
            svc.interpretation_save(
                actor=actor,
                publication=pub,
                sections=SECTIONS,
                chart_title=str(spec.get("chart_title", "")),
                chart=list(spec.get("chart", [])),  # type: ignore[call-overload]
                at=at,
            )
        svc.publication_publish(actor=actor, publication=pub, at=at + dt.timedelta(hours=2))
        made += 1
    # Waiting in the finance bureau's workbench: a policy whose interpretation is not written yet.
    finance = Unit.objects.get(code="finance")
    svc.publication_create(
        actor=_p("head-finance"),
        form=svc.PublicationForm(
            kind="policy",
            title="关于进一步加强政府采购管理的通知",
            subject="finance",
            issued_on=timezone.localdate(now),
            body="各县（区）人民政府，市直各部门：为规范政府采购行为，现就有关事项通知如下……" + MARKER,
            issuer=finance,
            document_number="抚财发〔2026〕15号",
        ),
        at=now,
    )
    return made + 1


def load_disclosure(now: dt.datetime | None = None) -> int:
    """Disclosure requests in every state: new online, waiting on a third party (paused), extended,
    sent back for supplementing, and answered. Returns how many."""
    from . import disclosure as dc
    from .models import DisclosureRequest

    now = now or timezone.now()
    if DisclosureRequest.objects.filter(address__endswith=MARKER).exists():
        return 0
    today = timezone.localdate(now)
    clerk = _p("office-clerk-1")

    def letter(name: str, what: str, days_ago: int, phone: str) -> DisclosureRequest:
        return dc.disclosure_apply(
            form=dc.ApplicationForm(
                applicant_kind="citizen",
                name=name,
                id_number=f"2104021980010{days_ago:02d}{phone[-3:]}"[:18],
                phone=phone,
                description=what,
                delivery="paper",
                address="抚顺市顺城区新华大街1号" + MARKER,
            ),
            channel="letter",
            received_on=today - dt.timedelta(days=days_ago),
            entered_by=clerk,
            at=now,
        )

    fresh = dc.disclosure_apply(
        form=dc.ApplicationForm(
            applicant_kind="citizen",
            name="韩青禾",
            id_number="210411199203154321",
            phone="13941300001",
            description="2026年望花区老旧小区改造项目的资金安排文件",
            delivery="email",
            email="han@example.cn",
            address=MARKER,
        ),
        at=now,
    )
    paused = letter("冯远山", "大伙房水库输水工程沿线拆迁补偿标准", 6, "13941300002")
    dc.disclosure_consult(
        actor=clerk,
        request=paused,
        third_party="抚顺某建设工程有限公司",
        matter="补偿协议中涉及企业经营的内容",
        sent_on=today - dt.timedelta(days=2),
        at=now,
    )
    extended = letter("蒋书白", "2025年度市本级政府采购合同清单", 25, "13941300003")
    dc.disclosure_extend(
        actor=_p("deputy-secretary-general-1"), request=extended, reason="涉及部门多，需汇总核实", at=now
    )
    unclear = letter("沈小满", "关于那个项目的所有文件", 1, "13941300004")
    dc.disclosure_reply(actor=clerk, request=unclear, outcome="supplement", ground="请写明项目名称或文号", at=now)
    done = letter("程立夏", "抚顺市2026年农村人居环境整治实施方案", 12, "13941300005")
    dc.disclosure_reply(actor=clerk, request=done, outcome="disclosed", at=now)
    elsewhere = letter("魏东篱", "某企业的营业执照登记信息", 9, "13941300006")
    dc.disclosure_reply(
        actor=clerk, request=elsewhere, outcome="not_ours", right_body="抚顺市市场监督管理局，电话 024-00000001", at=now
    )
    return 6 if fresh else 0


def load_oversight(now: dt.datetime | None = None) -> int:
    """Suggestions, proposals and petitions in every state. Returns how many items."""
    from . import petitions as pt
    from . import suggestions as sg
    from .models import Petition, Suggestion

    now = now or timezone.now()
    if Suggestion.objects.filter(body__endswith=MARKER).exists():
        return 0
    today = timezone.localdate(now)
    clerk = _p("office-clerk-1")
    unit = Unit.objects.get

    def assign(kind: str, number: str, title: str, lead: str, days_ago: int, **more: object) -> Suggestion:
        return sg.suggestion_assign(
            actor=clerk,
            form=sg.SuggestionForm(
                kind=kind,
                number=number,
                title=title,
                proposer="人大代表 陶然" if kind == "suggestion" else "政协委员 吴清泉",
                body=f"{title}，建议市政府统筹推进。" + MARKER,
                lead_unit=unit(code=lead),
                assigned_on=today - dt.timedelta(days=days_ago),
                **more,  # type: ignore[arg-type]
            ),
            at=now,
        )

    assign("suggestion", "市十七届人大五次会议第0031号", "关于加强农村饮水安全保障的建议", "water", 20)
    assign(
        "proposal",
        "市政协十三届五次会议第0077号",
        "关于推进沈抚同城化交通互联的提案",
        "transport",
        40,
        partner_units=[unit(code="natural-resources")],
        complex=True,
        complex_reason="涉及省市多个部门和跨区域协调",
    )
    late = assign("suggestion", "市十七届人大五次会议第0012号", "关于增加城区停车泊位的建议", "housing", 100)
    done = assign("proposal", "市政协十三届五次会议第0019号", "关于扶持满族文化旅游品牌的提案", "culture-tourism", 60)
    head = _p("head-culture-tourism")
    sg.suggestion_contact(
        actor=head, item=done, on=today - dt.timedelta(days=30), way="当面座谈", note="听取委员意见", at=now
    )
    done = sg.suggestion_reply(actor=head, item=done, text="已将满族风情节列入2027年全市文化旅游重点活动。", at=now)
    sg.suggestion_satisfaction(actor=head, item=done, satisfaction="satisfied", at=now)
    del late

    def letter(name: str, subject: str, days_ago: int, phone: str) -> Petition:
        return pt.petition_receive(
            form=pt.PetitionForm(name=name, phone=phone, subject=subject, body=subject + "，请求解决。" + MARKER),
            channel="letter",
            received_on=today - dt.timedelta(days=days_ago),
            entered_by=clerk,
            at=now,
        )

    pt.petition_receive(
        form=pt.PetitionForm(
            name="李小雨", phone="13504131111", subject="新抚区某路段路面破损", body="坑洼多处" + MARKER
        ),
        at=now,
    )
    heat = letter("周大山", "望花区某小区冬季供暖不热", 12, "13504132468")
    pt.petition_decide(
        actor=clerk,
        petition=heat,
        accept=True,
        handling_unit=unit(code="housing"),
        important=True,
        reader=Position.objects.get(code="mayor"),
        on=today - dt.timedelta(days=2),
        at=now,
    )
    road = letter("钱小川", "东洲区某村道路硬化", 40, "13504133579")
    road = pt.petition_decide(
        actor=clerk,
        petition=road,
        accept=True,
        handling_unit=unit(code="transport"),
        on=today - dt.timedelta(days=35),
        at=now,
    )
    pt.petition_close(
        actor=_p("head-transport"), petition=road, result="已列入2027年农村公路建设计划，明年6月前完工。", at=now
    )
    refused = letter("孙明", "某民事借贷纠纷", 5, "13504134680")
    pt.petition_decide(
        actor=clerk, petition=refused, accept=False, reason="属于民事纠纷，应通过诉讼途径解决，已告知", on=today, at=now
    )
    return 8 + _registers(now)


def _registers(now: dt.datetime) -> int:
    """One case of each kind of oversight, and the service catalogue's first items."""
    from . import registers as rg

    today = timezone.localdate(now)
    clerk = _p("office-clerk-1")
    unit = Unit.objects.get

    def case(kind: str, title: str, owner: str, days_ago: int, **more: object):  # type: ignore[no-untyped-def]
        return rg.case_open(
            actor=clerk,
            form=rg.CaseForm(
                kind=kind,
                title=title,
                detail=title + "。" + MARKER,
                owner=unit(code=owner),
                received_on=today - dt.timedelta(days=days_ago),
                **more,  # type: ignore[arg-type]
            ),
            at=now,
        )

    case(
        "litigation",
        "某企业诉市自然资源局行政处罚案",
        "natural-resources",
        6,
        due_on=today + dt.timedelta(days=9),
        due_basis="行政诉讼法第六十七条：收到起诉状副本之日起15日内提交答辩状",
    )
    audit_case = case(
        "audit",
        "2025年度市本级预算执行审计：专项资金拨付滞后",
        "finance",
        40,
        due_on=today + dt.timedelta(days=20),
        due_basis="审计决定书要求60日内整改",
    )
    rg.case_close(
        actor=_p("head-finance"), case=audit_case, outcome="已拨付到位并建立台账", reported_to_city=True, at=now
    )
    case(
        "reconsideration",
        "某居民不服市住建局信息公开答复申请行政复议",
        "justice",
        10,
        due_on=today + dt.timedelta(days=50),
        due_basis="行政复议法：受理之日起60日内作出决定",
    )
    press = case("media", "媒体报道某小区供暖不热", "housing", 8, major=True)
    rg.case_close(actor=_p("head-housing"), case=press, outcome="已督促供热企业更换管网，回访室温达到18度。", at=now)
    fire = case("opinion", "望花区化工企业储罐起火舆情", "emergency", 0, major=True)
    rg.opinion_release(
        actor=_p("head-emergency"), case=fire, text="储罐起火已得到控制，无人员伤亡，周边空气监测正常。", at=now
    )
    services = [
        (
            "natural-resources",
            "建设工程规划许可",
            "《中华人民共和国城乡规划法》第四十条",
            "申请—受理—审查—决定—送达",
            "不收费",
            "20个工作日",
            "建设工程规划许可证",
        ),
        (
            "market-regulation",
            "企业设立登记",
            "《中华人民共和国市场主体登记管理条例》",
            "网上申请—审核—发照",
            "不收费",
            "1个工作日",
            "营业执照",
        ),
        ("civil-affairs", "婚姻登记", "《婚姻登记条例》", "当场申请—审查—登记", "不收费", "即时办结", "结婚证"),
    ]
    for code, name, basis, process, fees, limit, result in services:
        owner = Unit.objects.filter(code=code).first()
        if owner is not None:
            rg.service_save(
                actor=clerk,
                unit=owner,
                name=name,
                values={
                    "basis": basis,
                    "process": process,
                    "fees": fees,
                    "time_limit": limit,
                    "result": result,
                    "supervision": "12345政务服务便民热线；市政务服务中心投诉窗口",
                },
                at=now,
            )
    return 5
