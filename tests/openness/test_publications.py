"""Publishing on the portal (Art 28, 30) and the Chinese full-text search over what is published."""

from __future__ import annotations

import datetime as dt

import pytest

from cityhall.openness import search
from cityhall.openness.models import Publication
from cityhall.openness.services import (
    PublicationError,
    PublicationForm,
    interpretation_save,
    publication_create,
    publication_publish,
    publication_withdraw,
)
from cityhall.org.demo import load_demo
from cityhall.org.models import Unit
from cityhall.rules import InvalidInput
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db

SECTIONS = {
    "background": "根据省财政厅关于新增专项债券额度的通知。",
    "goals": "保障重点项目建设资金需求。",
    "main_content": "明确额度分配和使用范围。",
    "scope": "各县（区）政府和市直有关部门。",
    "standards": "按项目成熟度和偿债能力分配。",
    "notes": "专款专用，不得挪用。",
    "benefits": "不涉及",
}


@pytest.fixture
def demo() -> None:
    from django.core.cache import cache

    cache.clear()  # the portal's page cache outlives one test's database
    load_demo()


def policy(
    title: str = "关于下达2026年新增专项债券额度的通知", body: str = "各县（区）人民政府：现将专项债券额度下达……"
) -> Publication:
    return publication_create(
        actor=person("head-finance"),
        form=PublicationForm(
            kind="policy",
            title=title,
            subject="finance",
            issued_on=dt.date(2026, 11, 20),
            body=body,
            issuer=Unit.objects.get(code="finance"),
            document_number="抚财发〔2026〕12号",
        ),
    )


@pytest.mark.rule("openness.interpretation")
def test_30_a_policy_is_refused_without_its_drafting_units_complete_interpretation(demo):
    pub = policy()
    with pytest.raises(PublicationError, match="政策解读") as refused:
        publication_publish(actor=person("head-finance"), publication=pub)
    assert "第三十条第二款" in refused.value.citation
    # Only the drafting unit interprets its policy.
    with pytest.raises(PublicationError, match="谁起草、谁解读"):
        interpretation_save(actor=person("head-water"), publication=pub, sections=SECTIONS)
    interpretation_save(actor=person("head-finance"), publication=pub, sections=SECTIONS | {"notes": " "})
    with pytest.raises(PublicationError, match="缺少：注意事项"):
        publication_publish(actor=person("head-finance"), publication=pub)
    interpretation_save(
        actor=person("head-finance"),
        publication=pub,
        sections=SECTIONS,
        chart_title="各县区额度（亿元）",
        chart=[("新宾", "3.5"), ("清原", "2.8"), ("", "")],
    )
    pub = publication_publish(actor=person("head-finance"), publication=pub)
    assert pub.state == "published" and pub.interpretation.chart[1] == {"label": "清原", "value": 2.8}
    with pytest.raises(InvalidInput, match="不是数字"):
        interpretation_save(actor=person("head-finance"), publication=pub, sections=SECTIONS, chart=[("新宾", "很多")])


@pytest.mark.rule("disclosure.publish")
def test_28_a_notice_needs_no_interpretation_and_stored_text_holds_no_html(demo):
    notice = publication_create(
        actor=person("head-water"),
        form=PublicationForm(
            kind="notice",
            title="关于<script>alert(1)</script>汛期水库调度的公告",
            subject="agriculture",
            issued_on=dt.date(2026, 11, 1),
            body="<b>大伙房水库</b>汛期调度安排",
            issuer=Unit.objects.get(code="water"),
        ),
    )
    assert "<" not in notice.title and notice.body == "大伙房水库汛期调度安排"
    assert publication_publish(actor=person("head-water"), publication=notice).state == "published"
    with pytest.raises(PublicationError, match="只有发布机构"):
        publication_withdraw(actor=person("head-finance"), publication=notice, reason="错发")
    assert publication_withdraw(actor=person("head-water"), publication=notice, reason="内容有误").state == "withdrawn"
    assert search.search_ids("大伙房").total == 0  # a withdrawn item leaves the search


