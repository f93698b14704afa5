from datetime import timedelta

import pytest
from django.core import mail

from apps.notifications import services
from apps.notifications.models import Delivery, DeliveryItem
from tests.notifications.conftest import linked_opportunities, published

pytestmark = pytest.mark.django_db


def run_digests(as_of, frequency="daily"):
    services.digests_enqueue(frequency=frequency, as_of=as_of)  # tasks run eagerly in tests


def test_recipient_whose_local_8am_passed_gets_matching_items_in_their_language(
    tokyo_member, new_york_member, as_of, django_capture_on_commit_callbacks
):
    sar = published(
        title_en="SAR constellation", title_ja="SARコンステレーション", areas=["satellites"]
    )
    published(title_en="Hypersonic tiles", areas=["hypersonics"])
    with django_capture_on_commit_callbacks(execute=True):
        run_digests(as_of)
    # Tokyo is past 08:00 on Tuesday; New York is still Monday 18:30 with Monday's 08:00
    # passed too — but both are daily: each gets exactly their period's digest.
    sent = {m.to[0]: m for m in mail.outbox}
    message = sent[tokyo_member.email]
    assert "SARコンステレーション" in message.body  # Japanese title for a Japanese reader
    assert "Hypersonic tiles" not in message.body
    assert "JST" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["Message-ID"].startswith("<delivery-")
    assert message.alternatives[0][1] == "text/html"
    assert sar.pk in linked_opportunities(message.body)
    assert DeliveryItem.objects.filter(recipient=tokyo_member, opportunity=sar).count() == 1


def test_running_the_digest_twice_sends_nothing_the_second_time(
    tokyo_member, as_of, django_capture_on_commit_callbacks
):
    published(areas=["satellites"])
    with django_capture_on_commit_callbacks(execute=True):
        run_digests(as_of)
    with django_capture_on_commit_callbacks(execute=True):
        run_digests(as_of + timedelta(minutes=15))
        services.deliveries_redispatch(now=as_of + timedelta(hours=1))
    assert len([m for m in mail.outbox if m.to == [tokyo_member.email]]) == 1
    assert Delivery.objects.filter(recipient=tokyo_member).count() == 1


def test_nothing_is_sent_when_nothing_is_new(
    tokyo_member, as_of, django_capture_on_commit_callbacks
):
    published(areas=["hypersonics"])  # not in the firm's areas
    with django_capture_on_commit_callbacks(execute=True):
        run_digests(as_of)
    assert mail.outbox == []
    assert Delivery.objects.get(recipient=tokyo_member).status == Delivery.Status.EMPTY


def test_next_digest_lists_only_what_is_new_since_the_last_one(
    tokyo_member, as_of, django_capture_on_commit_callbacks
):
    first = published(title_en="First", areas=["satellites"])
    with django_capture_on_commit_callbacks(execute=True):
        run_digests(as_of)
    second = published(days_ago=-0.5, title_en="Second", areas=["satellites"])  # half a day later
    with django_capture_on_commit_callbacks(execute=True):
        run_digests(as_of + timedelta(days=1))
    bodies = [m.body for m in mail.outbox if m.to == [tokyo_member.email]]
    assert len(bodies) == 2
    assert second.title_en in bodies[1] and first.title_en not in bodies[1]


def test_a_saved_search_sends_only_its_new_results(
    tokyo_member, as_of, django_capture_on_commit_callbacks
):
    from apps.notifications.models import Subscription

    Subscription.objects.filter(user=tokyo_member).update()
    services.saved_search_create(user=tokyo_member, name="Hypersonics", query="area=hypersonics")
    old = published(days_ago=10, title_en="Old hypersonic", areas=["hypersonics"])
    new = published(title_en="New hypersonic", areas=["hypersonics"])
    with django_capture_on_commit_callbacks(execute=True):
        run_digests(as_of)
    body = mail.outbox[0].body
    assert new.title_en in body and old.title_en not in body
    assert "Hypersonics" in body  # the reason names the saved search


def test_followed_deadlines_within_a_week_are_listed(
    tokyo_member, as_of, django_capture_on_commit_callbacks
):
    from apps.opportunities.models import Follow

    soon = published(
        days_ago=30,
        title_en="Closing soon",
        areas=["hypersonics"],
        response_deadline=as_of + timedelta(days=3),
    )
    Follow.objects.create(user=tokyo_member, opportunity=soon)
    with django_capture_on_commit_callbacks(execute=True):
        run_digests(as_of)
    assert "Closing soon" in mail.outbox[0].body


def test_never_and_unverified_users_get_no_digest(
    tokyo_member, as_of, django_capture_on_commit_callbacks
):
    from apps.notifications.models import Subscription

    Subscription.objects.filter(user=tokyo_member).update(frequency="never")
    published(areas=["satellites"])
    with django_capture_on_commit_callbacks(execute=True):
        run_digests(as_of)
    assert mail.outbox == []


def test_before_local_8am_nothing_is_due(tokyo_member, as_of):
    # 22:00 UTC = 07:00 in Tokyo.
    assert (
        services.digests_enqueue(
            frequency="daily", as_of=as_of - timedelta(minutes=90), dry_run=True
        )
        == 0
    )
    assert services.digests_enqueue(frequency="daily", as_of=as_of, dry_run=True) == 1


def test_send_digests_command_dry_run_counts_and_sends_nothing(tokyo_member, as_of):
    from io import StringIO

    from django.core.management import call_command

    published(areas=["satellites"])
    out = StringIO()
    call_command(
        "send_digests", frequency="daily", dry_run=True, as_of=as_of.isoformat(), stdout=out
    )
    assert "1 daily digests would be queued." in out.getvalue()
    assert not Delivery.objects.exists()
