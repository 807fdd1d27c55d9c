"""The portal's public forms over real HTTP, as a browser or a script meets them: CSRF on, a per-address
limit, a honeypot, and nothing revealed by the query page without the phone's last four digits."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from cityhall.openness.models import AbuseReport, DisclosureRequest
from cityhall.org.demo import load_demo

pytestmark = pytest.mark.django_db(transaction=True)

FORM = {
    "applicant_kind": "citizen",
    "name": "钱多多",
    "id_number": "210402199001011234",
    "phone": "13800001111",
    "email": "qian@example.cn",
    "description": "2026年抚顺市城区供暖补贴资金的分配文件",
    "delivery": "email",
}


class Browser:
    """A cookie-keeping client: it reads the CSRF token from the form, as a browser would submit it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310 - our own live server

    def post(self, path: str, fields: dict[str, str], *, token: bool = True, raw: str = "") -> tuple[int, str]:
        if token:
            _, page = self.get(path)
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            assert match, "the form carries a CSRF token"
            fields = fields | {"csrfmiddlewaretoken": match.group(1)}
        data = (urllib.parse.urlencode(fields) + raw).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST")  # noqa: S310 - our own live server
        request.add_header("Referer", self.base + path)
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


@pytest.fixture
def site(live_server) -> Browser:
    from django.core.cache import cache

    cache.clear()
    load_demo()
    return Browser(live_server.url)


@pytest.mark.rule("disclosure.reply")
def test_a_script_posting_100_applications_from_one_address_is_stopped_at_the_limit_and_nothing_else_breaks(site):
    statuses = [site.post("/portal/apply/", FORM | {"name": f"钱多多{n}"})[0] for n in range(100)]
    assert statuses[:10] == [200] * 10
    assert set(statuses[10:]) == {429}
    status, page = site.post("/portal/apply/", FORM)
    assert status == 429 and "提交过于频繁" in page and 'value="2026年抚顺市城区供暖补贴资金的分配文件' not in page
    assert "钱多多" in page  # what was typed is kept in the form
    assert DisclosureRequest.objects.count() == 10
    assert AbuseReport.objects.filter(form="disclosure").count() == 1  # one report per burst
    assert site.get("/portal/")[0] == 200 and site.get("/portal/search/?q=" + urllib.parse.quote("专项债"))[0] == 200


@pytest.mark.rule("disclosure.reply")
def test_the_public_form_needs_its_csrf_token_takes_no_html_and_a_filled_honeypot_stores_nothing(site):
    assert site.post("/portal/apply/", FORM, token=False)[0] == 403
    status, page = site.post("/portal/apply/", FORM | {"website": "http://spam.example"})
    assert status == 200 and "感谢您的提交" in page and DisclosureRequest.objects.count() == 0
    assert AbuseReport.objects.filter(reason__contains="隐藏字段").exists()
    status, page = site.post(
        "/portal/apply/", FORM | {"description": "<img src=x onerror=alert(1)>供暖补贴<b>文件</b>"}
    )
    assert status == 200
    stored = DisclosureRequest.objects.get()
    assert stored.description == "供暖补贴文件"
    for bad in ({"phone": "abc"}, {"description": "x" * 4001}, {"delivery": "pigeon"}):
        status, page = site.post("/portal/apply/", FORM | bad)
        assert status == 400 and "请" in page, bad
    # A lone surrogate, as bytes no UTF-8 text can hold, and a NUL: refused in Chinese, never a 500.
    for raw in ("&name=%ED%A0%80", "&name=%00"):
        status, page = site.post("/portal/apply/", FORM, raw=raw)
        assert 400 <= status < 500 and "<html" in page, raw
    assert DisclosureRequest.objects.count() == 1


@pytest.mark.rule("disclosure.reply")
def test_the_query_page_reveals_nothing_without_the_code_and_the_phone_suffix(site):
    site.post("/portal/apply/", FORM)
    code = DisclosureRequest.objects.get().code
    for fields in (
        {"code": code, "phone_suffix": "0000"},
        {"code": code},
        {"code": "GK' OR 1=1", "phone_suffix": "1111"},
    ):
        status, page = site.post("/portal/status/", fields)
        assert status == 404 and "没有找到" in page and "钱多多" not in page and "供暖补贴" not in page
    status, page = site.post("/portal/status/", {"code": code, "phone_suffix": "1111"})
    assert status == 200 and "办理中" in page and "钱多多" not in page and "210402" not in page