def test_search_tokens_find_a_run_inside_a_longer_word_and_not_across_punctuation():
    assert search.query_terms("专项债") == [["专项", "项债"]]
    text = search.index_text("关于下达2026年新增专项债券额度的通知")
    assert "专项 项债 债券" in text and "2026" in text
    assert "专项 qqsep 项债" in search.index_text("专项。项债")
    assert search.query_terms("  ") == []
    assert str(search.highlight("专项债券<额度>", "专项债")) == "<mark>专项债</mark>券&lt;额度&gt;"


@pytest.mark.rule("disclosure.publish")
def test_search_finds_a_term_inside_a_word_and_in_the_body_ranks_titles_first_on_this_database(demo):
    first = policy()
    interpretation_save(actor=person("head-finance"), publication=first, sections=SECTIONS)
    publication_publish(actor=person("head-finance"), publication=first)
    village = policy("关于做好农村人居环境整治的通知", "新宾满族自治县永陵镇等地开展整治；资金来源包括专项债。")
    interpretation_save(actor=person("head-finance"), publication=village, sections=SECTIONS)
    publication_publish(actor=person("head-finance"), publication=village)
    draft = policy("关于专项债的内部草稿")  # not published: never found
    hits = search.search_ids("专项债")
    assert hits.total == 2 and hits.ids == [first.pk, village.pk]  # the title match ranks first
    assert draft.pk not in hits.ids
    assert search.search_ids("永陵镇").ids == [village.pk]
    assert search.search_ids("永陵镇 专项债").ids == [village.pk]
    assert search.search_ids("2026").ids == [first.pk]
    assert search.search_ids("陵").ids == [village.pk]  # one character: any word it begins
    assert search.search_ids("人居环境 不存在的词").total == 0


@pytest.mark.rule("disclosure.publish")
def test_28_the_portal_needs_no_login_caches_its_pages_and_shows_a_new_item_at_once(demo, client):
    pub = policy()
    assert client.get(f"/portal/items/{pub.pk}/").status_code == 404  # a draft is not public
    first = client.get("/portal/")
    assert first.status_code == 200 and first["X-Portal-Cache"] == "miss"
    assert client.get("/portal/")["X-Portal-Cache"] == "hit"
    interpretation_save(actor=person("head-finance"), publication=pub, sections=SECTIONS)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        publication_publish(actor=person("head-finance"), publication=pub)
    fresh = client.get("/portal/")
    assert fresh["X-Portal-Cache"] == "miss" and pub.title in fresh.content.decode()
    page = client.get(f"/portal/items/{pub.pk}/").content.decode()
    assert "背景依据" in page and "抚财发〔2026〕12号" in page
    assert client.get("/portal/search/?q=" + "专" * 500).status_code == 200  # an over-long query is cut, not a 500
    nul = client.get("/portal/search/?q=%00<script>")
    assert nul.status_code == 400 and "<script>" not in nul.content.decode()
    assert client.get("/portal/catalogue/?issuer=abc&subject=x&page=-1").status_code == 200
    # The workbench is not public.
    assert client.get("/openness/").status_code == 302


@pytest.mark.rule("disclosure.publish")
def test_28_issued_documents_and_publishable_minutes_wait_on_the_workbench_and_secret_ones_never_do(demo):
    from cityhall.documents.demo import load_documents
    from cityhall.documents.models import Document
    from cityhall.meetings.demo import load_meetings
    from cityhall.meetings.models import Minutes
    from cityhall.openness.services import pending_sources, publication_from_document, publication_from_minutes

    load_documents()
    load_meetings()
    clerk = person("office-clerk-1")
    now = dt.datetime.now(dt.UTC)
    pending = pending_sources(clerk, now)
    assert all(d.disclosure == "proactive" and not d.classification and d.printed_on for d in pending["documents"])
    issued = Minutes.objects.filter(state="issued")
    assert issued.exists()
    minutes = issued.first()
    Minutes.objects.filter(pk=minutes.pk).update(publishable=True, secret=False)
    minutes.refresh_from_db()
    assert minutes in pending_sources(clerk, now)["minutes"]
    decision = publication_from_minutes(actor=clerk, minutes=minutes)
    assert decision.state == "published" and decision.kind == "decision" and decision.minutes == minutes
    assert minutes not in pending_sources(clerk, now)["minutes"]
    with pytest.raises(PublicationError, match="已经在公开目录中"):
        publication_from_minutes(actor=clerk, minutes=minutes)
    Minutes.objects.filter(pk=minutes.pk).update(secret=True)
    minutes.refresh_from_db()
    with pytest.raises(PublicationError, match="涉密"):
        publication_from_minutes(actor=clerk, minutes=minutes)
    # A department sees only its own issued documents; a classified one is refused even if asked for.
    doc = Document.objects.filter(printed_on__isnull=False).exclude(document_number="").first()
    assert doc is not None
    Document.objects.filter(pk=doc.pk).update(disclosure="proactive", classification="", classification_period="")
    doc.refresh_from_db()
    if not hasattr(doc, "publication"):
        item = publication_from_document(actor=clerk, document=doc, kind="policy", subject="general")
        assert item.document_number == doc.document_number and item.state == "draft"
    Document.objects.filter(pk=doc.pk).update(classification="秘密", classification_period="5年")
    doc.refresh_from_db()
    with pytest.raises(PublicationError, match="依法需要保密"):
        publication_from_document(actor=clerk, document=doc, kind="policy", subject="general")


