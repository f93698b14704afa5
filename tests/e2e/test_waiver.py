"""The export-control story: the firm's officer files a request from the response whose
attachment the agency cannot open yet; a reviewer signs in to the admin with an
authenticator code, declares no conflict, assigns the request and asks for information;
the officer answers; the reviewer approves with conditions and a second reviewer
confirms; the officer acknowledges the conditions; the agency opens the attachment."""

import gettext
from datetime import timedelta
from pathlib import Path

import django.contrib.admin
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from playwright.sync_api import expect

from apps.opportunities import services as opportunity_services
from apps.waivers import workflow
from apps.waivers.models import WaiverRequest, tokyo_today
from tests.e2e.helpers import PDF, exactly, pdf_file, totp_code, tr, trp
from tests.e2e.people import agency_staff, regulator, reviewer, space_firm
from tests.factories import PASSWORD
from tests.opportunities.factories import OpportunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
S = WaiverRequest.Status

TEXTS = {
    "en": {
        "technology": "Design data of the X-band SAR payload: antenna layout and timing.",
        "end_use": "Evaluation of the payload prototype by the program office only.",
        "answer": "The end-use statement signed by the program office is attached.",
    },
    "ja": {
        "technology": "XバンドSARペイロードの設計データ(アンテナ配置とタイミング)。",
        "end_use": "プログラム室による試作品の評価のみ。",
        "answer": "プログラム室の署名入り最終用途証明書を添付しました。",
    },
}


def django_admin_wording(lang: str, text: str) -> str:
    """`text` as Django's admin itself translates it."""
    locale = Path(django.contrib.admin.__file__).parent / "locale"
    return gettext.translation("django", locale, languages=[lang], fallback=True).gettext(text)


def action_label(lang: str, action: str) -> str:
    with translation.override(lang):
        return str(workflow.ACTION_LABELS[action])


