"""A block of deliveries costs a fixed number of queries, and a block interrupted after
some messages were accepted sends only the others when claimed again."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.notifications import services
from apps.notifications.journal import DatabaseJournal, RedisJournal
from apps.notifications.models import Delivery, DeliveryItem, SavedSearch, Subscription
from apps.opportunities.models import Follow
from apps.taxonomy.selectors import areas_tree
from tests.factories import MembershipFactory
from tests.notifications.conftest import AS_OF, published

pytestmark = pytest.mark.django_db


def members(firm, count, **user_fields):
    users = []
    for _ in range(count):
        user = MembershipFactory(organization=firm).user
        for name, value in user_fields.items():
            setattr(user, name, value)
        user.save()
        Subscription.objects.create(user=user, frequency="daily")
        users.append(user)
    return users


def pending_digests(as_of=AS_OF):
    """Creates the due digests' rows without sending them (their tasks are not run)."""
    services.digests_enqueue(frequency="daily", as_of=as_of)
    return list(
        Delivery.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True)
    )


def queries_to_send(ids) -> int:
    with CaptureQueriesContext(connection) as captured:
        outcome = services.deliveries_send(delivery_ids=ids)
    assert set(outcome.values()) == {"sent"}
    return len(captured)


def test_a_block_costs_the_same_queries_for_3_or_12_recipients(space_firm):
    for n in range(3):
        published(title_en=f"Satellite bus {n}", areas=["satellites"])
    small = members(space_firm, 3, time_zone="Asia/Tokyo")
    SavedSearch.objects.create(user=small[0], name="Buses", query="q=bus")
    areas_tree()  # built once and kept between runs: both runs below find it ready
    few = queries_to_send(pending_digests())
    assert len(mail.outbox) == 3

    mail.outbox.clear()
    many = members(space_firm, 12, time_zone="Asia/Tokyo")
    later = AS_OF + timedelta(days=1)
    published(days_ago=-0.5, title_en="Fresh satellite", areas=["satellites"])  # new for all
    Follow.objects.create(user=many[0], opportunity=published(areas=["hypersonics"]))
    # Saved searches cost one query per distinct filter in the block: this one shares one.
    SavedSearch.objects.create(user=many[1], name="My buses", query="q=bus")
    more = queries_to_send(pending_digests(later))
    assert len(mail.outbox) == len(small) + len(many)
    # The same statements, only their arrays are longer; without Redis, the database is
    # also the sent-journal, with one UPDATE per accepted message.
    per_message = 0 if isinstance(services.sent_journal(), RedisJournal) else 1
    assert more == few + per_message * len(many)  # 15 messages instead of 3


def test_each_recipient_gets_their_own_items_in_a_shared_block(space_firm, as_of):
    [japanese] = members(space_firm, 1, preferred_language="ja", time_zone="Asia/Tokyo")
    english = members(space_firm, 1, preferred_language="en", time_zone="Asia/Tokyo")[0]
    sar = published(title_en="SAR", title_ja="合成開口レーダ", areas=["satellites"])
    followed = published(
        days_ago=30,
        title_en="Closing soon",
        areas=["hypersonics"],
        response_deadline=as_of + timedelta(days=3),
    )
    Follow.objects.create(user=english, opportunity=followed)
    services.deliveries_send(delivery_ids=pending_digests())
    sent = {m.to[0]: m for m in mail.outbox}
    assert "合成開口レーダ" in sent[japanese.email].body
    assert "Closing soon" not in sent[japanese.email].body
    assert "SAR" in sent[english.email].body and "Closing soon" in sent[english.email].body
    sections = dict(
        DeliveryItem.objects.filter(recipient=english).values_list("opportunity_id", "section")
    )
    assert sections == {sar.pk: "new", followed.pk: "deadline"}


def test_a_reclaimed_block_marks_what_the_journal_lists_and_sends_only_the_rest(
    space_firm, settings, redis_url
):
    published(areas=["satellites"])
    _first, second, third = members(space_firm, 3, time_zone="Asia/Tokyo")
    ids = pending_digests()
    # A worker claimed the block and the server accepted the first message; then it died.
    claimed = services._claim(ids)
    journal = services.sent_journal()
    assert isinstance(journal, RedisJournal)
    journal.record(claimed[0], "<delivery-accepted@kakehashi.example>", AS_OF)
    Delivery.objects.filter(pk__in=ids).update(status="pending")  # the sweep, after a while

    outcome = services.deliveries_send(delivery_ids=ids)

    assert outcome == dict.fromkeys(ids, "sent")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([second.email, third.email])
    marked = Delivery.objects.get(pk=claimed[0].pk)
    assert marked.message_id == "<delivery-accepted@kakehashi.example>"
    assert marked.sent_at == AS_OF
    assert journal.lookup(claimed) == {}  # cleared once the rows say it


def test_without_redis_each_accepted_message_marks_its_row_at_once(space_firm, settings):
    settings.REDIS_URL = ""
    published(areas=["satellites"])
    user = members(space_firm, 1, time_zone="Asia/Tokyo")[0]
    [delivery_id] = pending_digests()
    journal = services.sent_journal()
    assert isinstance(journal, DatabaseJournal)
    delivery = Delivery.objects.get(pk=delivery_id)
    journal.record(delivery, "<delivery-x@kakehashi.example>", AS_OF)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.message_id == "<delivery-x@kakehashi.example>"
    assert services.deliveries_send(delivery_ids=[delivery_id]) == {}  # not claimed again
    assert [m for m in mail.outbox if m.to == [user.email]] == []


def test_smtp_server_down_puts_the_whole_block_back_with_a_backoff(space_firm, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    published(areas=["satellites"])
    members(space_firm, 3, time_zone="Asia/Tokyo")
    ids = pending_digests()
    outcome = services.deliveries_send(delivery_ids=ids)
    assert outcome == dict.fromkeys(ids, "pending")
    for delivery in Delivery.objects.filter(pk__in=ids):
        assert delivery.attempts == 1
        assert "Error" in delivery.last_error
        assert delivery.next_attempt_at > timezone.now()
    assert DeliveryItem.objects.filter(delivery_id__in=ids).count() == 3  # kept for the retry
