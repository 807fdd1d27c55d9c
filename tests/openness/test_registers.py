"""The oversight registers (Art 31, 33, 35, 36) and the service catalogue (Art 29 ¶2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityhall.openness import registers as rg
from cityhall.openness.models import Publication
from cityhall.org.demo import load_demo
from cityhall.org.models import Unit
from cityhall.rules import InvalidInput
from tests.meetings.test_topics import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    from django.core.cache import cache

    cache.clear()
    load_demo()


def case(kind: str, **more) -> rg.CaseForm:  # type: ignore[no-untyped-def]
    values = {
        "kind": kind,
        "title": "某企业诉市自然资源局行政处罚案" if kind == "litigation" else "供暖收费问题",
        "detail": "基本情况",
        "owner": Unit.objects.get(code="natural-resources" if kind == "litigation" else "housing"),
        "received_on": timezone.localdate() - dt.timedelta(days=3),
    }
    return rg.CaseForm(**(values | more))


@pytest.mark.rule("oversight.litigation", "oversight.reconsideration")
def test_33_35_a_court_or_reconsideration_case_is_registered_with_its_owner_date_basis_and_outcome(demo):
    clerk = person("office-clerk-1")
    with pytest.raises(InvalidInput, match="期限的依据"):
        rg.case_open(actor=clerk, form=case("litigation", due_on=timezone.localdate() + dt.timedelta(days=12)))
    with pytest.raises(rg.RegisterError, match="市政府办公室登记"):
        rg.case_open(actor=person("head-finance"), form=case("litigation"))
    lawsuit = rg.case_open(
        actor=clerk,
        form=case(
            "litigation",
            due_on=timezone.localdate() + dt.timedelta(days=12),
            due_basis="行政诉讼法第六十七条：15日内答辩",
        ),
    )
    with pytest.raises(rg.RegisterError, match="责任单位"):
        rg.case_close(actor=person("head-water"), case=lawsuit, outcome="x")
    closed = rg.case_close(actor=person("head-natural-resources"), case=lawsuit, outcome="一审判决驳回诉讼请求，已履行")
    assert closed.state == "closed" and closed.publication is None
    review = rg.case_open(actor=clerk, form=case("reconsideration"))
    assert rg.case_close(actor=clerk, case=review, outcome="维持原行政行为").state == "closed"


@pytest.mark.rule("oversight.audit")
def test_33_an_audit_finding_closes_only_once_its_rectification_is_reported_to_the_city_government(demo):
    finding = rg.case_open(actor=person("office-clerk-1"), form=case("audit", title="专项资金拨付滞后"))
    with pytest.raises(rg.RegisterError, match="向市政府报告") as refused:
        rg.case_close(actor=person("head-housing"), case=finding, outcome="已拨付到位")
    assert "第三十三条" in refused.value.citation
    done = rg.case_close(actor=person("head-housing"), case=finding, outcome="已拨付到位", reported_to_city=True)
    assert done.reported_to_city


@pytest.mark.rule("oversight.media", "opinion.response")
def test_36_31_a_major_press_case_publishes_its_result_and_a_major_opinion_case_needs_a_release_first(demo):
    clerk = person("office-clerk-1")
    press = rg.case_open(actor=clerk, form=case("media", major=True, title="媒体报道某小区供暖不热"))
    press = rg.case_close(actor=person("head-housing"), case=press, outcome="已督促供热企业整改，室温达标")
    assert press.publication.state == Publication.State.PUBLISHED and "处理结果" in press.publication.title
    minor = rg.case_close(actor=clerk, case=rg.case_open(actor=clerk, form=case("media")), outcome="已答复")
    assert minor.publication is None
    opinion = rg.case_open(actor=clerk, form=case("opinion", major=True, title="望花区化工企业储罐起火舆情"))
    with pytest.raises(rg.RegisterError, match="发布权威信息"):
        rg.case_close(actor=clerk, case=opinion, outcome="舆情平稳")
    with pytest.raises(rg.RegisterError, match="回应责任单位"):
        rg.opinion_release(actor=person("head-water"), case=opinion, text="x")
    release = rg.opinion_release(actor=person("head-housing"), case=opinion, text="火情已扑灭，无人员伤亡。")
    assert release.publication.state == Publication.State.PUBLISHED
    assert rg.case_close(actor=clerk, case=opinion, outcome="舆情平稳").state == "closed"


@pytest.mark.rule("services.catalogue")
def test_29_2_a_service_item_is_published_only_with_all_seven_things_the_article_lists(demo):
    values = {
        "basis": "《中华人民共和国城乡规划法》第四十条",
        "process": "申请—受理—审查—决定—送达",
        "fees": "不收费",
        "time_limit": "20个工作日",
        "result": "建设工程规划许可证",
        "supervision": "12345政务服务便民热线",
    }
    unit = Unit.objects.get(code="natural-resources")
    with pytest.raises(rg.RegisterError, match="缺少：收费标准、监督方式"):
        rg.service_save(
            actor=person("head-natural-resources"),
            unit=unit,
            name="建设工程规划许可",
            values=values | {"fees": "", "supervision": " "},
        )
    with pytest.raises(rg.RegisterError, match="实施主体"):
        rg.service_save(actor=person("head-water"), unit=unit, name="建设工程规划许可", values=values)
    item = rg.service_save(actor=person("head-natural-resources"), unit=unit, name="建设工程规划许可", values=values)
    assert item.published and item.fees == "不收费"
