"""Targeting an opportunity at firms or technology areas, and what a firm then sees."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.opportunities import selectors, services
from apps.opportunities.models import Opportunity, Target
from apps.taxonomy.models import TechnologyArea
from tests.capabilities.factories import CapabilityFactory
from tests.factories import (
    AgencyFactory,
    IntermediaryFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def area(slug: str) -> TechnologyArea:
    return TechnologyArea.objects.get(slug=slug)


def target_url(opportunity) -> str:
    return reverse("opportunities:target", args=[opportunity.pk])


@pytest.fixture
def agency_staff(agency):
    return MembershipFactory(organization=agency, user__display_name="Dana Program").user


@pytest.fixture
def opportunity(agency):
    return OpportunityFactory(organization=agency, areas=["space-technologies"])


@pytest.fixture
def named_firm(db):
    firm = OrganizationFactory(name_en="Named Optics K.K.")
    CapabilityFactory(organization=firm, areas=["computer-vision"], trl=5)
    return firm


@pytest.fixture
def satellite_firm(db):
    """A firm reached through an area: its capability is in a sub-area of space."""
    firm = OrganizationFactory(name_en="Orbit Works K.K.")
    CapabilityFactory(organization=firm, areas=["satellites"], trl=6)
    return firm


@pytest.fixture
def unrelated_firm(db):
    firm = OrganizationFactory(name_en="Bio Labs K.K.")
    CapabilityFactory(organization=firm, areas=["biotechnologies"], trl=6)
    return firm


@pytest.fixture
def intermediary_staff(db):
    return MembershipFactory(organization=IntermediaryFactory(name_en="Bridge Council")).user


def test_agency_staff_targets_a_firm_and_an_area(
    client, agency, agency_staff, opportunity, named_firm, satellite_firm, unrelated_firm
):
    client.force_login(agency_staff)
    response = client.post(
        target_url(opportunity),
        {
            "on_behalf_of": agency.pk,
            "firms": [named_firm.pk],
            "areas": [area("space-technologies").pk],
            "note_en": "Your optics fit our payload.",
            "note_ja": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == target_url(opportunity)
    assert Target.objects.filter(opportunity=opportunity).count() == 2
    assert list(selectors.opportunities_targeted_at(named_firm)) == [opportunity]
    assert list(selectors.opportunities_targeted_at(satellite_firm)) == [opportunity]
    assert list(selectors.opportunities_targeted_at(unrelated_firm)) == []
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1 more firm." in message
    assert "1 more technology area." in message


def test_the_targeting_record_holds_who_when_and_on_behalf_of_whom(
    client, agency, agency_staff, opportunity, named_firm
):
    client.force_login(agency_staff)
    before = timezone.now()
    client.post(
        target_url(opportunity),
        {"on_behalf_of": agency.pk, "firms": [named_firm.pk], "note_ja": "御社の光学技術に期待"},
    )

    target = Target.objects.get(opportunity=opportunity)
    assert target.firm == named_firm
    assert target.area is None
    assert target.targeted_by == agency_staff
    assert target.targeted_by_organization == agency
    assert before <= target.created_at <= timezone.now()
    assert target.note_ja == "御社の光学技術に期待"


def test_the_page_lists_existing_targeting_below_the_form(
    client, agency, agency_staff, opportunity, named_firm
):
    client.force_login(agency_staff)
    client.post(
        target_url(opportunity),
        {"on_behalf_of": agency.pk, "firms": [named_firm.pk], "areas": [area("satellites").pk]},
    )

    page = client.get(target_url(opportunity)).content.decode()

    listing = page[page.index("Targeting so far") :]
    assert "Named Optics K.K." in listing
    assert "Firms in Space Technologies › Satellites" in listing
    assert "Dana Program" in listing
    assert agency.name_en in listing
    assert "<time datetime=" in listing


def test_targeting_again_adds_nothing_and_says_so(
    client, agency, agency_staff, opportunity, named_firm
):
    client.force_login(agency_staff)
    data = {"on_behalf_of": agency.pk, "firms": [named_firm.pk]}
    client.post(target_url(opportunity), data, follow=True)  # shows the first message

    response = client.post(target_url(opportunity), data)

    assert Target.objects.filter(opportunity=opportunity).count() == 1
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Nothing new" in message


def test_choosing_neither_a_firm_nor_an_area_is_an_error(client, agency, agency_staff, opportunity):
    client.force_login(agency_staff)
    response = client.post(target_url(opportunity), {"on_behalf_of": agency.pk})

    assert response.status_code == 200
    assert "Choose at least one firm or technology area." in response.content.decode()
    assert not Target.objects.exists()


def test_a_single_organization_is_implied(client, agency, agency_staff, opportunity):
    client.force_login(agency_staff)
    response = client.get(target_url(opportunity))

    assert response.status_code == 200
    content = response.content.decode()
    assert f'type="hidden" name="on_behalf_of" value="{agency.pk}"' in content
    assert f"You target on behalf of {agency.name_en}." in content


def test_sub_areas_are_indented_under_their_area(client, agency_staff, opportunity):
    client.force_login(agency_staff)
    choices = dict(client.get(target_url(opportunity)).context["form"].fields["areas"].choices)

    assert choices[area("space-technologies").pk] == "Space Technologies"
    assert choices[area("satellites").pk].endswith("Satellites")
    assert choices[area("satellites").pk].startswith("\u2003")


def test_firms_are_found_by_name_or_corporate_number(
    client, agency_staff, opportunity, named_firm, satellite_firm
):
    client.force_login(agency_staff)

    def shown(query):
        form = client.get(target_url(opportunity), {"q": query}).context["form"]
        return set(form.fields["firms"].queryset)

    assert shown("") == {named_firm, satellite_firm}
    assert shown("optics") == {named_firm}
    assert shown(satellite_firm.corporate_number[-6:]) == {satellite_firm}
    assert shown("ＯＲＢＩＴ") == {satellite_firm}  # full-width letters are normalised


def test_a_matched_firm_can_be_preselected(client, agency_staff, opportunity, named_firm):
    client.force_login(agency_staff)
    response = client.get(target_url(opportunity), {"firm": named_firm.pk})

    assert response.context["form"]["firms"].value() == [str(named_firm.pk)]


def test_a_verified_intermediary_targets_a_published_opportunity(
    client, intermediary_staff, opportunity, named_firm
):
    intermediary = intermediary_staff.organizations.get()
    client.force_login(intermediary_staff)
    assert client.get(target_url(opportunity)).status_code == 200

    response = client.post(
        target_url(opportunity), {"on_behalf_of": intermediary.pk, "firms": [named_firm.pk]}
    )

    assert response.status_code == 302
    target = Target.objects.get(opportunity=opportunity)
    assert target.targeted_by == intermediary_staff
    assert target.targeted_by_organization == intermediary
    assert list(selectors.opportunities_targeted_at(named_firm)) == [opportunity]


def test_an_intermediary_cannot_target_a_draft(client, intermediary_staff, agency, named_firm):
    draft = OpportunityFactory(organization=agency, status=Opportunity.Status.DRAFT)
    intermediary = intermediary_staff.organizations.get()
    client.force_login(intermediary_staff)

    response = client.post(
        target_url(draft), {"on_behalf_of": intermediary.pk, "firms": [named_firm.pk]}
    )

    assert response.status_code == 404
    assert not Target.objects.exists()


def test_someone_in_an_agency_and_an_intermediary_chooses_on_whose_behalf(
    client, agency, agency_staff, opportunity, named_firm
):
    intermediary = IntermediaryFactory()
    MembershipFactory(organization=intermediary, user=agency_staff)
    client.force_login(agency_staff)

    form = client.get(target_url(opportunity)).context["form"]
    assert not form["on_behalf_of"].is_hidden
    assert {pk for pk, _label in form.fields["on_behalf_of"].choices} == {
        agency.pk,
        intermediary.pk,
    }

    missing = client.post(target_url(opportunity), {"firms": [named_firm.pk]})
    assert missing.status_code == 200
    assert not Target.objects.exists()

    client.post(
        target_url(opportunity), {"on_behalf_of": intermediary.pk, "firms": [named_firm.pk]}
    )
    assert Target.objects.get().targeted_by_organization == intermediary


def test_nobody_targets_on_behalf_of_an_organization_they_are_not_in(
    client, agency_staff, opportunity, named_firm
):
    stranger_agency = AgencyFactory()
    client.force_login(agency_staff)

    response = client.post(
        target_url(opportunity), {"on_behalf_of": stranger_agency.pk, "firms": [named_firm.pk]}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["on_behalf_of"]
    assert not Target.objects.exists()


def _unverified_intermediary_staff():
    return MembershipFactory(organization=IntermediaryFactory(verification_status="pending")).user


def _firm_member():
    return MembershipFactory(organization=OrganizationFactory()).user


def _other_agency_staff():
    return MembershipFactory(organization=AgencyFactory()).user


@pytest.mark.parametrize(
    "make_user",
    [_unverified_intermediary_staff, _firm_member, _other_agency_staff, UserFactory],
    ids=["unverified-intermediary", "firm-member", "other-agency", "no-organization"],
)
def test_others_cannot_target(client, make_user, opportunity, named_firm):
    user = make_user()
    organization = user.organizations.first()
    client.force_login(user)

    assert client.get(target_url(opportunity)).status_code == 403
    response = client.post(
        target_url(opportunity),
        {"on_behalf_of": organization.pk if organization else "", "firms": [named_firm.pk]},
    )

    assert response.status_code == 403
    assert not Target.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, opportunity):
    response = client.get(target_url(opportunity))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# The firm's side: the "Targeted at you" panel of its dashboard.


def render_panel(user) -> str:
    request = RequestFactory().get("/dashboard/")
    request.user = user
    return render_to_string(
        "opportunities/includes/targeted_for_firm.html",
        {"firm_targeting": selectors.firm_dashboard(user)},
        request=request,
    )


@pytest.fixture
def firm_with_capability(firm):
    CapabilityFactory(organization=firm, areas=["satellites"], trl=6)
    return firm


def test_the_firm_panel_lists_targeted_opportunities_soonest_first(
    firm_with_capability, firm_member, agency, agency_staff
):
    now = timezone.now()
    later = OpportunityFactory(
        organization=agency, title_en="Later targeted", response_deadline=now + timedelta(days=20)
    )
    sooner = OpportunityFactory(
        organization=agency, title_en="Sooner targeted", response_deadline=now + timedelta(days=5)
    )
    OpportunityFactory(organization=agency, title_en="Not targeted at all")
    services.target_add(
        opportunity=later, actor=agency_staff, on_behalf_of=agency, firm=firm_with_capability
    )
    services.target_add(
        opportunity=sooner,
        actor=agency_staff,
        on_behalf_of=agency,
        area=area("space-technologies"),
    )

    html = render_panel(firm_member)

    assert "Targeted at you" in html
    assert html.index("Sooner targeted") < html.index("Later targeted")
    assert "Not targeted at all" not in html
    assert sooner.get_absolute_url() in html
    assert f'<time datetime="{sooner.response_deadline.isoformat()}">' in html


def test_the_firm_panel_has_an_empty_state(firm_with_capability, firm_member):
    html = render_panel(firm_member)

    assert "Targeted at you" in html
    assert "No opportunity is targeted at" in html


def test_the_firm_panel_is_absent_for_people_without_a_firm(agency_staff):
    assert render_panel(agency_staff).strip() == ""


def test_the_firm_dashboard_shows_targeted_opportunities_first(
    client, firm_with_capability, firm_member, agency, agency_staff
):
    opportunity = OpportunityFactory(organization=agency, title_en="Orbital sensing call")
    services.target_add(
        opportunity=opportunity,
        actor=agency_staff,
        on_behalf_of=agency,
        area=area("space-technologies"),
    )
    client.force_login(firm_member)

    content = client.get(reverse("organizations:dashboard")).content.decode()

    assert "Orbital sensing call" in content
    assert content.index("Targeted at you") < content.index("Your organizations")


def test_an_intermediary_sees_only_its_own_outreach_on_the_target_page(
    client, agency, agency_staff, intermediary_staff, opportunity, named_firm, satellite_firm
):
    services.target_add(
        opportunity=opportunity, actor=agency_staff, on_behalf_of=agency, firm=satellite_firm
    )
    intermediary = intermediary_staff.organizations.get()
    services.target_add(
        opportunity=opportunity,
        actor=intermediary_staff,
        on_behalf_of=intermediary,
        firm=named_firm,
    )
    client.force_login(intermediary_staff)
    listing = client.get(target_url(opportunity)).context["targets"]
    assert [t.firm for t in listing] == [named_firm]
    client.force_login(agency_staff)
    assert len(client.get(target_url(opportunity)).context["targets"]) == 2