def test_the_sqlite_index_repairs_itself_after_a_migration_drops_its_triggers(demo):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 triggers only")
    pub = policy()
    interpretation_save(actor=person("head-finance"), publication=pub, sections=SECTIONS)
    publication_publish(actor=person("head-finance"), publication=pub)
    with connection.cursor() as cur:
        for name in search.SQLITE_TRIGGERS:
            cur.execute(f"DROP TRIGGER {name}")
        cur.execute("INSERT INTO openness_fts(openness_fts) VALUES ('delete-all')")
    assert search.search_ids("专项债").total == 0
    assert search.ensure_sqlite_index() is True
    assert search.search_ids("专项债").ids == [pub.pk]
    assert search.ensure_sqlite_index() is False  # nothing to repair the second time


@pytest.mark.rule("openness.interpretation")
def test_30_an_interpretation_takes_png_or_jpeg_images_checked_by_content_with_a_caption(demo, tmp_path, settings):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from cityhall.openness.services import interpretation_image_add

    settings.MEDIA_ROOT = tmp_path
    pub = policy()
    found = interpretation_save(actor=person("head-finance"), publication=pub, sections=SECTIONS)
    png = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(png, format="PNG")
    image = interpretation_image_add(
        actor=person("head-finance"),
        interpretation=found,
        upload=SimpleUploadedFile("chart.exe", png.getvalue()),
        caption="各县区额度示意图",
    )
    assert image.image.name.endswith(".png")  # named by its content, not by what it was called
    fake = SimpleUploadedFile("photo.png", b"<script>alert(1)</script>")
    with pytest.raises(InvalidInput, match="不是图片"):
        interpretation_image_add(actor=person("head-finance"), interpretation=found, upload=fake, caption="x")
    with pytest.raises(InvalidInput, match="图片说明"):
        interpretation_image_add(
            actor=person("head-finance"),
            interpretation=found,
            upload=SimpleUploadedFile("a.png", png.getvalue()),
            caption=" ",
        )
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(InvalidInput, match="PNG 或 JPEG"):
        interpretation_image_add(
            actor=person("head-finance"),
            interpretation=found,
            upload=SimpleUploadedFile("a.gif", gif.getvalue()),
            caption="动图",
        )
    with pytest.raises(PublicationError, match="谁起草、谁解读"):
        interpretation_image_add(
            actor=person("head-water"),
            interpretation=found,
            upload=SimpleUploadedFile("a.png", png.getvalue()),
            caption="x",
        )


@pytest.mark.rule("disclosure.publish")
def test_a_common_term_counts_up_to_the_cap_and_says_so(demo, monkeypatch, client):
    for n in range(3):
        item = policy(title=f"关于专项债第{n}批额度的通知")
        interpretation_save(actor=person("head-finance"), publication=item, sections=SECTIONS)
        publication_publish(actor=person("head-finance"), publication=item)
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    hits = search.search_ids("专项债")
    assert (hits.total, hits.capped, len(hits.ids)) == (2, True, 3)  # the page still lists what it asked for
    assert search.search_ids("第1批").capped is False
    from django.core.cache import cache

    cache.clear()
    assert "<strong>2+</strong>" in client.get("/portal/search/?q=专项债").content.decode()
