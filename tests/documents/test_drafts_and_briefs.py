"""Correcting a refused draft, and one approved brief per department (Art 53 ¶2)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from cityhall.documents.models import BriefKind, Document
from cityhall.documents.services import brief_kind_decide, brief_kind_request, document_update_draft
from cityhall.org.demo import load_demo
from cityhall.org.models import Person, Unit
from cityhall.rules import RuleViolation

pytestmark = pytest.mark.django_db


def person(code: str) -> Person:
    return Person.objects.get(holdings__position__code=code)


def test_a_refused_submission_returns_the_form_filled_in_and_the_retry_updates_the_same_draft(client):  # 48
    load_demo()
    client.force_login(get_user_model().objects.get(username="xinbin"))
    xinbin = Unit.objects.get(code="xinbin")
    typed = {
        "issuer": xinbin.pk,
        "kind": "报告",
        "title": "关于防汛工作的报告",
        "body": "……妥否，请批复。",
        "addressees": "抚顺市人民政府",
        "signed_by_title": "县长",
        "intent": "submit",
    }
    refused = client.post("/documents/new/", typed, follow=True)
    html = refused.content.decode()
    draft = Document.objects.get()
    assert refused.redirect_chain[-1][0] == f"/documents/{draft.pk}/edit/"
    assert "……妥否，请批复。" in html and "夹带了请示事项" in html and "第四十八条" in html
    assert draft.state == "draft"
    fixed = client.post(
        f"/documents/{draft.pk}/edit/",
        {**typed, "kind": "请示", "title": "关于防汛资金的请示", "body": "特申请防汛资金。妥否，请批示。"},
    )
    assert fixed.status_code == 302
    assert Document.objects.count() == 1
    draft.refresh_from_db()
    assert (draft.state, draft.kind, draft.title) == ("submitted", "请示", "关于防汛资金的请示")
    with pytest.raises(RuleViolation, match="只有草稿"):
        document_update_draft(actor=None, document=draft, title="再改")


@pytest.mark.rule("briefs.one-kind")
def test_each_department_has_at_most_one_approved_brief(db):  # 53-2
    load_demo()
    fgw, clerk = Unit.objects.get(code="fgw"), person("office-clerk-1")
    first = brief_kind_request(actor=person("head-fgw"), unit=fgw, name="发展改革工作简报")
    second = brief_kind_request(actor=person("head-fgw"), unit=fgw, name="重大项目建设专报")
    assert brief_kind_decide(actor=clerk, brief=first, approve=True).state == "approved"
    with pytest.raises(RuleViolation) as err:
        brief_kind_decide(actor=clerk, brief=second, approve=True)
    assert "只向市政府报送1种简报" in err.value.message and "第五十三条第二款" in err.value.citation
    assert brief_kind_decide(actor=clerk, brief=second, approve=False).state == "refused"
    # The database holds the same line against any other path.
    BriefKind.objects.filter(pk=second.pk).update(state="pending")
    with pytest.raises(IntegrityError), transaction.atomic():
        BriefKind.objects.filter(pk=second.pk).update(state="approved")
    assert BriefKind.objects.filter(unit=fgw, state="approved").count() == 1
    from cityhall.workflow.models import AuditEvent

    assert AuditEvent.objects.get(action="brief.approved").rules == ["briefs.one-kind"]


def test_attachments_are_real_files_downloaded_only_by_those_who_may_read(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    load_demo()
    client.force_login(get_user_model().objects.get(username="xinbin"))
    upload = SimpleUploadedFile("养护资金测算表.csv", "项目,金额\n养护,500\n".encode(), content_type="text/csv")
    client.post(
        "/documents/new/",
        {
            "issuer": Unit.objects.get(code="xinbin").pk,
            "kind": "请示",
            "title": "关于养护资金的请示",
            "body": "妥否，请批示。",
            "addressees": "抚顺市人民政府",
            "signed_by_title": "县长",
            "attachments": [upload],
        },
    )
    doc = Document.objects.get()
    [attachment] = doc.attachments.all()
    url = f"/documents/{doc.pk}/attachments/{attachment.pk}/"
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).decode() == "项目,金额\n养护,500\n"
    client.force_login(get_user_model().objects.get(username="fgw"))
    assert client.get(url).status_code == 403


def test_the_briefs_page_lets_a_department_ask_and_the_office_approve_one(client):  # 53-2
    load_demo()
    client.force_login(get_user_model().objects.get(username="fgw"))
    fgw = Unit.objects.get(code="fgw")
    for name in ("发展改革工作简报", "重大项目专报"):
        client.post("/documents/briefs/", {"action": "request", "unit": fgw.pk, "name": name})
    assert (
        client.post("/documents/briefs/", {"action": "approve", "brief": BriefKind.objects.first().pk}).status_code
        == 403
    )
    client.force_login(get_user_model().objects.get(username="clerk"))
    first, second = BriefKind.objects.order_by("id")
    client.post("/documents/briefs/", {"action": "approve", "brief": first.pk})
    page = client.post("/documents/briefs/", {"action": "approve", "brief": second.pk}, follow=True).content.decode()
    assert "只向市政府报送1种简报" in page and "第五十三条第二款" in page
    assert list(BriefKind.objects.order_by("id").values_list("state", flat=True)) == ["approved", "pending"]
