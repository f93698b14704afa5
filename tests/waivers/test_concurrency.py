import threading

import pytest
from django.db import connection, connections

from apps.core.errors import PortalError
from apps.waivers import services
from apps.waivers.models import WaiverEvent, WaiverRequest
from tests.waivers.conftest import approve_details

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_reviewers_deciding_at_once_leave_one_decision_and_one_event(
    draft, reviewer, second_reviewer
):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks across two connections (PostgreSQL)")
    WaiverRequest.objects.filter(pk=draft.pk).update(status=WaiverRequest.Status.UNDER_REVIEW)
    for user in (reviewer, second_reviewer):
        services.declare_no_conflict(actor=user, request=draft)
    seen = WaiverRequest.objects.get(pk=draft.pk).version
    start = threading.Barrier(2)
    outcomes = {}

    def act(name, actor, action, details):
        try:
            start.wait()
            services.waiver_transition(
                actor=actor, request=draft, action=action, comment=name, version=seen, **details
            )
            outcomes[name] = "done"
        except PortalError as error:
            outcomes[name] = str(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("approve", reviewer, "approve", approve_details())),
        threading.Thread(target=act, args=("deny", second_reviewer, "deny", {})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert list(outcomes.values()).count("done") == 1
    loser = next(message for message in outcomes.values() if message != "done")
    assert "Someone else changed this request" in loser
    decisions = WaiverEvent.objects.filter(request=draft, kind=WaiverEvent.Kind.TRANSITION)
    assert decisions.count() == 1
    draft.refresh_from_db()
    assert draft.status == decisions.get().to_status
