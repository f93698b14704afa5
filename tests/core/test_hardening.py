"""Hardening of pages and documents: the Content-Security-Policy and the templates it
relies on, production's transport and cookie settings, and every upload path (content
checked, generated names, served as attachments)."""

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.capabilities.models import Capability
from apps.core.uploads import (
    DocumentFileValidator,
    PdfFileValidator,
    download_name,
    generated_name,
)
from apps.opportunities import services as opportunity_services
from apps.opportunities.models import Attachment, Response
from apps.waivers.models import WaiverDocument
from tests.capabilities.factories import CapabilityFactory
from tests.factories import AgencyFactory, MembershipFactory
from tests.opportunities.factories import OpportunityFactory
from tests.waivers.conftest import request_data

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"

# --- Content-Security-Policy ----------------------------------------------------------


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/opportunities/", "/accounts/login/"])
def test_pages_send_the_full_content_security_policy(client, path):
    response = client.get(path)
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_signed_in_page_and_the_admin_send_it_too(client, operator):
    client.force_login(operator)
    for path in ("/accounts/profile/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert directives(response)["frame-ancestors"] == ["'none'"], path
        assert directives(response)["script-src"] == ["'self'"], path


def _page_templates():
    directories = [ROOT / "templates", *sorted((ROOT / "apps").glob("*/templates"))]
    for directory in directories:
        for path in sorted(directory.rglob("*.html")):
            relative = path.relative_to(directory)
            # E-mails are not pages: mail clients need inline styles, and no CSP applies.
            if "email" in relative.parts or relative.name.startswith("email_"):
                continue
            yield path


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def test_the_page_templates_are_found():
    names = {path.name for path in _page_templates()}
    assert {"base.html", "home.html", "detail.html"} <= names
    assert "email_base.html" not in names


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT, JAVASCRIPT_URL],
    ids=["inline script", "on* handler", "style attribute", "style element", "javascript: URL"],
)
def test_no_page_template_needs_unsafe_inline(pattern):
    offenders = [
        str(path.relative_to(ROOT))
        for path in _page_templates()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


class InlineCollector(HTMLParser):
    """What a CSP without 'unsafe-inline' would block in a rendered page."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in attributes:
            data_block = (attributes.get("type") or "").startswith("application/")
            self._in_inline_script = not data_block

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}…")


def inline_code(html: str) -> list[str]:
    collector = InlineCollector()
    collector.feed(html)
    return collector.found


def test_the_collector_sees_what_csp_would_block():
    html = (
        '<p style="color:red" onclick="x()">a</p><script>alert(1)</script>'
        '<script type="application/json">{"a": 1}</script><script src="/s.js"></script>'
        '<a href="javascript:void(0)">b</a><style>p{}</style>'
    )
    assert len(inline_code(html)) == 5


@pytest.fixture
def pages(db, firm, firm_member, operator):
    """A page of every kind, with the user who may see it."""
    agency = AgencyFactory()
    agency_staff = MembershipFactory(organization=agency).user
    opportunity = OpportunityFactory(organization=agency)
    capability = CapabilityFactory(organization=firm)
    response = opportunity_services.response_submit(
        opportunity=opportunity,
        actor=firm_member,
        firm=firm,
        kind="interest",
        body="A response.",
        is_proprietary=False,
    )
    from apps.waivers import services as waiver_services

    officer = MembershipFactory(organization=firm, is_export_control_officer=True).user
    waiver = waiver_services.waiver_create(
        actor=officer, firm=firm, data=request_data(firm, agency)
    )
    anonymous = [
        "/",
        reverse("core:terms"),
        reverse("opportunities:list"),
        opportunity.get_absolute_url(),
        reverse("capabilities:directory"),
        reverse("capabilities:detail", args=[capability.pk]),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        "/no-such-page/",
    ]
    firm_pages = [
        reverse("organizations:dashboard"),
        reverse("accounts:profile"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
        reverse("mfa_activate_totp"),
        reverse("notifications:settings"),
        reverse("capabilities:mine"),
        reverse("capabilities:edit", args=[capability.pk]),
        reverse("opportunities:respond", args=[opportunity.pk]),
        reverse("opportunities:response", args=[response.pk]),
        reverse("waivers:list"),
        reverse("waivers:create"),
        reverse("waivers:detail", args=[waiver.pk]),
        reverse("waivers:edit", args=[waiver.pk]),
        reverse("organizations:detail", args=[firm.pk]),
    ]
    agency_pages = [
        reverse("opportunities:create"),
        reverse("opportunities:edit", args=[opportunity.pk]),
        reverse("opportunities:attachment_add", args=[opportunity.pk]),
        reverse("opportunities:inbox", args=[opportunity.pk]),
        reverse("opportunities:agency_dashboard"),
    ]
    admin_pages = [
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{firm_member.pk}/change/",
        "/admin/organizations/organization/",
        "/admin/waivers/waiverrequest/",
    ]
    return [
        (None, anonymous),
        (firm_member, firm_pages),
        (agency_staff, agency_pages),
        (operator, admin_pages),
    ]


def test_rendered_pages_carry_no_inline_script_style_or_handler(client, pages):
    offenders = {}
    for user, paths in pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        for path in paths:
            response = client.get(path, follow=True)
            assert response.status_code in (200, 404), (path, response.status_code)
            found = inline_code(response.content.decode())
            if found:
                offenders[path] = found
    assert offenders == {}


# --- Production settings --------------------------------------------------------------

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "SECRET_KEY": "k" * 10 + "x7Qm2Lp9Zr" * 6,
    "ALLOWED_HOSTS": "kakehashi.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/kakehashi",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
NAMES = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
    "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
    "CONTENT_SECURITY_POLICY",
]


@pytest.fixture(scope="module")
def production_settings():
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.update(PRODUCTION_ENV)
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {NAMES!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_production_sends_everything_over_tls(production_settings):
    assert production_settings["DEBUG"] is False
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_settings["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"


@pytest.mark.slow
@pytest.mark.parametrize("cookie", ["SESSION", "CSRF", "LANGUAGE"])
def test_production_cookies_are_secure_httponly_and_same_site(production_settings, cookie):
    assert production_settings[f"{cookie}_COOKIE_SECURE"] is True
    assert production_settings[f"{cookie}_COOKIE_HTTPONLY"] is True
    assert production_settings[f"{cookie}_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.slow
def test_production_session_and_csrf_cookies_are_host_only(production_settings):
    assert production_settings["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert production_settings["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert production_settings["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True


@pytest.mark.slow
def test_production_keeps_the_content_security_policy(production_settings):
    policy = production_settings["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


@pytest.mark.slow
def test_production_redirects_plain_http_but_lets_health_checks_through():
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.update(PRODUCTION_ENV)
    script = (
        "import django; django.setup(); from django.test import Client; "
        "c = Client(HTTP_HOST='kakehashi.example'); "
        "print(c.get('/opportunities/').status_code, c.get('/healthz').status_code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    page, health = result.stdout.split()[-2:]
    assert page == "301"
    assert health != "301"


# --- Uploads: content, not extension -----------------------------------------------------


def ooxml(main_content_type: str, parts: dict[str, bytes] | None = None) -> bytes:
    """A minimal Office Open XML package declaring `main_content_type` for its main part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/main.xml" '
            f'ContentType="{main_content_type}"/></Types>',
        )
        package.writestr("_rels/.rels", "<Relationships/>")
        for name, content in (parts or {"main.xml": b"<document/>"}).items():
            package.writestr(name, content)
    return buffer.getvalue()


