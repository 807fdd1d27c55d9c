"""The Fushun demo organisation: real public unit names, invented people.

Idempotent: every row is found by its stable code and only created when missing,
so running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from cityhall.rules.deadlines import LOCAL_TZ
from cityhall.workflow import audit

from .models import ExecutiveDesignation, Holding, Person, Portfolio, Position, Unit

TERM_START = dt.datetime(2023, 1, 1, tzinfo=LOCAL_TZ)
DEMO_PASSWORD = "Demo-2026-cityhall"  # noqa: S105 - published on purpose: demo hosts only (DEBUG or --force)

# (code, name, short name, kind, 发文机关代字)
UNITS: list[tuple[str, str, str, str, str]] = [
    ("city-government", "抚顺市人民政府", "市政府", "city_government", "抚政发"),
    ("general-office", "抚顺市人民政府办公室", "市政府办公室", "general_office", "抚政办发"),
    ("fgw", "抚顺市发展和改革委员会", "市发展改革委", "department", "抚发改发"),
    ("education", "抚顺市教育局", "市教育局", "department", "抚教发"),
    ("science", "抚顺市科学技术局", "市科技局", "department", "抚科发"),
    ("industry", "抚顺市工业和信息化局", "市工业和信息化局", "department", "抚工信发"),
    ("public-security", "抚顺市公安局", "市公安局", "department", "抚公发"),
    ("civil-affairs", "抚顺市民政局", "市民政局", "department", "抚民发"),
    ("justice", "抚顺市司法局", "市司法局", "department", "抚司发"),
    ("finance", "抚顺市财政局", "市财政局", "department", "抚财发"),
    ("hrss", "抚顺市人力资源和社会保障局", "市人力资源社会保障局", "department", "抚人社发"),
    ("natural-resources", "抚顺市自然资源局", "市自然资源局", "department", "抚自然资源发"),
    ("ecology", "抚顺市生态环境局", "市生态环境局", "department", "抚环发"),
    ("housing", "抚顺市住房和城乡建设局", "市住房城乡建设局", "department", "抚住建发"),
    ("transport", "抚顺市交通运输局", "市交通运输局", "department", "抚交发"),
    ("water", "抚顺市水务局", "市水务局", "department", "抚水发"),
    ("agriculture", "抚顺市农业农村局", "市农业农村局", "department", "抚农发"),
    ("commerce", "抚顺市商务局", "市商务局", "department", "抚商发"),
    ("culture-tourism", "抚顺市文化旅游和广播电视局", "市文化旅游广电局", "department", "抚文旅发"),
    ("health", "抚顺市卫生健康委员会", "市卫生健康委", "department", "抚卫发"),
    ("veterans", "抚顺市退役军人事务局", "市退役军人事务局", "department", "抚退役发"),
    ("emergency", "抚顺市应急管理局", "市应急局", "department", "抚应急发"),
    ("audit", "抚顺市审计局", "市审计局", "department", "抚审发"),
    ("sasac", "抚顺市人民政府国有资产监督管理委员会", "市国资委", "department", "抚国资发"),
    ("market-regulation", "抚顺市市场监督管理局", "市市场监管局", "department", "抚市监发"),
    ("statistics", "抚顺市统计局", "市统计局", "department", "抚统发"),
    ("medical-security", "抚顺市医疗保障局", "市医保局", "department", "抚医保发"),
    ("business-environment", "抚顺市营商环境建设局", "市营商局", "department", "抚营商发"),
    ("petitions", "抚顺市信访局", "市信访局", "department", "抚信发"),
    ("government-affairs", "抚顺市机关事务管理局", "市机关事务局", "affiliated", "抚机关发"),
    ("xinfu", "新抚区人民政府", "新抚区", "county", "新抚政发"),
    ("dongzhou", "东洲区人民政府", "东洲区", "county", "东洲政发"),
    ("wanghua", "望花区人民政府", "望花区", "county", "望花政发"),
    ("shuncheng", "顺城区人民政府", "顺城区", "county", "顺城政发"),
    ("fushun-county", "抚顺县人民政府", "抚顺县", "county", "抚县政发"),
    ("xinbin", "新宾满族自治县人民政府", "新宾县", "county", "新政发"),
    ("qingyuan", "清原满族自治县人民政府", "清原县", "county", "清政发"),
    ("safety-committee", "抚顺市安全生产委员会", "市安委会", "coordinating_body", "抚安委发"),
]


@dataclass(frozen=True)
class Leader:
    code: str
    title: str
    kind: str
    rank: int | None
    name: str
    username: str
    supervises: tuple[str, ...] = ()
    areas: str = ""


# Invented people only: never a real official's name.
LEADERS = [
    Leader("mayor", "市长", "mayor", 1, "林望川", "mayor", ("audit",), "全面工作；审计"),
    Leader(
        "vice-mayor-1",
        "常务副市长",
        "vice_mayor",
        2,
        "周启航",
        "vm1",
        ("fgw", "finance", "statistics"),
        "发展改革、财政、统计",
    ),
    Leader(
        "vice-mayor-2",
        "副市长",
        "vice_mayor",
        3,
        "岳清远",
        "vm2",
        ("industry", "sasac", "commerce", "business-environment"),
        "工业、国资、商务、营商环境",
    ),
    Leader(
        "vice-mayor-3",
        "副市长",
        "vice_mayor",
        4,
        "宁致和",
        "vm3",
        ("public-security", "justice", "petitions", "emergency"),
        "公安、司法、信访、应急管理",
    ),
    Leader(
        "vice-mayor-4",
        "副市长",
        "vice_mayor",
        5,
        "苏映雪",
        "vm4",
        ("education", "health", "civil-affairs", "hrss", "medical-security", "veterans"),
        "教育、卫生健康、民政、人社",
    ),
    Leader(
        "vice-mayor-5",
        "副市长",
        "vice_mayor",
        6,
        "贺长松",
        "vm5",
        ("natural-resources", "ecology", "housing", "transport", "water"),
        "自然资源、生态环境、城建、交通、水务",
    ),
    Leader(
        "vice-mayor-6",
        "副市长",
        "vice_mayor",
        7,
        "阮嘉禾",
        "vm6",
        ("agriculture", "culture-tourism", "market-regulation", "science"),
        "农业农村、文旅、市场监管、科技",
    ),
    Leader(
        "secretary-general",
        "秘书长",
        "secretary_general",
        8,
        "方亦平",
        "sg",
        ("general-office", "government-affairs"),
        "市政府办公室日常工作",
    ),
]
DEPUTY_NAMES = ["钟明远", "严书宁", "裴思齐", "华庭柯", "凌一帆", "邵知秋"]
OTHERS = [
    # (position code, title, kind, unit code, name, username)
    ("office-clerk-1", "市政府办公室文书", "clerk", "general-office", "温小禾", "clerk"),
    ("office-clerk-2", "市政府办公室秘书", "clerk", "general-office", "柯雨桐", "clerk2"),
    ("head-fgw", "市发展改革委主任", "principal_head", "fgw", "杭立言", "fgw"),
    ("head-finance", "市财政局局长", "principal_head", "finance", "尚清和", "finance"),
    ("head-education", "市教育局局长", "principal_head", "education", "甘怀瑾", "education"),
    ("head-justice", "市司法局局长", "principal_head", "justice", "卓恒之", "justice-head"),
    ("justice-reviewer", "市司法局合法性审查员", "legal_reviewer", "justice", "时若谷", "justice"),
    ("head-xinbin", "新宾满族自治县县长", "principal_head", "xinbin", "乌云岚", "xinbin"),
    # A second person in the same county (its office), and the General Office's security officer.
    ("xinbin-office", "新宾满族自治县人民政府办公室秘书", "staff", "xinbin", "那晓棠", "xinbin2"),
    # A member of a department's staff, whom the head can authorise to countersign (Art 50 ¶1).
    ("finance-staff-1", "市财政局综合科科员", "staff", "finance", "祁若水", "finance2"),
    ("office-security", "市政府办公室保密员", "security_officer", "general-office", "闻若溪", "baomi"),
]
# Every other department and county gets its principal head, so that every unit the forms offer has
# an account (username = the unit's code). Invented names, never a real official's.
HEAD_NAMES = [
    "郁清澜",
    "桑立诚",
    "沈砚秋",
    "冉博闻",
    "费思远",
    "晏文卿",
    "窦景行",
    "巫若川",
    "俞怀安",
    "商启明",
    "戚以宁",
    "蒲知远",
    "柏承泽",
    "骆静姝",
    "班嘉言",
    "席墨池",
    "祁书翰",
    "甄一鸣",
    "喻晚晴",
    "阎澄心",
    "钮致远",
    "宓清越",
    "仲梓萱",
    "计长风",
    "厉子衿",
    "岑远舟",
    "邬雪松",
    "鞠春和",
    "车望舒",
    "闵知行",
]
CLEARANCES = {"clerk": 3, "clerk2": 3, "baomi": 4}


def head_title(unit_name: str, short: str) -> str:
    if unit_name.endswith("县人民政府"):
        return unit_name.removesuffix("人民政府") + "县长"
    if unit_name.endswith("区人民政府"):
        return unit_name.removesuffix("人民政府") + "区长"
    if unit_name.endswith("委员会"):
        return f"{short}主任"
    return f"{short}局长"


@functools.cache
def _demo_password_hash() -> str:
    # One hash (with its own salt) for every demo account: hashing 55 times would take 15 s.
    return make_password(DEMO_PASSWORD)


def _user(username: str, full_name: str, *, staff: bool = False, superuser: bool = False) -> Any:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.first_name = full_name
        user.is_staff = staff
        user.is_superuser = superuser
        user.password = _demo_password_hash()
        user.save()
    return user


def _person(name: str, username: str, clearance: int = 0) -> Person:
    user = _user(username, name)
    person = Person.objects.filter(user=user).first()
    if person is None:
        person = Person.objects.create(name=name, user=user, clearance=clearance)
    return person


def _hold(person: Person, position: Position) -> None:
    if not Holding.objects.filter(position=position, end__isnull=True).exists():
        Holding.objects.create(person=person, position=position, start=TERM_START)


@audit.atomic()
def load_demo() -> list[tuple[str, str, str]]:
    """Load (or confirm) the demo organisation. Returns (username, name, role) for each login."""
    units = {}
    for order, (code, name, short, kind, doc_code) in enumerate(UNITS):
        unit, _ = Unit.objects.get_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "kind": kind, "document_code": doc_code, "sort_order": order},
        )
        units[code] = unit
    for code, unit in units.items():
        if unit.parent_id is None and code != "city-government":
            unit.parent = units["city-government"]
            unit.save(update_fields=["parent"])

    logins: list[tuple[str, str, str]] = []
    positions: dict[str, Position] = {}
    for leader in LEADERS:
        unit = units["city-government"] if leader.code != "secretary-general" else units["general-office"]
        position, _ = Position.objects.get_or_create(
            code=leader.code, defaults={"title": leader.title, "kind": leader.kind, "unit": unit, "rank": leader.rank}
        )
        positions[leader.code] = position
        person = _person(leader.name, leader.username, clearance=Person.Clearance.CONFIDENTIAL)
        _hold(person, position)
        logins.append((leader.username, leader.name, leader.title))
        for unit_code in leader.supervises:
            Portfolio.objects.get_or_create(position=position, unit=units[unit_code], defaults={"start": TERM_START})
        if leader.areas:
            Portfolio.objects.get_or_create(
                position=position, unit=None, area=leader.areas, defaults={"start": TERM_START}
            )
    # A/B pairs 1↔2, 3↔4, 5↔6 (Art 7 ¶2).
    for a, b in [(1, 2), (3, 4), (5, 6)]:
        pa, pb = positions[f"vice-mayor-{a}"], positions[f"vice-mayor-{b}"]
        if pa.ab_partner_id is None and pb.ab_partner_id is None:
            pa.ab_partner = pb
            pa.save(update_fields=["ab_partner"])
            pb.ab_partner = pa
            pb.save(update_fields=["ab_partner"])
    if not ExecutiveDesignation.objects.exists():
        ExecutiveDesignation.objects.create(position=positions["vice-mayor-1"], start=TERM_START)

    for n, name in enumerate(DEPUTY_NAMES, start=1):
        position, _ = Position.objects.get_or_create(
            code=f"deputy-secretary-general-{n}",
            defaults={
                "title": "副秘书长",
                "kind": "deputy_secretary_general",
                "unit": units["general-office"],
                "assists": positions[f"vice-mayor-{n}"],
            },
        )
        _hold(_person(name, f"dsg{n}", clearance=Person.Clearance.SECRET), position)
        logins.append((f"dsg{n}", name, f"副秘书长（协助副市长{n}）"))

    for code, title, kind, unit_code, name, username in OTHERS:
        position, _ = Position.objects.get_or_create(
            code=code, defaults={"title": title, "kind": kind, "unit": units[unit_code]}
        )
        _hold(_person(name, username, clearance=CLEARANCES.get(username, 0)), position)
        logins.append((username, name, title))

    names = iter(HEAD_NAMES)
    have_login = {o[3] for o in OTHERS if o[2] == "principal_head"}
    for code, name, short, kind, _ in UNITS:
        if kind not in ("department", "county", "affiliated") or code in have_login:
            continue
        position, created = Position.objects.get_or_create(
            code=f"head-{code}",
            defaults={"title": head_title(name, short), "kind": "principal_head", "unit": units[code]},
        )
        person_name = next(names)
        if created or not Holding.objects.filter(position=position, end__isnull=True).exists():
            # County heads handle 秘密 documents of their own county.
            _hold(_person(person_name, code, clearance=2 if kind == "county" else 0), position)
        holder = Holding.objects.filter(position=position, end__isnull=True).select_related("person").first()
        if holder is not None:
            logins.append((code, holder.person.name, position.title))

    _user("admin", "系统管理员", staff=True, superuser=True)
    logins.append(("admin", "系统管理员", "系统管理员（规则库、放假安排、账号）"))
    return logins
