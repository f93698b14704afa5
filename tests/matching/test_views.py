"""The matched-firms page of an opportunity and the "Recommended for you" panel."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from tests.capabilities.factories import CapabilityFactory
from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.matching.urls")]

# The snippet the firm dashboard includes.
PANEL = (
    "{% load matching_tags %}{% recommended_for user as recommended %}"
    '{% include "matching/includes/recommended.html" %}'
)


def matches_url(opportunity) -> str:
    return reverse("matching:opportunity", args=[opportunity.pk])


def render_panel(user) -> str:
    request = RequestFactory().get("/dashboard/")
    request.user = user
    return Template(PANEL).render(Context({"user": user, "request": request}))


@pytest.fixture
def agency_staff(agency):
    return MembershipFactory(organization=agency).user


@pytest.fixture
def opportunity(agency):
    return OpportunityFactory(
        organization=agency,
        areas=["space-technologies"],
        trl_min=5,
        trl_max=7,
        title_en="Responsive SAR constellation",
    )


@pytest.fixture
def satellite_firm(db):
    firm = OrganizationFactory(name_en="Orbit Works K.K.")
    CapabilityFactory(
        organization=firm, areas=["satellites"], trl=6, keywords="SAR", title_en="SAR bus"
    )
    return firm


# The matched-firms page -----------------------------------------------------------------


def test_the_owning_agency_sees_matched_firms_with_reasons(
    client, agency_staff, opportunity, satellite_firm
):
    OrganizationFactory(name_en="Unrelated Bio K.K.")
    client.force_login(agency_staff)

    response = client.get(matches_url(opportunity))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Orbit Works K.K." in page
    assert reverse("capabilities:firm", args=[satellite_firm.pk]) in page
    assert "Space Technologies › Satellites" in page
    assert "TRL 6 within 5–7" in page
    assert "keywords: SAR" in page
    assert "SAR bus" in page
    assert "Unrelated Bio K.K." not in page
    assert [row.firm for row in response.context["rows"]] == [satellite_firm]


def test_the_owning_agency_sees_matches_of_its_draft(client, agency, agency_staff, satellite_firm):
    draft = OpportunityFactory(organization=agency, areas=["satellites"], status="draft")
    client.force_login(agency_staff)
    response = client.get(matches_url(draft))
    assert response.status_code == 200
    assert "Orbit Works K.K." in response.content.decode()


def test_an_opportunity_without_matches_shows_the_empty_state(client, agency_staff, opportunity):
    client.force_login(agency_staff)
    response = client.get(matches_url(opportunity))
    assert response.status_code == 200
    assert "No firm has a published capability" in response.content.decode()


def test_another_agency_is_refused_a_published_opportunitys_matches(client, opportunity):
    client.force_login(MembershipFactory(organization=AgencyFactory()).user)
    assert client.get(matches_url(opportunity)).status_code == 403


def test_another_agency_does_not_find_a_draft(client, agency):
    draft = OpportunityFactory(organization=agency, status="draft")
    client.force_login(MembershipFactory(organization=AgencyFactory()).user)
    assert client.get(matches_url(draft)).status_code == 404


def test_an_unverified_member_of_the_agency_is_refused(client, opportunity):
    opportunity.organization.verification_status = "pending"
    opportunity.organization.save(update_fields=["verification_status"])
    client.force_login(MembershipFactory(organization=opportunity.organization).user)
    assert client.get(matches_url(opportunity)).status_code == 403


def test_a_firm_member_is_refused(client, opportunity, satellite_firm):
    client.force_login(MembershipFactory(organization=satellite_firm).user)
    assert client.get(matches_url(opportunity)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, opportunity):
    response = client.get(matches_url(opportunity))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_page_does_not_query_per_firm(client, agency_staff, opportunity):
    def queries() -> int:
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        # Each fetch as a first visit of the day: the navigation's entry and the matched
        # firms' view counters (counted once a day per viewer) are kept in the cache.
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(matches_url(opportunity)).status_code == 200
        return len(captured)

    client.force_login(agency_staff)
    CapabilityFactory(organization=OrganizationFactory(), areas=["satellites"])
    few = queries()
    for _ in range(10):
        CapabilityFactory(organization=OrganizationFactory(), areas=["small-satellites"])
    assert queries() == few


# The "Recommended for you" panel --------------------------------------------------------


def test_the_panel_shows_recommendations_with_their_reasons(opportunity, satellite_firm):
    user = MembershipFactory(organization=satellite_firm).user
    with translation.override("en"):
        html = render_panel(user)
    assert "Recommended for you" in html
    assert opportunity.get_absolute_url() in html
    assert "Responsive SAR constellation" in html
    assert "Space Technologies › Satellites; TRL 6 within 5–7; keywords: SAR" in html
    assert "score 17" in html
    assert "<time" in html  # the deadline, in the viewer's zone


def test_the_panel_follows_the_viewers_language(opportunity, satellite_firm):
    user = MembershipFactory(organization=satellite_firm).user
    with translation.override("ja"):
        html = render_panel(user)
    assert "宇宙技術 › 人工衛星" in html
    assert "5〜7の範囲内" in html  # an msgid shared with the opportunities app, translated


def test_the_panel_suggests_publishing_capabilities_when_nothing_matches(db):
    firm = OrganizationFactory(name_en="Quiet K.K.")
    CapabilityFactory(organization=firm, areas=["satellites"], status="draft")
    user = MembershipFactory(organization=firm).user
    html = render_panel(user)
    assert "Nothing to recommend to Quiet K.K. right now." in html
    assert reverse("capabilities:mine") in html


def test_the_panel_is_empty_for_users_without_a_firm(db):
    assert render_panel(UserFactory()).strip() == ""
    assert render_panel(MembershipFactory(organization=AgencyFactory()).user).strip() == ""


def test_the_panel_is_empty_for_anonymous_visitors(db):
    from django.contrib.auth.models import AnonymousUser

    assert render_panel(AnonymousUser()).strip() == ""


def test_the_opportunity_page_shows_its_agency_the_best_matched_firms_with_reasons(client):
    from tests.capabilities.factories import CapabilityFactory
    from tests.factories import MembershipFactory, OrganizationFactory
    from tests.opportunities.factories import OpportunityFactory

    opportunity = OpportunityFactory(areas=["satellites"], trl_min=5, trl_max=7)
    firm = OrganizationFactory(name_en="Orbital Optics K.K.")
    CapabilityFactory(organization=firm, areas=["satellites"], trl=6)
    staff = MembershipFactory(organization=opportunity.organization).user
    client.force_login(staff)
    content = client.get(opportunity.get_absolute_url()).content.decode()
    assert "Orbital Optics K.K." in content
    assert "TRL 6 within 5–7" in content
    client.force_login(MembershipFactory(organization=firm).user)
    assert (
        "Orbital Optics K.K."
        not in client.get(opportunity.get_absolute_url()).content.decode().split("Matched firms")[0]
        or "matched-firms" not in client.get(opportunity.get_absolute_url()).content.decode()
    )