DOCX = ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = ooxml("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
PPTX = ooxml("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml")
DOCM = ooxml(
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    {"main.xml": b"<document/>", "word/vbaProject.bin": b"\x00macro"},
)
PLAIN_ZIP = ooxml("text/plain", {"notes.txt": b"hello"}).replace(
    b"[Content_Types]", b"[Other_Types__]"
)


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content"),
    [("brief.pdf", PDF), ("brief.pdf", b"\xef\xbb\xbf\n" + PDF), ("brief.PDF", PDF)],
)
def test_a_real_pdf_passes(name, content):
    PdfFileValidator(1024)(upload(name, content))
    DocumentFileValidator(1024)(upload(name, content))


@pytest.mark.parametrize(
    "content",
    [
        HTML,
        b"<html>" + PDF,  # a polyglot: a PDF header after HTML, which browsers would sniff
        b"GIF89a" + PDF,
        b"MZ\x90\x00",
        DOCX,
        b"",
    ],
    ids=["html", "html-then-pdf", "gif-then-pdf", "executable", "docx", "empty"],
)
def test_a_file_named_pdf_that_is_not_one_is_refused(content):
    for validator in (PdfFileValidator(1024), DocumentFileValidator(1024)):
        with pytest.raises(ValidationError):
            validator(upload("brief.pdf", content))