def sign_in_to_admin(page, site, user, secret, journey=None):
    """The admin's own door: e-mail and password, then the authenticator's code."""
    page.goto(site + "/admin/")
    expect(page.locator("[name=login]")).to_be_visible()
    if journey:
        journey.step(page, "admin sign-in")
    page.fill("[name=login]", user.email)
    page.fill("[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("[name=code]")).to_be_visible()
    if journey:
        journey.step(page, "authenticator code")
    page.fill("[name=code]", totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(site + "/admin/")


def act(page, lang, action, journey, label=None, **fields):
    """Presses an action's button on the request's admin page and fills its form (a form
    already seen in this journey is not checked and saved again)."""
    page.get_by_role("link", name=exactly(action_label(lang, action))).click()
    if label:
        journey.step(page, label)
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    page.locator("#content-main form input[type=submit]").click()
    expect(page.locator(".messagelist")).to_be_visible()


def test_a_waiver_is_filed_reviewed_with_mfa_approved_and_opens_the_attachment(
    as_user, anonymous, site, journey, lang
):
    texts = TEXTS[lang]
    agency, agency_user = agency_staff(lang)
    TOTP.activate(agency_user, generate_totp_secret())  # controlled material needs MFA
    firm, officer = space_firm(lang, role="officer", officer=True)
    opportunity = OpportunityFactory(
        organization=agency,
        reference_number="SSPO-26-SAR-03",
        title_en="SAR payload flight demonstration",
        title_ja="SARペイロードの軌道上実証",
        areas=["satellites"],
        export_authorization_required=True,
    )
    response = opportunity_services.response_submit(
        opportunity=opportunity,
        actor=officer,
        firm=firm,
        kind="solution_brief",
        body="Our payload design, with the controlled design data attached.",
        attachment=SimpleUploadedFile("payload-design.pdf", PDF, "application/pdf"),
        attachment_is_controlled=True,
    )
    office = regulator()
    first, first_secret = reviewer(lang, office)
    second, second_secret = reviewer(lang, office, role="second_reviewer")

    # The agency sees the attachment held.
    desk = as_user(agency_user)
    desk.goto(site + response.get_absolute_url())
    expect(desk.locator("main")).to_contain_text(tr(lang, "Held pending export authorization"))
    journey.step(desk, "agency sees the attachment held")

    # The officer files the request from the response.
    firm_page = as_user(officer)
    firm_page.goto(site + response.get_absolute_url())
    firm_page.get_by_role("link", name=tr(lang, "File an export-control request")).click()
    journey.step(firm_page, "request form")
    capability = firm.capabilities.get()
    firm_page.select_option("[name=capability]", str(capability.pk))
    firm_page.fill("[name=technology]", texts["technology"])
    firm_page.check("[name=classification][value=listed]")
    firm_page.fill("[name=control_list_item]", "2(12)")
    firm_page.select_option("[name=receiving_agency]", str(agency.pk))
    firm_page.fill("[name=consignee]", "Space Systems Program Office")
    firm_page.fill("[name=end_user]", "US Space Force")
    firm_page.fill("[name=end_use]", texts["end_use"])
    firm_page.check("[name=authorization_kind][value=individual]")
    firm_page.fill("[name=validity_months]", "12")
    firm_page.get_by_role("button", name=tr(lang, "Save the draft")).click()

    waiver = WaiverRequest.objects.get(firm=firm)
    expect(firm_page).to_have_url(f"{site}{waiver.get_absolute_url()}#documents")
    journey.step(firm_page, "draft request")
    firm_page.select_option("form.document-form [name=kind]", "technical")
    firm_page.set_input_files(
        "form.document-form [name=file]", pdf_file("technical-description.pdf")
    )
    firm_page.locator("form.document-form button[type=submit]").click()
    expect(firm_page.get_by_role("link", name="technical-description.pdf")).to_be_visible()
    firm_page.get_by_role("button", name=exactly(action_label(lang, "submit"))).click()
    expect(firm_page.locator(".tags")).to_contain_text(trp(lang, "waiver status", "Submitted"))
    journey.step(firm_page, "request submitted")

    # The reviewer signs in with the authenticator, declares, assigns, asks for more.
    admin = anonymous()
    sign_in_to_admin(admin, site, first, first_secret, journey)
    journey.step(admin, "admin home")
    admin.goto(site + "/admin/waivers/waiverrequest/")
    journey.step(admin, "reviewer queue")
    admin.get_by_role("link", name=waiver.reference).click()
    journey.step(admin, "request in the admin")
    close_link = admin.locator(".submit-row a.closelink").first.inner_text().strip()
    admin.get_by_role("link", name=tr(lang, "Declare no conflict of interest")).click()
    journey.step(admin, "no-conflict declaration")
    admin.check("[name=confirm]")
    admin.locator("#content-main form input[type=submit]").click()
    expect(admin.locator(".waiver-actions")).to_be_visible()
    act(admin, lang, "assign", journey, "assign")
    act(
        admin,
        lang,
        "request_information",
        journey,
        "request information",
        comment="Attach the end-use statement signed by the program office.",
    )
    waiver.refresh_from_db()
    assert waiver.status == S.INFORMATION_REQUESTED

    # The officer answers, with the statement.
    firm_page.reload()
    expect(firm_page.locator(".next-step")).to_contain_text(
        "Attach the end-use statement signed by the program office."
    )
    journey.step(firm_page, "information requested")
    firm_page.fill("#answer [name=message]", texts["answer"])
    firm_page.select_option("#answer [name=kind]", "end_use")
    firm_page.set_input_files("#answer [name=file]", pdf_file("end-use-statement.pdf"))
    firm_page.locator("#answer button[type=submit]").click()
    expect(firm_page.get_by_role("link", name="end-use-statement.pdf")).to_be_visible()
    journey.step(firm_page, "answered and resubmitted")
    waiver.refresh_from_db()
    assert waiver.status == S.RESUBMITTED

    # The reviewer approves with conditions.
    admin.reload()
    act(admin, lang, "assign", journey)
    expires = tokyo_today() + timedelta(days=365)
    act(
        admin,
        lang,
        "approve",
        journey,
        "approve with conditions",
        comment="End use verified with the program office.",
        permit_number="METI-2026-0815",
        permit_date=tokyo_today().isoformat(),
        expires_on=expires.isoformat(),
        conditions="No re-export; share only with the named program office.",
    )
    waiver.refresh_from_db()
    assert waiver.status == S.AWAITING_CONFIRMATION

    # A second reviewer, signed in with their own authenticator, confirms.
    admin2 = anonymous()
    sign_in_to_admin(admin2, site, second, second_secret)
    admin2.goto(site + f"/admin/waivers/waiverrequest/{waiver.pk}/change/")
    admin2.get_by_role("link", name=tr(lang, "Declare no conflict of interest")).click()
    admin2.check("[name=confirm]")
    admin2.locator("#content-main form input[type=submit]").click()
    act(admin2, lang, "confirm", journey, "confirm the approval", comment="Agreed.")
    waiver.refresh_from_db()
    assert waiver.status == S.APPROVED

    # The reviewers' dashboard counts the decision.
    admin2.goto(site + "/insights/review/")
    decisions = admin2.locator("#chart-decisions-by-classification")
    expect(decisions.locator("svg")).to_be_visible()
    journey.step(admin2, "review dashboard")

    # Until the officer acknowledges the conditions, the agency still cannot open it.
    desk.reload()
    expect(desk.locator("main")).to_contain_text(tr(lang, "Held pending export authorization"))
    firm_page.reload()
    expect(firm_page.locator(".next-step")).to_contain_text("No re-export")
    journey.step(firm_page, "conditions to acknowledge")
    firm_page.get_by_role("button", name=tr(lang, "We acknowledge these conditions")).click()
    expect(firm_page.locator(".messages")).to_be_visible()
    journey.step(firm_page, "authorization in effect")
    waiver.refresh_from_db()
    assert waiver.is_in_effect

    # The agency opens the attachment.
    desk.reload()
    journey.step(desk, "agency can open the attachment")
    with desk.expect_download() as download:
        desk.get_by_role("link", name=tr(lang, "Download the attachment (PDF)")).click()
    with open(download.value.path(), "rb") as handle:
        assert handle.read().startswith(b"%PDF")

    # The admin's own wording is not replaced by a portal string of the same English text
    # (the opportunity's "Close" button once read 受付を終了する in the admin too).
    assert close_link == django_admin_wording(lang, "Close")
