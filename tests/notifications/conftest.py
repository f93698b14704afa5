from datetime import UTC, datetime, timedelta

import pytest

from apps.notifications.models import Subscription
from tests.capabilities.factories import CapabilityFactory
from tests.factories import MembershipFactory, OrganizationFactory

# A Monday, 23:30 UTC = Tuesday 08:30 in Tokyo and Monday 18:30 in New York.
AS_OF = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


@pytest.fixture
def as_of():
    return AS_OF


@pytest.fixture
def space_firm(db):
    firm = OrganizationFactory()
    CapabilityFactory(organization=firm, areas=["satellites"])
    return firm


@pytest.fixture
def tokyo_member(space_firm):
    user = MembershipFactory(organization=space_firm).user
    user.time_zone = "Asia/Tokyo"
    user.preferred_language = "ja"
    user.save()
    Subscription.objects.create(user=user, frequency="daily")
    return user


@pytest.fixture
def new_york_member(space_firm):
    user = MembershipFactory(organization=space_firm).user
    user.time_zone = "America/New_York"
    user.save()
    Subscription.objects.create(user=user, frequency="daily")
    return user


def published(days_ago=0.1, **kwargs):
    from tests.opportunities.factories import OpportunityFactory

    kwargs.setdefault("response_deadline", AS_OF + timedelta(days=20))
    return OpportunityFactory(
        published_at=AS_OF - timedelta(days=days_ago), question_deadline=None, **kwargs
    )


def linked_opportunities(body: str) -> set[int]:
    """The opportunities an e-mail links to, through the recipient's tracked links."""
    import re

    from apps.notifications.services import link_open

    tokens = re.findall(r"/notifications/open/([^/\s\"<]+)/", body)
    return {link_open(token=token, count=False) for token in tokens}