@pytest.mark.parametrize(
    ("name", "content"), [("a.docx", DOCX), ("a.xlsx", XLSX), ("a.pptx", PPTX)]
)
def test_office_documents_of_the_kind_their_name_says_pass(name, content):
    DocumentFileValidator(1024 * 1024)(upload(name, content))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.docx", XLSX),  # a workbook named as a Word document
        ("a.xlsx", DOCX),
        ("a.docx", DOCM),  # macros, renamed
        ("a.docx", PLAIN_ZIP),  # any zip archive
        ("a.docx", b"PK\x03\x04 not really a zip"),
        ("a.pptx", PDF),
    ],
    ids=["xlsx-as-docx", "docx-as-xlsx", "docm-as-docx", "plain-zip", "broken-zip", "pdf-as-pptx"],
)
def test_office_documents_whose_content_differs_from_their_name_are_refused(name, content):
    with pytest.raises(ValidationError) as raised:
        DocumentFileValidator(1024 * 1024)(upload(name, content))
    assert raised.value.code == "mismatch"


def test_a_real_pdf_under_another_name_is_refused():
    with pytest.raises(ValidationError):
        PdfFileValidator(1024)(upload("brief.html", PDF))
    with pytest.raises(ValidationError):
        DocumentFileValidator(1024)(upload("brief.exe", PDF))


@pytest.mark.parametrize(
    ("filename", "extension"),
    [
        ("Tsubasa 提案書 final.PDF", ".pdf"),
        ("../../../etc/passwd.pdf", ".pdf"),
        ("report.docx", ".docx"),
        ("payload.pdf.html", ""),
        ("no-extension", ""),
    ],
)
def test_generated_names_keep_nothing_of_the_uploaders_name_but_a_known_extension(
    filename, extension
):
    name = generated_name("responses/1/2", filename)
    assert re.fullmatch(rf"responses/1/2/[0-9a-f]{{32}}{re.escape(extension)}", name)
    assert generated_name("responses/1/2", filename) != name


def test_download_names_come_from_the_title():
    assert download_name("SAR payload: spec v2", ".pdf", fallback="x") == "sar-payload-spec-v2.pdf"
    assert download_name("小型衛星の仕様", ".docx", fallback="x") == "小型衛星の仕様.docx"
    assert download_name("../..", ".pdf", fallback="attachment-3") == "attachment-3.pdf"


def assert_served_as_attachment(response, *, filename: str, stored_name: str):
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert filename in disposition
    assert stored_name.rsplit("/", 1)[-1] not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


# Each upload path, through its own form.


CAPABILITY = {
    "title_en": "Compact SAR payload",
    "title_ja": "",
    "summary_en": "A 25 kg radar.",
    "summary_ja": "",
    "trl": "6",
    "is_dual_use": "on",
    "civil_application_en": "Disaster monitoring.",
    "export_control_status": "not_listed",
    "visibility": "public",
}


