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


def test_an_agency_posts_and_a_tokyo_firm_finds_follows_and_is_invited_to_pitch(client):
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from apps.opportunities.models import Opportunity, Response
    from tests.factories import OrganizationFactory

    agency = AgencyFactory(name_en="Space Systems Demo Office", time_zone="America/New_York")
    agency_user = MembershipFactory(organization=agency, role="owner").user
    firm = OrganizationFactory(prefecture="13")
    firm_user = MembershipFactory(organization=firm).user
    firm_user.time_zone = "Asia/Tokyo"
    firm_user.save()

    # The agency posts an opportunity in space technologies, with a PDF, and publishes it.
    client.force_login(agency_user)
    deadline = timezone.now() + timedelta(days=21)
    client.post(
        reverse("opportunities:create"),
        {
            "reference_number": "SSDO-26-1",
            "title_en": "Optical inter-satellite links",
            "summary_en": "Laser terminals for small satellites.",
            "vehicle": "ota_prototype",
            "areas": [TechnologyArea.objects.get(slug="satellites").pk],
            "trl_min": "4",
            "trl_max": "7",
            "currency": "USD",
            "response_deadline": timezone.localtime(
                deadline, timezone.get_fixed_timezone(-300)
            ).strftime("%Y-%m-%dT%H:%M"),
            "foreign_participation": "with_authorization",
        },
    )
    opportunity = Opportunity.objects.get()
    client.post(
        reverse("opportunities:attachment_add", args=[opportunity.pk]),
        {
            "title": "Statement of need",
            "file": SimpleUploadedFile("need.pdf", b"%PDF-1.7\n%%EOF\n"),
        },
    )
    client.post(reverse("opportunities:transition", args=[opportunity.pk]), {"to": "published"})

    # A firm in Tokyo finds it by filtering and sees the deadline in JST, with EST beside it.
    client.force_login(firm_user)
    found = client.get(reverse("opportunities:list"), {"area": "space-technologies", "trl": 5})
    assert [o.pk for o in found.context["page"].object_list] == [opportunity.pk]
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert "JST" in page and ("EST" in page or "EDT" in page)
    client.post(reverse("opportunities:follow", args=[opportunity.pk]))
    client.post(
        reverse("opportunities:respond", args=[opportunity.pk]),
        {"kind": "solution_brief", "body": "We fly 1 Gbit/s terminals.", "firm": firm.pk},
    )
    response = Response.objects.get()
    assert response.status == "received"

    # The agency invites it to pitch; the firm sees that.
    client.force_login(agency_user)
    client.post(
        reverse("opportunities:response_transition", args=[response.pk]),
        {"to": "invited", "message": "Please pitch on 10 December."},
    )
    client.force_login(firm_user)
    page = client.get(response.get_absolute_url()).content.decode()
    assert "Invited to pitch" in page
    assert "Please pitch on 10 December." in page

    # The same filter URL works in the feed, the calendar and the API.
    query = {"area": "space-technologies", "trl": 5}
    assert (
        "Optical inter-satellite links"
        in client.get(reverse("opportunities:feed"), query).content.decode()
    )
    assert (
        "Optical inter-satellite links"
        in client.get(reverse("opportunities:calendar"), query).content.decode()
    )
    api = client.get("/api/v1/opportunities/", query).json()
    assert [row["id"] for row in api["results"]] == [opportunity.pk]
