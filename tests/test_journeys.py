"""Whole journeys through the portal with Django's test client (the browser versions live
in tests/e2e). Each crosses several apps the way a user does."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.capabilities.models import Capability
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_firm_member_onboards_in_japanese_and_an_agency_finds_the_capability(client):
    # Sign up in Japanese, verify by the e-mailed link.
    client.cookies["django_language"] = "ja"
    client.post(
        reverse("account_signup"),
        {
            "email": "taro@hayabusa.example",
            "display_name": "山田 太郎",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "accept_terms": "on",
        },
    )
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(
        1
    )
    client.post(link)

    # The dashboard, in Japanese, leads to the wizard.
    dashboard = client.get(reverse("organizations:dashboard")).content.decode()
    assert '<html lang="ja">' in dashboard
    assert reverse("organizations:onboarding") in dashboard

    client.post(
        reverse("organizations:onboarding"),
        {
            "corporate_number": "１１８０３０１０１８７７１",
            "name_en": "",
            "name_ja": "はやぶさロボティクス株式会社",
            "name_kana": "ハヤブサロボティクス",
            "email_domain": "hayabusa.example",
        },
    )
    firm = Organization.objects.get()
    client.post(
        reverse("organizations:onboarding_details", args=[firm.pk]),
        {"prefecture": "14", "city": "横浜市", "employees_band": "10-49", "founded_year": "2015"},
    )
    response = client.post(
        reverse("organizations:onboarding_pitch", args=[firm.pk]),
        {"pitch_ja": "GPSが使えない現場で小型ドローンの群れを誘導します。"},
    )
    assert response.url == reverse("capabilities:mine")

    # Two capabilities, one published.
    swarm = TechnologyArea.objects.get(slug="unmanned-systems")
    for title in ("ドローン群制御", "屋内自律飛行"):
        client.post(
            f"{reverse('capabilities:create')}?firm={firm.pk}",
            {
                "title_ja": title,
                "summary_ja": f"{title}の技術です。",
                "areas": [swarm.pk],
                "trl": "6",
                "is_dual_use": "on",
                "civil_application_ja": "インフラ点検",
                "export_control_status": "unknown",
                "keywords": "ドローン, swarm",
                "visibility": "agencies",
            },
        )
    assert Capability.objects.filter(organization=firm).count() == 2
    first = Capability.objects.get(title_ja="ドローン群制御")
    client.post(reverse("capabilities:publish", args=[first.pk]))

    # An agency user finds it by area and by a keyword; the draft stays hidden.
    client.logout()
    client.cookies["django_language"] = "en"
    agency_user = MembershipFactory(organization=AgencyFactory()).user
    client.force_login(agency_user)
    by_area = client.get(reverse("capabilities:directory"), {"area": "autonomous-systems"})
    assert [c.pk for c in by_area.context["page"].object_list] == [first.pk]
    by_keyword = client.get(reverse("capabilities:directory"), {"q": "群制御"})
    assert [c.pk for c in by_keyword.context["page"].object_list] == [first.pk]
    page = client.get(first.get_absolute_url()).content.decode()
    assert "ドローン群制御" in page
    assert "(available in Japanese only)" in page
