from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.organizations.permissions import waiver_reviewers_group
from apps.waivers import services
from apps.waivers.models import WaiverRequest, tokyo_today
from tests.capabilities.factories import CapabilityFactory
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    OrganizationFactory,
    RegulatorFactory,
    UserFactory,
)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name="technical.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def firm(db):
    return OrganizationFactory(name_en="Tsubasa Aerospace K.K.")


@pytest.fixture
def officer(firm):
    return MembershipFactory(organization=firm, is_export_control_officer=True).user


@pytest.fixture
def member(firm):
    return MembershipFactory(organization=firm).user


@pytest.fixture
def agency(db):
    return AgencyFactory(name_en="Space Systems Program Office")


@pytest.fixture
def regulator(db):
    return RegulatorFactory(name_en="Export-control authority")


def make_reviewer(regulator, *, mfa=True):
    """A member of the regulator in the reviewers group, with an authenticator app unless
    `mfa` is false."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(is_staff=True)
    MembershipFactory(organization=regulator, user=user)
    user.groups.add(waiver_reviewers_group())
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def reviewer(regulator):
    return make_reviewer(regulator)


@pytest.fixture
def second_reviewer(regulator):
    return make_reviewer(regulator)


def request_data(firm, agency, **overrides):
    data = {
        "capability": CapabilityFactory(organization=firm, areas=["satellites"]),
        "receiving_agency": agency,
        "consignee": "Space Systems Program Office",
        "end_user": "US Space Force",
        "end_use": "Evaluation of a SAR payload prototype.",
        "destination_country": "US",
        "technology": "SAR payload design data",
        "classification": WaiverRequest.Classification.LISTED,
        "control_list_item": "2(12)",
    }
    data.update(overrides)
    return data


@pytest.fixture
def draft(firm, officer, agency):
    request = services.waiver_create(actor=officer, firm=firm, data=request_data(firm, agency))
    services.document_add(actor=officer, request=request, kind="technical", upload=pdf())
    return request


def approve_details(**overrides):
    details = {
        "expires_on": tokyo_today() + timedelta(days=365),
        "permit_number": "METI-2026-0001",
        "permit_date": tokyo_today(),
        "conditions": "",
    }
    details.update(overrides)
    return details
