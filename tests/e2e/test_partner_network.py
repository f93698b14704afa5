"""An intermediary imports its partners from a spreadsheet with a few bad rows, targets an
opportunity at its network with a note, and watches the reach fill in on its dashboard as
a partner firm opens the e-mail's link, follows and responds."""

import re

import pytest
from django.utils import translation
from django.utils.translation import ngettext
from playwright.sync_api import expect

from apps.organizations.models import Partnership
from tests.e2e.helpers import exactly, link_in, mail_part, shown, tr
from tests.e2e.people import agency_staff, intermediary_staff, space_firm
from tests.factories import corporate_number
from tests.opportunities.factories import OpportunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_FIRM = corporate_number(640001)


def partners_csv(on_portal_number: str) -> bytes:
    return (
        "会社名,メールアドレス,法人番号\n"
        f"つばさエアロスペース株式会社,ceo@tsubasa-aero.example,{on_portal_number}\n"
        f"株式会社クモフォトニクス,info@kumo-photonics.example,{NEW_FIRM}\n"
        "株式会社まちがい,info@machigai.example,1234567890123\n"
        ",noname@example.jp,\n"
    ).encode("cp932")  # as Japanese Excel saves "CSV"


def test_an_intermediary_imports_partners_targets_them_and_watches_the_reach(
    as_user, site, journey, lang, smtp_settings
):
    agency, _ = agency_staff(lang)
    intermediary, staff = intermediary_staff(lang)
    firm, member = space_firm(lang)
    opportunity = OpportunityFactory(
        organization=agency,
        reference_number="SSPO-26-SAR-11",
        title_en="Responsive SAR imaging",
        title_ja="即応型SAR観測",
        areas=["space-technologies"],
    )
    title = shown(opportunity, "title", lang)

    # The network, empty, then the import through its preview.
    desk = as_user(staff)
    desk.goto(site + "/dashboard/")
    desk.get_by_role("link", name=tr(lang, "Partner network")).first.click()
    expect(desk.locator(".empty")).to_be_visible()
    journey.step(desk, "empty network")
    desk.get_by_role("link", name=tr(lang, "Import partners from a CSV file")).click()
    desk.set_input_files(
        "[name=file]",
        {
            "name": "partners.csv",
            "mimeType": "text/csv",
            "buffer": partners_csv(firm.corporate_number),
        },
    )
    desk.get_by_role("button", name=tr(lang, "Check the file")).click()
    expect(desk).to_have_url(re.compile(r"/organizations/network/imports/\d+/$"))
    rows = desk.locator("main table tbody tr")
    expect(rows).to_have_count(4)
    expect(desk.locator(".row-error")).to_have_count(2)
    expect(desk.locator("main")).to_contain_text("株式会社まちがい")
    journey.step(desk, "import preview with two bad rows")
    assert not Partnership.objects.exists()  # nothing until confirmed
    with translation.override(lang):
        import_two = ngettext("Import %(count)s firm", "Import %(count)s firms", 2) % {"count": 2}
    desk.get_by_role("button", name=exactly(import_two)).click()
    expect(desk.locator(".messages")).to_be_visible()
    expect(desk.locator("main table tbody tr")).to_have_count(2)
    journey.step(desk, "network after the import")
    assert {p.corporate_number: p.firm for p in Partnership.objects.all()} == {
        firm.corporate_number: firm,
        NEW_FIRM: None,
    }
    invited = [m for m in smtp_settings.messages if m["To"] == "info@kumo-photonics.example"]
    assert len(invited) == 1

    # The intermediary targets the opportunity at its whole network, with a note.
    desk.goto(site + opportunity.get_absolute_url())
    desk.get_by_role("link", name=tr(lang, "Target firms in your network")).click()
    desk.check("[name=network]")
    desk.fill(f"[name=note_{lang}]", "SAR" if lang == "en" else "SAR向けです。")
    journey.step(desk, "targeting the network")
    desk.get_by_role("button", name=exactly(tr(lang, "Target"))).click()
    expect(desk.locator(".messages")).to_be_visible()
    with translation.override(lang):
        summary = ngettext(
            "%(count)s partner firm of %(name)s", "%(count)s partner firms of %(name)s", 1
        ) % {"count": 1, "name": shown(intermediary, "name", lang)}
    expect(desk.locator("table tbody tr").first).to_contain_text(summary)

    # The partner firm's member gets the alert, opens the tracked link, follows, responds.
    alert = next(m for m in smtp_settings.messages if m["To"] == member.email)
    link = link_in(mail_part(alert, "text/plain"), "/notifications/open/")
    office = as_user(member)
    office.goto(link)
    expect(office).to_have_url(site + opportunity.get_absolute_url())
    expect(office.get_by_role("heading", level=1)).to_have_text(title)
    office.get_by_role("button", name=tr(lang, "Follow")).click()
    expect(office.get_by_role("button", name=tr(lang, "Following"))).to_be_visible()
    office.get_by_role("link", name=exactly(tr(lang, "Respond"))).click()
    office.check("[name=kind][value=interest]")
    office.fill("[name=body]", "Interested." if lang == "en" else "関心があります。")
    office.locator("main form.response-form button[type=submit]").click()
    expect(office).to_have_url(re.compile(r"/opportunities/responses/\d+/$"))

    # The funnel on the dashboard: one firm targeted, and it got all the way to responding.
    desk.goto(f"{site}/insights/intermediary/{intermediary.pk}/")
    funnel = desk.locator("#chart-reach")
    expect(funnel.locator("svg")).to_be_visible()
    funnel.locator("summary").click()
    for stage in ("Targeted", "Received an e-mail", "Opened it from the e-mail",
                  "Followed", "Responded"):  # fmt: skip
        expect(funnel.locator("tr", has_text=tr(lang, stage))).to_contain_text("1")
    journey.step(desk, "outreach dashboard")
