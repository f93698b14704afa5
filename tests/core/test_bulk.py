from datetime import UTC, datetime

import pytest

from apps.core.bulk import bulk_set
from apps.notifications.models import Delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_bulk_set_writes_each_rows_own_values_and_nothing_else():
    moment = datetime(2026, 11, 30, tzinfo=UTC)
    rows = [
        Delivery.objects.create(recipient=UserFactory(), period=f"p{n}", as_of=moment)
        for n in range(3)
    ]
    untouched = Delivery.objects.create(recipient=UserFactory(), period="other", as_of=moment)
    for n, row in enumerate(rows[:2]):
        row.status = "sent"
        row.message_id = f"<m{n}@example>"
        row.last_error = "not saved: not listed"
    bulk_set(Delivery, rows[:2], ["status", "message_id"])
    saved = {d.period: (d.status, d.message_id, d.last_error) for d in Delivery.objects.all()}
    assert saved == {
        "p0": ("sent", "<m0@example>", ""),
        "p1": ("sent", "<m1@example>", ""),
        "p2": ("pending", "", ""),
        "other": ("pending", "", ""),
    }
    assert untouched.pk not in [r.pk for r in rows]
