"""A firm member signs up (with the keyboard alone), verifies the address by the e-mailed
link, sets up the firm in the three-step wizard, and adds and publishes a capability."""

import pytest
from playwright.sync_api import expect

from apps.capabilities.models import Capability
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea
from tests.e2e.helpers import Keyboard, link_in, mail_part, tr

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "a-long-and-unusual-passphrase"

FIRM = {
    "en": {
        "email": "hanako@hayabusa-robotics.example",
        "name": "Hanako Sato",
        "firm_en": "Hayabusa Robotics K.K.",
        "firm_ja": "",
        "kana": "ハヤブサロボティクス",
        "city": "Yokohama",
        "pitch": "We guide swarms of small drones where GPS is denied.",
        "title": "Drone swarm control without GPS",
        "summary": "Visual-inertial navigation that keeps twenty drones in formation indoors.",
        "civil": "Inspection of bridges and tunnels.",
    },
    "ja": {
        "email": "taro@hayabusa-robotics.example",
        "name": "山田 太郎",
        "firm_en": "",
        "firm_ja": "はやぶさロボティクス株式会社",
        "kana": "ハヤブサロボティクス",
        "city": "横浜市",
        "pitch": "GPSが使えない現場で小型ドローンの群れを誘導します。",
        "title": "GPSを使わないドローン群制御",
        "summary": "屋内でも二十機のドローンを編隊のまま飛ばす視覚慣性航法です。",
        "civil": "橋梁とトンネルの点検。",
    },
}


def test_a_firm_member_signs_up_onboards_and_publishes_a_capability(
    anonymous, site, smtp_settings, journey, lang
):
    data = FIRM[lang]
    page = anonymous(locale="en-US")
    page.goto(site + "/")
    journey.step(page, "home", lang="en")
    if lang == "ja":
        page.get_by_role("button", name="日本語").click()
        expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.get_by_role("navigation", name=tr(lang, "Main")).get_by_role(
        "link", name=tr(lang, "Sign up")
    ).click()
    journey.step(page, "sign-up form")

    # The whole form with the keyboard alone.
    keys = Keyboard(page)
    keys.type_into(page.locator("[name=email]"), data["email"])
    keys.type_into(page.locator("[name=display_name]"), data["name"])
    keys.type_into(page.locator("[name=password1]"), PASSWORD)
    keys.type_into(page.locator("[name=password2]"), PASSWORD)
    keys.check(page.locator("[name=accept_terms]"))
    keys.press(page.locator("form button[type=submit]").last)
    expect(page).to_have_url(site + "/accounts/confirm-email/")
    journey.step(page, "verification sent")

    # The verification e-mail, in the reader's language, links back to the portal.
    message = smtp_settings.messages[-1]
    assert message["To"] == data["email"]
    link = link_in(mail_part(message, "text/plain"), "/accounts/confirm-email/")
    assert link.startswith(site)
    page.goto(link)
    journey.step(page, "confirm address")
    page.locator("main form button[type=submit]").click()

    # Signed in, on the dashboard, which leads to the wizard.
    expect(page.get_by_role("heading", level=1)).to_contain_text(data["name"])
    journey.step(page, "dashboard before onboarding")
    page.locator("main a[href='/onboarding/']").first.click()

    journey.step(page, "wizard step 1")
    page.fill("[name=corporate_number]", "１１８０３０１０１８７７１")  # full-width digits
    page.fill("[name=name_en]", data["firm_en"])
    page.fill("[name=name_ja]", data["firm_ja"])
    page.fill("[name=name_kana]", data["kana"])
    page.fill("[name=email_domain]", "hayabusa-robotics.example")
    page.get_by_role("button", name=tr(lang, "Save and continue")).click()

    firm = Organization.objects.get(corporate_number="1180301018771")
    expect(page).to_have_url(f"{site}/onboarding/{firm.pk}/details/")
    journey.step(page, "wizard step 2")
    page.select_option("[name=prefecture]", "14")
    page.fill("[name=city]", data["city"])
    page.select_option("[name=employees_band]", "10-49")
    page.fill("[name=founded_year]", "2015")
    page.get_by_role("button", name=tr(lang, "Save and continue")).click()

    expect(page).to_have_url(f"{site}/onboarding/{firm.pk}/pitch/")
    journey.step(page, "wizard step 3")
    page.fill(f"[name=pitch_{lang}]", data["pitch"])
    page.get_by_role("button", name=tr(lang, "Save and continue")).click()

    expect(page).to_have_url(site + "/capabilities/mine/")
    journey.step(page, "your capabilities, none yet")
    page.get_by_role("link", name=tr(lang, "Add a capability")).click()

    journey.step(page, "capability form")
    page.fill(f"[name=title_{lang}]", data["title"])
    page.fill(f"[name=summary_{lang}]", data["summary"])
    drones = TechnologyArea.objects.get(slug="unmanned-aerial-systems")
    page.check(f"[name=areas][value='{drones.pk}']")
    page.select_option("[name=trl]", "6")
    page.fill("[name=keywords]", "drone, swarm, ドローン")
    page.check("[name=is_dual_use]")
    page.fill(f"[name=civil_application_{lang}]", data["civil"])
    page.check("[name=export_control_status][value=unknown]")
    page.check("[name=visibility][value=public]")
    page.get_by_role("button", name=tr(lang, "Save draft and preview")).click()

    capability = Capability.objects.get(organization=firm)
    expect(page).to_have_url(f"{site}/capabilities/{capability.pk}/")
    expect(page.locator(".preview-banner")).to_contain_text(tr(lang, "Preview"))
    journey.step(page, "capability preview")
    page.get_by_role("button", name=tr(lang, "Publish")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(data["title"])
    expect(page.locator(".badge-verified")).to_have_text(tr(lang, "Published"))
    journey.step(page, "capability published")

    # The public directory lists it, for anyone.
    visitor = anonymous()
    visitor.goto(site + "/capabilities/?q=" + data["title"].split()[0])
    expect(visitor.get_by_role("link", name=data["title"])).to_be_visible()
    journey.step(visitor, "directory, as a visitor")
    capability.refresh_from_db()
    assert capability.status == Capability.Status.PUBLISHED
