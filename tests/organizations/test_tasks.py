import time

import pytest

from apps.organizations import services
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.services,
    pytest.mark.slow,
]


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_invitation_email_is_delivered_by_a_real_worker_over_smtp(
    celery_worker_on_redis, smtp_settings
):
    firm = OrganizationFactory(name_en="Hayabusa Robotics K.K.")
    owner = MembershipFactory(organization=firm, role="owner").user
    invitation = services.invitation_create(
        organization=firm, actor=owner, email="colleague@hayabusa.example"
    )
    assert wait_for(lambda: smtp_settings.messages), "the worker delivered no e-mail"
    message = smtp_settings.messages[0]
    assert message["To"] == "colleague@hayabusa.example"
    assert "Hayabusa Robotics K.K." in message["Subject"]
    assert message.is_multipart()
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
