"""Digests through a real Celery worker on Redis, delivered to a real SMTP server on
loopback (aiosmtpd). Skipped locally without Redis; required under CI."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery
from tests.notifications.conftest import published

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.services,
    pytest.mark.slow,
]


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_delivers_each_digest_once_in_the_recipients_language(
    celery_worker_on_redis, smtp_settings, tokyo_member, new_york_member, as_of
):
    published(title_en="SAR constellation", title_ja="SARコンステレーション", areas=["satellites"])
    services.digests_enqueue(frequency="daily", as_of=as_of)
    assert wait_for(lambda: len(smtp_settings.messages) >= 2)
    services.digests_enqueue(
        frequency="daily", as_of=as_of + timedelta(minutes=15)
    )  # a second beat
    time.sleep(1)
    by_recipient = {}
    for message in smtp_settings.messages:
        by_recipient.setdefault(message["To"], []).append(message)
    assert sorted(by_recipient) == sorted([tokyo_member.email, new_york_member.email])
    assert all(len(messages) == 1 for messages in by_recipient.values())
    japanese = by_recipient[tokyo_member.email][0]
    html = next(p for p in japanese.walk() if p.get_content_type() == "text/html")
    assert "SARコンステレーション" in html.get_payload(decode=True).decode()
    assert japanese["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mail_refused_for_a_while_arrives_once_accepted(
    celery_worker_on_redis, smtp_settings, tokyo_member, new_york_member, as_of
):
    smtp_settings.refuse = True
    published(areas=["satellites"])
    services.digests_enqueue(frequency="daily", as_of=as_of)
    assert wait_for(lambda: Delivery.objects.filter(attempts__gte=1, status="pending").count() == 2)
    assert smtp_settings.messages == []
    smtp_settings.refuse = False
    # Retries are due an interval after the failed attempt, by the real clock.
    later = max(as_of, timezone.now()) + timedelta(hours=1)
    for _ in range(3):  # the periodic sweep, run by hand with the clock moved on
        services.deliveries_redispatch(now=later)
        time.sleep(0.5)
    assert wait_for(lambda: Delivery.objects.filter(status="sent").count() == 2)
    time.sleep(1)
    recipients = sorted(m["To"] for m in smtp_settings.messages)
    assert recipients == sorted([tokyo_member.email, new_york_member.email])
