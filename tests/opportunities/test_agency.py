"""The agency dashboard and the matched firms of an opportunity."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.opportunities.models import Opportunity, Response
from tests.capabilities.factories import CapabilityFactory
from tests.factories import (
    AgencyFactory,
    IntermediaryFactory,
    MembershipFactory,
    OrganizationFactory,
)
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

DASHBOARD_URL = "/opportunities/agency/"


@pytest.fixture
def agency_staff(agency):
    return MembershipFactory(organization=agency).user


def respond(opportunity, status=Response.Status.RECEIVED, firm=None):
    firm = firm or OrganizationFactory()
    return Response.objects.create(
        opportunity=opportunity,
        organization=firm,
        body="We can build it.",
        status=status,
        submitted_by=MembershipFactory(organization=firm).user,
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# The agency dashboard


def test_the_dashboard_url_is_stable():
    assert reverse("opportunities:agency_dashboard") == DASHBOARD_URL


def test_agency_staff_see_their_opportunities_by_status(client, agency, agency_staff):
    draft = OpportunityFactory(
        organization=agency, title_en="Drafted idea", status=Opportunity.Status.DRAFT
    )
    published = OpportunityFactory(organization=agency, title_en="Open call")
    closed = OpportunityFactory(
        organization=agency, title_en="Closed call", status=Opportunity.Status.CLOSED
    )
    OpportunityFactory(title_en="Another agency's call")
    client.force_login(agency_staff)

    response = client.get(DASHBOARD_URL)

    assert response.status_code == 200
    groups = {g["status"]: g["opportunities"] for g in response.context["status_groups"]}
    assert groups["draft"] == [draft]
    assert groups["published"] == [published]
    assert groups["closed"] == [closed]
    assert groups["awarded"] == groups["cancelled"] == []
    content = response.content.decode()
    assert "Drafted idea" in content
    assert "Open call" in content
    assert "Another agency's call" not in content
    assert content.index("Drafted idea") < content.index("Closed call")
    assert reverse("matching:opportunity", args=[published.pk]) in content
    assert reverse("opportunities:target", args=[published.pk]) in content


def test_the_dashboard_shows_responses_awaiting_review(client, agency, agency_staff):
    opportunity = OpportunityFactory(organization=agency)
    waiting = respond(opportunity, firm=OrganizationFactory(name_en="Waiting Firm K.K."))
    respond(
        opportunity,
        status=Response.Status.UNDER_REVIEW,
        firm=OrganizationFactory(name_en="Reviewed Firm K.K."),
    )
    respond(OpportunityFactory(), firm=OrganizationFactory(name_en="Elsewhere K.K."))
    client.force_login(agency_staff)

    response = client.get(DASHBOARD_URL)

    assert response.context["awaiting_review"] == [waiting]
    content = response.content.decode()
    awaiting = content[content.index("Responses awaiting review") :]
    assert "Waiting Firm K.K." in awaiting
    assert reverse("opportunities:response", args=[waiting.pk]) in awaiting
    assert "Reviewed Firm K.K." not in content
    assert "Elsewhere K.K." not in content


def test_the_dashboard_shows_deadlines_this_week(client, agency, agency_staff):
    now = timezone.now()
    soon = OpportunityFactory(
        organization=agency, title_en="Closes soon", response_deadline=now + timedelta(days=3)
    )
    OpportunityFactory(
        organization=agency, title_en="Closes later", response_deadline=now + timedelta(days=10)
    )
    OpportunityFactory(
        organization=agency,
        title_en="Draft closing soon",
        status=Opportunity.Status.DRAFT,
        response_deadline=now + timedelta(days=2),
    )
    client.force_login(agency_staff)

    response = client.get(DASHBOARD_URL)

    assert response.context["due_this_week"] == [soon]
    content = response.content.decode()
    due = content[content.index("Deadlines this week") : content.index("Closes later")]
    assert "Closes soon" in due
    assert "left" in due  # the countdown of a deadline less than a week away


def test_an_agency_without_opportunities_sees_an_empty_state(client, agency_staff):
    client.force_login(agency_staff)
    content = client.get(DASHBOARD_URL).content.decode()

    assert "Your agency has no opportunities yet." in content
    assert "No response is waiting for review." in content


@pytest.mark.parametrize("opportunity_count", [2, 12])
def test_the_dashboard_query_count_does_not_grow_with_opportunities(
    client, agency, agency_staff, django_assert_max_num_queries, opportunity_count
):
    now = timezone.now()
    for index in range(opportunity_count):
        opportunity = OpportunityFactory(
            organization=agency,
            areas=["satellites", "machine-learning"],
            status=[Opportunity.Status.PUBLISHED, Opportunity.Status.DRAFT][index % 2],
            response_deadline=now + timedelta(days=2 + index),
        )
        respond(opportunity)
    client.force_login(agency_staff)

    # 10, and one for the navigation's "Insights" entry, which the cache then keeps.
    with django_assert_max_num_queries(11):
        response = client.get(DASHBOARD_URL)

    assert response.status_code == 200
    assert response.context["opportunity_count"] == opportunity_count


def test_the_dashboard_query_count_is_the_same_for_2_and_12_opportunities(
    client, agency, agency_staff
):
    client.force_login(agency_staff)
    for _index in range(2):
        respond(OpportunityFactory(organization=agency))
    cache.clear()  # each fetch as the first: the navigation's cached entry costs the same
    few = count_queries(client, DASHBOARD_URL)
    for _index in range(10):
        respond(OpportunityFactory(organization=agency, areas=["hypersonics", "edge-ai"]))

    cache.clear()
    assert count_queries(client, DASHBOARD_URL) == few


def test_unverified_agency_staff_are_told_their_agency_awaits_verification(client):
    agency = AgencyFactory(name_en="Pending Office", verification_status="pending")
    client.force_login(MembershipFactory(organization=agency).user)

    response = client.get(DASHBOARD_URL)

    assert response.status_code == 403
    assert "Pending Office is awaiting verification" in response.content.decode()


def test_firm_members_may_not_use_the_agency_dashboard(client, firm_member):
    client.force_login(firm_member)

    response = client.get(DASHBOARD_URL)

    assert response.status_code == 403
    assert "This dashboard is for the staff of verified US agencies" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(DASHBOARD_URL)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# Matched firms


@pytest.fixture
def opportunity(agency):
    return OpportunityFactory(
        organization=agency,
        areas=["space-technologies", "artificial-intelligence"],
        trl_min=5,
        trl_max=7,
    )


@pytest.fixture
def ranked_firms(db):
    strong = OrganizationFactory(name_en="Zenith Space K.K.")  # sorts last by name
    strong_capability = CapabilityFactory(
        organization=strong,
        title_en="Onboard image AI",
        areas=["satellites", "machine-learning"],
        trl=6,
    )
    weak = OrganizationFactory(name_en="Alpha Rockets K.K.")
    weak_capability = CapabilityFactory(
        organization=weak, title_en="Paper launcher", areas=["space-launch"], trl=2
    )
    unrelated = OrganizationFactory(name_en="Bio Labs K.K.")
    CapabilityFactory(organization=unrelated, areas=["biotechnologies"], trl=6)
    draft_only = OrganizationFactory(name_en="Drafty K.K.")
    CapabilityFactory(organization=draft_only, areas=["satellites"], status="draft")
    return {
        "strong": strong,
        "strong_capability": strong_capability,
        "weak": weak,
        "weak_capability": weak_capability,
    }


def _other_agency_staff():
    return MembershipFactory(organization=AgencyFactory()).user


def _intermediary_staff():
    return MembershipFactory(organization=IntermediaryFactory()).user


def _firm_member():
    return MembershipFactory(organization=OrganizationFactory()).user


def add_matching_firms(count: int) -> None:
    for index in range(count):
        firm = OrganizationFactory()
        CapabilityFactory(organization=firm, areas=["satellites", "computer-vision"], trl=6)
        CapabilityFactory(organization=firm, areas=["space-launch"], trl=3 + index % 5)


# The compact panel on the opportunity page
