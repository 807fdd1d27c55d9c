"""Benchmark: the public portal's Chinese full-text search and its pages over 200,000 published items.

PostgreSQL only (the GIN index on the stored ``search_vector`` column of
cityhall/openness/migrations/0008_stored_search_vector.py is what is measured; on SQLite the script refuses to run). The database is ``CITYHALL_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/cityhall_bench_portal; its name must contain ``bench`` (and never be
``test`` or ``test_test``). The script creates it (it refuses a database that already exists, except with
``--reuse``), migrates it and drops it at the end: ``--keep`` leaves it, and a later ``--reuse`` run
measures it again without reloading.

Set-up (timed, but not part of the latency figures):

- migrations and the Fushun demo organisation (``load_demo()``);
- ``--rows`` published items (default 200,000), generated from templates: policies, meeting decisions and
  notices of the demo's units and of the 7 counties and districts, 40 topics and their towns and
  streets, bodies of 300–1,500 characters. 0.5% mention 专项债券 and 0.5% 永陵镇, 0.01% 萨尔浒; 量子 never;
- ``title_index``/``body_index`` by the real ``search.index_text`` on every row, in 2 worker processes
  (``--workers``) while the main process writes the rows with ``bulk_create``; the GIN index is dropped
  for the load and built again afterwards with the migration's own SQL; then VACUUM ANALYZE;
- an interpretation for 300 of the policies (so the home page's 政策解读 column is filled).

Measured:

1. ``search.search_ids(q)`` (the count query and the first page of 20), ``--warmup`` then ``--runs`` calls
   per query, p50/p95/max per query and over all; the two SQL statements are timed apart. A query whose
   p95 is above ``--threshold-ms`` (default 300) gets EXPLAIN (ANALYZE, BUFFERS) of both statements
   (``--explain``: for every query).
2. Pages in process (django.test.Client, anonymous, settings of benchmarks/bench_settings.py: DEBUG off):
   the minimal view ``/bench/minimal/``, ``/portal/`` with the page cache cleared before each request,
   ``/portal/`` from the warm cache, ``/portal/search/?q=专项债`` with the cache cleared, and the minimal
   view again; ``--warmup`` then ``--requests`` (default 200) each, p50/p95/max and the queries of one
   uncached request.
3. ``--sketch``: the same statements on a stored tsvector column (added to the scratch database, then
   dropped), and with the count capped at 1,001, to size the fix for the slow path.

    .venv/bin/python benchmarks/portal_search.py [--rows 200000] [--runs 50] [--requests 200] [--sketch] [--keep]

The last line is ``RESULT …``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cityhall_bench_portal"
FORBIDDEN = {"test", "test_test", "postgres", "template0", "template1"}
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
CHUNK = 1000  # rows per worker task
BATCH = 1000  # rows per INSERT

QUERIES = (
    ("专项债", "0.5% by design"),
    ("永陵镇", "0.5% by design"),
    ("老旧小区改造", "a topic"),
    ("营商环境 2026", "two terms"),
    ("萨尔浒", "rare term, 0.01%"),
    ("量子计算", "matches nothing"),
)
# Too slow at 200,000 items for 50 runs: timed once and EXPLAINed (and in the --sketch runs).
COMMON = "营商环境"

# -- the generated text ---------------------------------------------------------------------------

COUNTIES = (
    ("新抚区", "xinfu", ("榆林街道", "站前街道", "福民街道", "南花园街道", "千金街道")),
    ("东洲区", "dongzhou", ("章党镇", "哈达镇", "碾盘乡", "兰山乡", "搭连街道")),
    ("望花区", "wanghua", ("塔峪镇", "拉古满族乡", "李石街道", "古城子街道", "建设街道")),
    ("顺城区", "shuncheng", ("前甸镇", "会元乡", "河北乡", "将军街道", "长春街道")),
    ("抚顺县", "fushun-county", ("石文镇", "后安镇", "救兵镇", "上马镇", "马圈子乡")),
    ("新宾满族自治县", "xinbin", ("旺清门镇", "木奇镇", "红升乡", "平顶山镇", "上夹河镇", "新宾镇")),
    ("清原满族自治县", "qingyuan", ("南口前镇", "红透山镇", "湾甸子镇", "英额门镇", "大苏河乡", "清原镇")),
)

# (topic, subject, the unit in charge, weight). 专项债券额度 is not here: it is the rare topic.
TOPICS = (
    ("农村人居环境整治", "agriculture", "agriculture", 3),
    ("老旧小区改造", "land", "housing", 3),
    ("供暖保障", "land", "housing", 3),
    ("营商环境", "economy", "business-environment", 2),
    ("高标准农田建设", "agriculture", "agriculture", 2),
    ("防汛抗旱", "agriculture", "water", 2),
    ("森林防火", "safety", "emergency", 2),
    ("安全生产", "market", "emergency", 3),
    ("义务教育", "education", "education", 2),
    ("医疗保障", "health", "medical-security", 2),
    ("就业创业", "social", "hrss", 2),
    ("养老服务", "social", "civil-affairs", 2),
    ("乡村振兴", "agriculture", "agriculture", 3),
    ("生态环境保护", "environment", "ecology", 2),
    ("河长制", "environment", "water", 1),
    ("城市燃气管道更新", "land", "housing", 1),
    ("食品安全", "market", "market-regulation", 2),
    ("招商引资", "economy", "commerce", 2),
    ("重点项目建设", "economy", "fgw", 3),
    ("数字政府建设", "general", "general-office", 1),
    ("政务服务", "general", "business-environment", 1),
    ("退役军人服务保障", "social", "veterans", 1),
    ("文物保护", "education", "culture-tourism", 1),
    ("全域旅游", "education", "culture-tourism", 1),
    ("国有企业改革", "economy", "sasac", 1),
    ("统计调查", "economy", "statistics", 1),
    ("审计整改", "finance", "audit", 1),
    ("预算绩效管理", "finance", "finance", 2),
    ("信访工作", "general", "petitions", 1),
    ("道路交通安全", "industry", "transport", 1),
    ("农村公路建设", "industry", "transport", 1),
    ("冬季清雪", "land", "housing", 1),
    ("秸秆综合利用", "agriculture", "agriculture", 1),
    ("科技创新", "education", "science", 1),
    ("工业稳增长", "industry", "industry", 2),
    ("社会救助", "social", "civil-affairs", 1),
    ("法治政府建设", "general", "justice", 1),
    ("公共卫生", "health", "health", 1),
    ("治安防控", "safety", "public-security", 1),
    ("自然资源调查监测", "land", "natural-resources", 1),
)
TOPIC_WEIGHTS = [t[3] for t in TOPICS]

OPENINGS = (
    "各县（区）人民政府，市政府各部门，各有关单位：",
    "各乡（镇）人民政府、街道办事处，县（区）直各部门：",
    "市直有关部门，各县（区）{topic}工作领导小组：",
    "各有关单位：",
)
PURPOSES = (
    "为深入贯彻落实党中央、国务院和省委、省政府关于{topic}的决策部署，进一步做好我市{topic}工作，经市政府同意，现就有关事项通知如下。",
    "根据《辽宁省{topic}工作方案》要求，结合我市实际，制定本方案。",
    "为加快推进{topic}，切实解决群众反映强烈的突出问题，现将{year}年工作安排通知如下。",
    "{year}年，全市上下坚持稳中求进工作总基调，{topic}工作取得阶段性成效，现将有关情况通报如下。",
)
HEADINGS = ("一、总体要求", "二、主要任务", "三、保障措施", "四、工作要求", "五、其他事项")
SENTENCES = (
    "{county}要把{topic}摆在突出位置，成立由政府主要负责同志任组长的工作专班，{year}年{m}月底前完成任务分解。",
    "在{county}{place}开展{topic}试点，总结推广可复制的经验做法。",
    "{unit}负责统筹协调，定期调度工作进展，每月{d}日前向市政府报送工作情况。",
    "全年计划完成投资{a}亿元，其中中央和省级补助资金{b}亿元，市县两级配套资金{c}亿元。",
    "对工作推进不力、群众反映强烈的，由市政府督查室予以通报，并按规定追究相关人员责任。",
    "坚持问题导向，聚焦群众急难愁盼问题，推动{topic}提质增效。",
    "各地区要加强宣传引导，通过政府网站、政务新媒体等渠道及时发布政策信息，营造良好氛围。",
    "{place}共涉及{n}个行政村、{k}户居民，{year}年底前全部完成。",
    "加强资金监管，严禁截留、挤占、挪用，确保资金安全和使用效益。",
    "建立健全长效机制，将{topic}纳入年度绩效考核，考核结果作为评先评优的重要依据。",
    "市直各有关部门要按照职责分工，密切配合，形成工作合力。",
    "截至{year}年{m}月底，{county}{place}已完成{topic}项目{n}个，完成率{p}%。",
    "各县（区）、各部门要于{year}年{m}月{d}日前将{topic}工作总结报送{unit}。",
    "联系人：{unit}综合科，联系电话：024-5{tel}。",
    "统筹推进{topic}与{topic2}，在{county}{place}打造一批示范点。",
    "{unit}会同{unit2}开展联合督导检查，发现问题限期整改，整改情况纳入督办台账。",
    "严格落实安全生产责任制，做好汛期、冬季等重点时段的风险排查和应急值守。",
    "鼓励社会资本参与，探索政府和社会资本合作模式，拓宽资金筹措渠道。",
    "{county}{place}{topic}工作群众满意度达到{p}%，较上年提高{e}个百分点。",
    "完善信息报送制度，重大情况随时报告，一般情况每季度报告一次。",
)
DECISION_ITEMS = (
    "会议听取了{unit}关于{topic}工作情况的汇报，原则同意所提工作安排，由{unit}牵头抓好落实。",
    "会议研究了{county}{topic}有关事项，同意{county}按程序推进，{unit}做好指导服务。",
    "会议审议并原则通过《抚顺市{topic}实施方案》，由{unit}根据会议意见修改完善后印发实施。",
    "会议强调，各地区各部门要压实责任，确保{topic}各项任务{year}年底前落地见效。",
)
RARE_DEBT = (
    "积极争取新增地方政府专项债券额度{a}亿元，重点支持{county}{topic}等项目建设。",
    "专项债券资金严格按照批准的项目和用途使用，不得用于经常性支出和楼堂馆所建设。",
)
RARE_YONGLING = ("在新宾满族自治县永陵镇开展{topic}示范创建，带动周边村屯同步提升。",)
RARE_SARHU = ("依托萨尔浒风景区发展生态旅游和休闲农业，带动{county}群众增收。",)

_UNITS: dict[str, tuple[str, str, str]] = {}  # code -> (name, short name, 发文机关代字), set in each worker


def _init_worker(units: dict[str, tuple[str, str, str]]) -> None:
    global _UNITS
    _UNITS = units
    from cityhall.openness import search

    search._segmenter()  # jieba's dictionary, once per process, outside the timed calls


def _fill(rng: random.Random, template: str, ctx: dict[str, Any]) -> str:
    n = rng.randint(3, 60)
    return template.format(
        **ctx,
        place=rng.choice(ctx["places"]) if "{place}" in template else "",
        topic2=rng.choice(TOPICS)[0],
        unit2=_UNITS[rng.choice(TOPICS)[2]][0],
        m=rng.randint(1, 12),
        d=rng.randint(1, 28),
        n=n,
        k=n * rng.randint(80, 400),
        a=f"{rng.uniform(0.5, 30):.1f}",
        b=f"{rng.uniform(0.2, 10):.1f}",
        c=f"{rng.uniform(0.1, 5):.1f}",
        p=rng.randint(60, 100),
        e=f"{rng.uniform(0.5, 9):.1f}",
        tel=rng.randint(1000000, 9999999),
    )


def generate(k: int, seed: int) -> dict[str, Any]:
    """Item ``k``: always the same for the same seed."""
    rng = random.Random(seed * 1_000_003 + k)
    debt, yongling, sarhu = rng.random() < 0.005, rng.random() < 0.005, rng.random() < 0.0001
    topic, subject, unit_code, _ = rng.choices(TOPICS, weights=TOPIC_WEIGHTS)[0]
    if debt and rng.random() < 0.5:
        topic, subject, unit_code = "专项债券额度", "finance", "finance"
    county, county_code, places = rng.choice(COUNTIES)
    issued = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, (dt.date(2026, 11, 30) - dt.date(2019, 1, 1)).days))
    year = str(issued.year)
    unit = _UNITS[unit_code][0]
    ctx: dict[str, Any] = {"topic": topic, "county": county, "places": places, "unit": unit, "year": year}
    roll = rng.random()
    kind = "policy" if roll < 0.4 else "decision" if roll < 0.5 else "notice"
    issuer, number = unit_code, ""
    if kind == "policy":
        title = rng.choice(
            (
                "关于印发《抚顺市{year}年{topic}工作方案》的通知",
                "关于进一步加强{topic}工作的实施意见",
                "{county}关于开展{year}年{topic}专项行动的通知",
                "关于下达{year}年{topic}补助资金的通知",
            )
        )
        if title.startswith("{county}"):
            issuer = county_code
        number = f"{_UNITS[issuer][2]}〔{year}〕{rng.randint(1, 150)}号"
    elif kind == "decision":
        title = rng.choice(("市政府第{n}次常务会议决定事项", "{county}人民政府第{n}次常务会议决定事项"))
        issuer = county_code if title.startswith("{county}") else "city-government"
    else:
        title = rng.choice(
            (
                "关于{year}年{topic}工作进展情况的通报",
                "{place}{topic}项目公示",
                "关于{county}{topic}典型案例的通报",
                "{unit}关于{year}年第{q}季度{topic}情况的公告",
            )
        )
    if debt and topic == "专项债券额度":
        title = "关于下达{year}年新增专项债券额度的通知" if kind != "decision" else title
    if yongling and rng.random() < 0.5 and kind == "notice":
        title = "新宾满族自治县永陵镇{topic}项目公示"
    title = title.format(
        **ctx,
        place=f"{county}{rng.choice(places)}",
        n=rng.randint(1, 60),
        q="一二三四"[rng.randint(0, 3)],
    )

    target = rng.randint(300, 1380)
    lines = [rng.choice(OPENINGS).format(**ctx), _fill(rng, rng.choice(PURPOSES), ctx)]
    rare = [*(RARE_DEBT if debt else ()), *(RARE_YONGLING if yongling else ()), *(RARE_SARHU if sarhu else ())]
    pool = DECISION_ITEMS + SENTENCES if kind == "decision" else SENTENCES
    order: list[str] = []
    heading = 0
    length = sum(len(s) for s in lines)
    while length < target or rare:
        if heading < len(HEADINGS) and rng.random() < 0.15:
            sentence = HEADINGS[heading]
            heading += 1
        elif rare and (length >= target or rng.random() < 0.3):
            sentence = _fill(rng, rare.pop(), ctx)
        else:
            order = order or rng.sample(pool, len(pool))  # each template once before any repeats
            sentence = _fill(rng, order.pop(), ctx)
        lines.append(sentence)
        length += len(sentence) + 1
    lines.append(f"{_UNITS[issuer][0]}\n{issued.year}年{issued.month}月{issued.day}日")
    published = dt.datetime.combine(issued, dt.time(9), tzinfo=LOCAL_TZ) + dt.timedelta(
        days=rng.randint(0, 5), minutes=rng.randint(0, 540)
    )
    return {
        "kind": kind,
        "title": title,
        "document_number": number,
        "issuer": issuer,
        "drafting_unit": unit_code,
        "subject": subject,
        "issued_on": issued,
        "body": "\n".join(lines),
        "published_at": published,
    }


def build_chunk(bounds: tuple[int, int, int]) -> tuple[list[dict[str, Any]], float, float]:
    """Rows ``start``..``stop`` with their index text, and the seconds spent generating and indexing."""
    from cityhall.openness import search

    start, stop, seed = bounds
    t0 = time.perf_counter()
    rows = [generate(k, seed) for k in range(start, stop)]
    t1 = time.perf_counter()
    for row in rows:
        row["title_index"] = search.index_text(row["title"])
        row["body_index"] = search.index_text(row["body"])
    return rows, t1 - t0, time.perf_counter() - t1


# -- the database ---------------------------------------------------------------------------------


def database_url() -> tuple[str, str]:
    """(the server's URL up to the database name, the scratch database's name), or exit."""
    url = os.environ.get("CITYHALL_DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "portal_search.py measures the PostgreSQL search (a GIN expression index); it does not run on SQLite "
            f"or anything else. Set CITYHALL_DATABASE_URL to a scratch PostgreSQL database (got {url.split(':')[0]}:…)."
        )
    base, name = url.rsplit("/", 1)
    name = name.split("?", 1)[0]
    if "bench" not in name or name in FORBIDDEN:
        raise SystemExit("CITYHALL_DATABASE_URL must name a scratch database whose name contains 'bench'")
    return base, name


def admin(base: str) -> Any:
    import psycopg

    return psycopg.connect(f"{base}/postgres", autocommit=True)


def setup_django(base: str, name: str, reuse: bool) -> bool:
    """Create the database if it is missing and set Django up on it; True if it already holds items."""
    with admin(base) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            raise SystemExit(f"database {name} exists: drop it (dropdb {name}) or pass --reuse to measure it again")
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["CITYHALL_DATABASE_URL"] = f"{base}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("the database is not PostgreSQL")
    call_command("migrate", verbosity=0)
    from cityhall.openness.models import Publication

    return Publication.objects.exists()


def drop(base: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    with admin(base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load(rows: int, workers: int, seed: int) -> dict[str, float]:
    from django.db import connection

    from cityhall.openness.models import Interpretation, Publication
    from cityhall.org.models import Person, Position, Unit

    # Loaded without the index, which is built once at the end as the migration builds it.
    migration = importlib.import_module("cityhall.openness.migrations.0008_stored_search_vector")
    index_sql = [sql for sql in migration.FORWARD if sql.startswith("CREATE INDEX")]
    units = {u.code: u for u in Unit.objects.all()}
    names = {code: (u.name, u.short_name, u.document_code) for code, u in units.items()}
    clerk = Position.objects.get(code="office-clerk-1").holdings.get(end__isnull=True).person
    figures: dict[str, float] = {"generate_s": 0.0, "index_s": 0.0, "insert_s": 0.0}
    with connection.cursor() as cur:
        cur.execute("DROP INDEX IF EXISTS openness_publication_fts")
    started = time.perf_counter()
    chunks = [(a, min(a + CHUNK, rows), seed) for a in range(0, rows, CHUNK)]
    body_lengths: list[int] = []
    # spawn, not fork: the children must not share the parent's database connection.
    with multiprocessing.get_context("spawn").Pool(workers, _init_worker, (names,)) as pool:
        ready = time.perf_counter()
        for done, (chunk, gen_s, index_s) in enumerate(pool.imap(build_chunk, chunks), 1):
            figures["generate_s"] += gen_s
            figures["index_s"] += index_s
            t = time.perf_counter()
            Publication.objects.bulk_create(
                [
                    Publication(
                        **{**r, "issuer": units[r["issuer"]], "drafting_unit": units[r["drafting_unit"]]},
                        state=Publication.State.PUBLISHED,
                        created_by=clerk,
                        created_at=r["published_at"],
                    )
                    for r in chunk
                ],
                batch_size=BATCH,
            )
            figures["insert_s"] += time.perf_counter() - t
            body_lengths += [len(r["body"]) for r in chunk]
            if done % 20 == 0 or done == len(chunks):
                print(f"  {done * CHUNK:>9,} rows  {time.perf_counter() - started:7.1f} s", flush=True)
    figures["pool_start_s"] = ready - started
    figures["load_wall_s"] = time.perf_counter() - started
    figures["body_min"], figures["body_max"] = min(body_lengths), max(body_lengths)
    figures["body_mean"] = statistics.fmean(body_lengths)

    rng = random.Random(seed)
    policies = list(Publication.objects.filter(kind="policy").values_list("id", "drafting_unit_id"))
    writer: Person = clerk
    Interpretation.objects.bulk_create(
        Interpretation(
            publication_id=pk,
            unit_id=unit_id,
            background="根据国家和省有关规定制定。",
            goals="保障重点任务按期完成。",
            main_content="明确任务分工、资金安排和进度要求。",
            scope="各县（区）人民政府，市直有关部门。",
            standards="按项目成熟度和资金需求安排。",
            notes="按季度报送进展情况。",
            benefits="惠及城乡居民。",
            written_by=writer,
        )
        for pk, unit_id in rng.sample(policies, min(300, len(policies)))
    )
    with connection.cursor() as cur:
        t = time.perf_counter()
        for sql in index_sql:
            cur.execute(sql)
        figures["gin_build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        cur.execute("VACUUM ANALYZE openness_publication")
        cur.execute("ANALYZE")
        figures["analyze_s"] = time.perf_counter() - t
    return figures


# -- measuring ------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@contextmanager
def statements() -> Iterator[list[tuple[str, list[Any], float]]]:
    """Every SQL statement sent inside the block, with its parameters and its time in seconds."""
    from django.db import connection

    seen: list[tuple[str, list[Any], float]] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append((sql, list(params or []), time.perf_counter() - t))

    with connection.execute_wrapper(wrapper):
        yield seen


def explain(sql: str, params: list[Any]) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join("      " + row[0] for row in cur.fetchall())


def _timed(q: str, warmup: int, runs: int, sql: Callable[[str], str] | None = None) -> dict[str, Any]:
    """``runs`` calls of ``search.search_ids(q)``; with ``sql``, its two statements rewritten by ``sql`` instead."""
    from django.db import connection

    from cityhall.openness import search

    with statements() as seen:
        hits = search.search_ids(q)
    rewritten = [(sql(text), params) for text, params, _ in seen] if sql else []
    total, count_ms, page_ms = [], [], []
    for n in range(warmup + runs):
        with statements() as seen:
            t = time.perf_counter()
            if sql:
                with connection.cursor() as cur:
                    for text, params in rewritten:
                        cur.execute(text, params)
                        cur.fetchall()
            else:
                search.search_ids(q)
            elapsed = 1000 * (time.perf_counter() - t)
        if n >= warmup:
            total.append(elapsed)
            count_ms.append(sum(1000 * s for text, _, s in seen if text.startswith("SELECT count")))
            page_ms.append(sum(1000 * s for text, _, s in seen if not text.startswith("SELECT count")))
    return {"q": q, "hits": hits.total, "times": total, "count": count_ms, "page": page_ms}


def _row(r: dict[str, Any], rows: int, note: str) -> None:
    t = r["times"]
    print(
        f"  {r['q']:<14} {r['hits']:>8,} {100 * r['hits'] / max(rows, 1):>6.2f}% {len(t):>5}"
        f" {statistics.median(t):>9.1f} {pct(t, 95):>9.1f} {max(t):>9.1f}"
        f" {statistics.median(r['count']):>9.1f} {statistics.median(r['page']):>9.1f}   {note}",
        flush=True,
    )


HEADER = (
    f"  {'query':<14} {'hits':>8} {'of rows':>7} {'runs':>5} {'p50':>9} {'p95':>9} {'max':>9}"
    f" {'count p50':>9} {'page p50':>9}"
)


def time_search(warmup: int, runs: int, rows: int, threshold: float, always: bool) -> list[dict[str, Any]]:
    from cityhall.openness import search

    out = []
    for q, note in QUERIES:
        out.append(_timed(q, warmup, runs))
        _row(out[-1], rows, note)
    common = _timed(COMMON, 0, 1)
    _row(common, rows, "a common term: 1 run only (not in the figures over all queries)")
    for r in [*out, common]:
        if always or pct(r["times"], 95) > threshold:
            with statements() as seen:
                search.search_ids(r["q"])
            print(f"\n  EXPLAIN (ANALYZE, BUFFERS) for {r['q']!r} (p95 {pct(r['times'], 95):.1f} ms):")
            for sql, params, _ in seen:
                print(f"    {sql[:110]}…")
                print(explain(sql, params))
    return out


def sketch(warmup: int, runs: int, rows: int) -> None:
    """What a stored tsvector column would give: the same two statements on it, then with a capped count.

    The column and its GIN index are added to the scratch database and dropped again afterwards.
    """
    from django.db import connection

    from cityhall.openness import search

    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute(
            f"ALTER TABLE openness_publication ADD COLUMN bench_vector tsvector GENERATED ALWAYS AS ({search.PG_VECTOR}) STORED"
        )
        added = time.perf_counter() - t
        t = time.perf_counter()
        cur.execute("CREATE INDEX bench_vector_gin ON openness_publication USING gin (bench_vector)")
        built = time.perf_counter() - t
        cur.execute("VACUUM ANALYZE openness_publication")
        cur.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('openness_publication')),"
            " pg_size_pretty(pg_relation_size('bench_vector_gin'))"
        )
        total, gin = cur.fetchone()
    print(
        f"\nsketch: a stored column bench_vector tsvector GENERATED ALWAYS AS (search.PG_VECTOR) STORED"
        f" ({added:.1f} s to add), GIN on it ({built:.1f} s, {gin}); table now {total}"
    )

    def stored(sql: str) -> str:
        return sql.replace(search.PG_VECTOR, "p.bench_vector")

    def capped(sql: str) -> str:
        sql = stored(sql)
        if sql.startswith("SELECT count(*) FROM"):
            # The statement search.py builds, wrapped: no outside input reaches the SQL text.
            return "SELECT count(*) FROM (SELECT 1 FROM" + sql.removeprefix("SELECT count(*) FROM") + " LIMIT 1001) s"  # noqa: S608
        return sql

    for label, rewrite in (("stored column", stored), ("stored column, count capped at 1,001", capped)):
        print(f"  {label}: {warmup} warm-up, then {runs} runs of the two statements (ms)")
        print(HEADER)
        for q, note in (*QUERIES, (COMMON, "a common term")):
            _row(_timed(q, warmup, runs, rewrite), rows, note)
    q = COMMON
    with statements() as seen:
        search.search_ids(q)
    print(f"\n  EXPLAIN (ANALYZE, BUFFERS) for {q!r} on the stored column:")
    for sql, params, _ in seen:
        print(explain(stored(sql), params))
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE openness_publication DROP COLUMN bench_vector")


def time_pages(warmup: int, requests: int) -> list[dict[str, Any]]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    pages = (
        ("minimal view /bench/minimal/", "/bench/minimal/", False, None),
        ("/portal/, cache cleared", "/portal/", True, "miss"),
        ("/portal/, cache warm", "/portal/", False, "hit"),
        ("/portal/search/?q=专项债, cache cleared", "/portal/search/?q=专项债", True, "miss"),
        ("minimal view again", "/bench/minimal/", False, None),
    )
    out = []
    for label, path, clear, expect in pages:
        times = []
        for n in range(warmup + requests):
            if clear:
                cache.clear()
            t = time.perf_counter()
            response = client.get(path)
            elapsed = 1000 * (time.perf_counter() - t)
            if response.status_code != 200 or (expect and response.get("X-Portal-Cache") != expect):
                raise SystemExit(
                    f"{path}: HTTP {response.status_code}, X-Portal-Cache {response.get('X-Portal-Cache')}"
                )
            if n >= warmup:
                times.append(elapsed)
        if clear:
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        out.append(
            {"label": label, "times": times, "queries": len(ctx.captured_queries), "kb": len(response.content) / 1024}
        )
    return out


def context() -> dict[str, str]:
    from django.db import connection

    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    except OSError:
        pass
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_setting('server_version'), current_setting('shared_buffers'), current_setting('work_mem'),"
            " current_setting('jit'), count(*),"
            " pg_size_pretty(pg_total_relation_size('openness_publication')),"
            " pg_size_pretty(pg_relation_size('openness_publication')),"
            " pg_size_pretty(pg_total_relation_size(reltoastrelid)),"
            " pg_size_pretty(pg_indexes_size('openness_publication')),"
            " pg_size_pretty(pg_relation_size('openness_publication_fts'))"
            " FROM openness_publication, pg_class WHERE pg_class.oid = 'openness_publication'::regclass"
            " GROUP BY reltoastrelid"
        )
        pg, shared, work, jit, rows, total, heap, toast, indexes, gin = cur.fetchone()
    import django
    import jieba  # type: ignore[import-untyped]

    import cityhall

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "machine": f"{os.cpu_count()} CPUs ({model}), load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "software": f"PostgreSQL {pg} (shared_buffers {shared}, work_mem {work}, jit {jit}), Python "
        f"{platform.python_version()}, Django {django.get_version()}, jieba {jieba.__version__}, commit {commit or '?'}"
        f" (cityhall from {Path(cityhall.__file__).parent})",
        "rows": f"{rows:,} publications",
        "sizes": f"table total {total} (heap {heap}, TOAST {toast}, indexes {indexes}); GIN openness_publication_fts {gin}",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2, help="processes computing index_text (default 2)")
    parser.add_argument("--runs", type=int, default=50, help="timed search_ids calls per query (default 50)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up requests per page (default 10)")
    parser.add_argument("--search-warmup", type=int, default=3, help="warm-up calls per query (default 3)")
    parser.add_argument("--sketch", action="store_true", help="also time the queries on a stored tsvector column")
    parser.add_argument("--sketch-runs", type=int, default=10, help="runs per query in the sketch (default 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold-ms", type=float, default=300.0, help="EXPLAIN a query slower at p95")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN every query")
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch database")
    parser.add_argument("--reuse", action="store_true", help="measure an existing (--keep) database again")
    args = parser.parse_args(argv)
    base, name = database_url()
    loaded = setup_django(base, name, args.reuse)
    try:
        from cityhall.openness.models import Publication
        from cityhall.org.demo import load_demo

        print(f"database: {name}")
        if loaded:
            print("set-up: reusing the items already loaded")
            build: dict[str, float] = {}
        else:
            started = time.perf_counter()
            load_demo()
            print(f"set-up: demo organisation in {time.perf_counter() - started:.1f} s; loading {args.rows:,} items")
            build = load(args.rows, args.workers, args.seed)
        info = context()
        for key, value in info.items():
            print(f"{key + ':':<10}{value}")
        if build:
            rate = args.rows / build["index_s"]
            print(
                f"load:     {build['load_wall_s']:.1f} s wall for {args.rows:,} rows ({args.workers} index workers,"
                f" started in {build['pool_start_s']:.1f} s, while the main process inserted)\n"
                f"          index_text, title + body: {build['index_s']:.1f} s of worker time"
                f" ({1000 / rate:.2f} ms per row, {rate:,.0f} rows/s per process);"
                f" generating the text {build['generate_s']:.1f} s; bulk_create {build['insert_s']:.1f} s\n"
                f"          bodies {build['body_min']:.0f}–{build['body_max']:.0f} characters"
                f" (mean {build['body_mean']:.0f})\n"
                f"          CREATE INDEX openness_publication_fts (GIN) {build['gin_build_s']:.1f} s;"
                f" VACUUM ANALYZE {build['analyze_s']:.1f} s"
            )

        rows = Publication.objects.count()
        print(f"\nsearch.search_ids(q): {args.search_warmup} warm-up, then {args.runs} timed calls per query (ms)")
        print(HEADER)
        searches = time_search(args.search_warmup, args.runs, rows, args.threshold_ms, args.explain)
        every = [x for row in searches for x in row["times"]]
        print(
            f"  {'all 6 queries':<14} {'':>8} {'':>7} {len(every):>5} {statistics.median(every):>9.1f}"
            f" {pct(every, 95):>9.1f} {max(every):>9.1f}"
        )

        print(
            f"\npages (django.test.Client, anonymous, DEBUG off): {args.warmup} warm-up, then {args.requests} timed (ms)"
        )
        print(f"  {'page':<44} {'p50':>8} {'p95':>8} {'max':>8} {'queries':>8} {'KB':>6}")
        pages = time_pages(args.warmup, args.requests)
        for page in pages:
            t = page["times"]
            print(
                f"  {page['label']:<44} {statistics.median(t):>8.2f} {pct(t, 95):>8.2f} {max(t):>8.2f}"
                f" {page['queries']:>8} {page['kb']:>6.1f}"
            )
        base_p95 = pct(pages[0]["times"], 95)
        home_p95, search_p95 = pct(pages[1]["times"], 95), pct(pages[3]["times"], 95)
        print(
            f"  /portal/ uncached p95 = {home_p95 / base_p95:.1f}× the minimal view's; cached"
            f" {pct(pages[2]['times'], 95) / base_p95:.1f}×; search {search_p95 / base_p95:.1f}×"
        )
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.sketch:
            # The sketch measured the stored column before migration 0008 made it the real index; the
            # figures it gave are in docs/benchmarks.md. There is nothing left to sketch.
            print("\nsketch: the stored search_vector column is now what search.py reads (migration 0008); skipped")
        worst = max(searches, key=lambda r: pct(r["times"], 95))
        print(
            f"RESULT rows={info['rows'].split()[0]} search_p50={statistics.median(every):.1f}ms"
            f" search_p95={pct(every, 95):.1f}ms worst={worst['q']}:{pct(worst['times'], 95):.1f}ms"
            f" home_uncached_p95={home_p95:.1f}ms home_cached_p95={pct(pages[2]['times'], 95):.2f}ms"
            f" search_page_p95={search_p95:.1f}ms minimal_p95={base_p95:.2f}ms"
            + (f" index_build_s={build['index_s']:.1f} gin_build_s={build['gin_build_s']:.1f}" if build else "")
        )
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            drop(base, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
