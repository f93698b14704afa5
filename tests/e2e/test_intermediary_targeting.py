"""An intermediary targets a published opportunity at a technology-area slice of firms; a
firm in that slice sees it as targeted at it, and a firm outside the slice does not."""

import pytest
from playwright.sync_api import expect

from apps.opportunities.models import Target
from apps.taxonomy.models import TechnologyArea
from tests.capabilities.factories import CapabilityFactory
from tests.e2e.helpers import exactly, shown, tr
from tests.e2e.people import agency_staff, intermediary_staff, person, space_firm
from tests.factories import MembershipFactory, OrganizationFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOTE = {
    "en": ("Flight-proven SAR teams should look at this one.", ""),
    "ja": ("", "軌道実証済みのSARチームに特におすすめです。"),
}


def test_an_intermediary_targets_an_area_and_firms_in_it_see_the_opportunity_targeted(
    as_user, site, journey, lang
):
    agency, _ = agency_staff(lang)
    _, partner = intermediary_staff(lang)
    _, member = space_firm(lang)
    hypersonics_firm = OrganizationFactory(
        name_en="Hayate Thermal Materials K.K.",
        name_ja="はやてサーマルマテリアル株式会社",
        corporate_number="3010001088782",
    )
    CapabilityFactory(
        organization=hypersonics_firm,
        title_en="Ceramic tiles for hypersonic leading edges",
        title_ja="極超音速機前縁用セラミックタイル",
        areas=["hypersonics"],
    )
    outsider = person("firm", lang, email="aoi@hayate-thermal.example", time_zone="Asia/Tokyo")
    MembershipFactory(organization=hypersonics_firm, user=outsider)
    opportunity = OpportunityFactory(
        organization=agency,
        reference_number="SSPO-26-SPACE-09",
        title_en="Space domain awareness sensors",
        title_ja="宇宙状況把握センサー",
        summary_en="Sensors to track objects in low Earth orbit.",
        summary_ja="低軌道の物体を追跡するセンサー。",
        areas=["space-technologies"],
    )
    satellites = TechnologyArea.objects.get(slug="satellites")
    title = shown(opportunity, "title", lang)

    # The intermediary finds the opportunity in the public list and targets a slice.
    desk = as_user(partner)
    desk.goto(site + "/opportunities/")
    journey.step(desk, "opportunities list")
    desk.get_by_role("link", name=title).click()
    journey.step(desk, "opportunity as the intermediary sees it")
    desk.get_by_role("link", name=tr(lang, "Target firms in your network")).click()
    journey.step(desk, "targeting form")
    desk.check(f"[name=areas][value='{satellites.pk}']")
    note_en, note_ja = NOTE[lang]
    desk.fill("[name=note_en]", note_en)
    desk.fill("[name=note_ja]", note_ja)
    desk.get_by_role("button", name=exactly(tr(lang, "Target"))).click()
    expect(desk.locator(".messages")).to_be_visible()
    row = desk.locator("table tbody tr").first
    expect(row).to_contain_text(shown(satellites, "name", lang))
    journey.step(desk, "targeting so far")
    target = Target.objects.get(opportunity=opportunity)
    assert target.area == satellites and target.firm is None

    # A firm in the slice sees it targeted, on its dashboard and on the opportunity.
    office = as_user(member)
    office.goto(site + "/dashboard/")
    targeted = office.locator(".targeted")
    expect(targeted.get_by_role("link", name=title)).to_be_visible()
    journey.step(office, "firm in the slice, dashboard")
    targeted.get_by_role("link", name=title).click()
    expect(office.locator(".badge-target")).to_have_text(tr(lang, "Targeted at you"))
    journey.step(office, "firm in the slice, opportunity")

    # A firm outside it sees the opportunity, but not as targeted at it.
    other = as_user(outsider)
    other.goto(site + "/dashboard/")
    expect(other.get_by_role("heading", level=1)).to_be_visible()
    expect(other.locator(".targeted").get_by_role("link", name=title)).to_have_count(0)
    other.goto(site + opportunity.get_absolute_url())
    expect(other.get_by_role("heading", level=1)).to_have_text(title)
    expect(other.locator(".badge-target")).to_have_count(0)
    journey.step(other, "firm outside the slice, opportunity")