@pytest.mark.django_db
def test_capability_brochure_checked_stored_under_a_generated_name_and_downloaded(
    client, firm, firm_member
):
    from apps.taxonomy.models import TechnologyArea

    data = {**CAPABILITY, "areas": [TechnologyArea.objects.get(slug="satellites").pk]}
    url = f"{reverse('capabilities:create')}?firm={firm.pk}"
    client.force_login(firm_member)
    refused = client.post(url, {**data, "brochure": upload("brochure.pdf", HTML)})
    assert refused.status_code == 200
    assert "not a PDF" in refused.content.decode()
    assert refused.context["form"]["title_en"].value() == "Compact SAR payload"
    client.post(url, {**data, "brochure": upload("Tsubasa brochure (final).pdf", PDF)})
    capability = Capability.objects.get()
    assert capability.brochure.name.startswith(f"capabilities/{firm.pk}/brochures/")
    assert "Tsubasa" not in capability.brochure.name
    assert capability.brochure.name.endswith(".pdf")
    response = client.get(reverse("capabilities:brochure", args=[capability.pk]))
    assert_served_as_attachment(
        response, filename="compact-sar-payload.pdf", stored_name=capability.brochure.name
    )
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_opportunity_attachment_checked_stored_under_a_generated_name_and_downloaded(client):
    agency = AgencyFactory()
    staff = MembershipFactory(organization=agency).user
    opportunity = OpportunityFactory(organization=agency)
    client.force_login(staff)
    url = reverse("opportunities:attachment_add", args=[opportunity.pk])
    refused = client.post(url, {"title": "Statement of need", "file": upload("need.docx", XLSX)})
    assert refused.status_code == 200
    assert "does not match its name" in refused.content.decode()
    assert refused.context["form"]["title"].value() == "Statement of need"
    client.post(url, {"title": "Statement of need", "file": upload("DIU_need_v3.docx", DOCX)})
    attachment = Attachment.objects.get()
    attachment.full_clean()  # the stored file passes the same content check
    assert attachment.file.name.startswith(f"opportunities/{opportunity.pk}/attachments/")
    assert "DIU_need" not in attachment.file.name
    assert attachment.file.name.endswith(".docx")
    response = client.get(reverse("opportunities:attachment", args=[attachment.pk]))
    assert_served_as_attachment(
        response, filename="statement-of-need.docx", stored_name=attachment.file.name
    )
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_response_attachment_checked_stored_under_a_generated_name_and_downloaded(
    client, firm, firm_member
):
    opportunity = OpportunityFactory()
    client.force_login(firm_member)
    url = reverse("opportunities:respond", args=[opportunity.pk])
    data = {"kind": "solution_brief", "body": "Our brief."}
    refused = client.post(url, {**data, "attachment": upload("brief.pdf", b"<html>" + PDF)})
    assert refused.status_code == 200
    assert "not a PDF" in refused.content.decode()
    assert refused.context["form"]["body"].value() == "Our brief."
    client.post(url, {**data, "attachment": upload("Tsubasa secret brief.pdf", PDF)})
    response = Response.objects.get()
    assert response.attachment.name.startswith(f"responses/{opportunity.pk}/{firm.pk}/")
    assert "secret" not in response.attachment.name
    download = client.get(reverse("opportunities:response_attachment", args=[response.pk]))
    assert_served_as_attachment(
        download, filename=f"response-{response.pk}.pdf", stored_name=response.attachment.name
    )


@pytest.mark.django_db
def test_waiver_document_checked_stored_under_a_generated_name_and_downloaded(client, firm):
    from apps.waivers import services as waiver_services

    officer = MembershipFactory(organization=firm, is_export_control_officer=True).user
    waiver = waiver_services.waiver_create(
        actor=officer, firm=firm, data=request_data(firm, AgencyFactory())
    )
    client.force_login(officer)
    url = reverse("waivers:document_add", args=[waiver.pk])
    refused = client.post(url, {"kind": "technical", "file": upload("spec.docx", DOCM)})
    assert refused.status_code == 400
    assert not waiver.documents.exists()
    client.post(url, {"kind": "technical", "file": upload("Technical spec.docx", DOCX)})
    document = WaiverDocument.objects.get()
    assert document.file.name.startswith(f"waivers/{waiver.pk}/")
    assert "Technical" not in document.file.name and document.file.name.endswith(".docx")
    assert document.original_name == "Technical spec.docx"
    response = client.get(reverse("waivers:document", args=[document.pk]))
    assert_served_as_attachment(
        response, filename="Technical spec.docx", stored_name=document.file.name
    )


def test_media_files_have_no_public_url_route():
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve(f"{settings.MEDIA_URL}capabilities/1/brochures/x.pdf")
