"""The gate: a response's controlled attachment is held from the agency until an approved,
unexpired request covers it, and closes again on revocation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.opportunities import services as opportunity_services
from apps.waivers import services
from apps.waivers.models import WaiverRequest, tokyo_today
from tests.factories import MembershipFactory
from tests.opportunities.factories import OpportunityFactory
from tests.waivers.conftest import pdf, request_data

pytestmark = pytest.mark.django_db
HELD = "Held pending export authorization"


@pytest.fixture
def agency_staff(agency):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = MembershipFactory(organization=agency).user
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def controlled_response(agency, firm, officer):
    opportunity = OpportunityFactory(
        organization=agency,
        export_authorization_required=True,
        response_deadline=timezone.now() + timedelta(days=30),
    )
    return opportunity_services.response_submit(
        opportunity=opportunity,
        actor=officer,
        firm=firm,
        kind="solution_brief",
        body="Our SAR payload.",
        attachment=pdf("brief.pdf"),
        attachment_is_controlled=True,
    )


def download(client, response):
    return client.get(reverse("opportunities:response_attachment", args=[response.pk]))


def test_the_agency_gets_the_attachment_only_while_an_authorization_is_in_effect(
    client, controlled_response, agency_staff, officer, firm, agency
):
    client.force_login(agency_staff)
    assert download(client, controlled_response).status_code == 403
    assert HELD in client.get(controlled_response.get_absolute_url()).content.decode()

    waiver = services.waiver_create(
        actor=officer,
        firm=firm,
        data=request_data(firm, agency, opportunity=controlled_response.opportunity),
    )
    WaiverRequest.objects.filter(pk=waiver.pk).update(
        status=WaiverRequest.Status.APPROVED, expires_on=tokyo_today() + timedelta(days=90)
    )
    opened = download(client, controlled_response)
    assert opened.status_code == 200
    assert opened["Cache-Control"] == "private, no-store"
    assert HELD not in client.get(controlled_response.get_absolute_url()).content.decode()

    WaiverRequest.objects.filter(pk=waiver.pk).update(status=WaiverRequest.Status.REVOKED)
    assert download(client, controlled_response).status_code == 403


def test_an_authorization_for_another_agency_does_not_open_it(
    client, controlled_response, agency_staff, officer, firm
):
    from tests.factories import AgencyFactory

    elsewhere = AgencyFactory()
    waiver = services.waiver_create(
        actor=officer,
        firm=firm,
        data=request_data(firm, elsewhere, opportunity=controlled_response.opportunity),
    )
    WaiverRequest.objects.filter(pk=waiver.pk).update(
        status=WaiverRequest.Status.APPROVED, expires_on=tokyo_today() + timedelta(days=90)
    )
    client.force_login(agency_staff)
    assert download(client, controlled_response).status_code == 403


def test_the_firm_always_opens_its_own_attachment(client, controlled_response, officer):
    client.force_login(officer)
    assert download(client, controlled_response).status_code == 200


def test_agency_staff_without_mfa_are_sent_to_set_it_up_even_when_it_is_open(
    client, controlled_response, agency, officer, firm
):
    without_mfa = MembershipFactory(organization=agency).user
    waiver = services.waiver_create(
        actor=officer,
        firm=firm,
        data=request_data(firm, agency, opportunity=controlled_response.opportunity),
    )
    WaiverRequest.objects.filter(pk=waiver.pk).update(
        status=WaiverRequest.Status.APPROVED, expires_on=tokyo_today() + timedelta(days=90)
    )
    client.force_login(without_mfa)
    refused = download(client, controlled_response)
    assert refused.status_code == 403
    assert reverse("mfa_activate_totp") in refused.content.decode()
    assert "Content-Disposition" not in refused
