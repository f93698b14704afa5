import pytest

from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def other_firm(db):
    return OrganizationFactory()


@pytest.fixture
def other_firm_member(other_firm):
    return MembershipFactory(organization=other_firm).user


@pytest.fixture
def agency_staff(db):
    return MembershipFactory(organization=AgencyFactory()).user


@pytest.fixture
def unverified_agency_staff(db):
    return MembershipFactory(organization=AgencyFactory(verification_status="pending")).user


@pytest.fixture
def viewers(firm_member, other_firm_member, agency_staff, unverified_agency_staff):
    return {
        "anonymous": None,
        "same_firm": firm_member,
        "other_firm": other_firm_member,
        "agency": agency_staff,
        "unverified_agency": unverified_agency_staff,
    }


@pytest.fixture
def stranger(db):
    return UserFactory()
