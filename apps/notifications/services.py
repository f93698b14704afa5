"""Subscriptions, digests and alerts, delivered exactly once per recipient and period.

How a delivery is made (every step idempotent):
1. A Delivery row is created per recipient and period (unique) — the outbox — and, after
   commit, one task per block of up to BLOCK_SIZE rows is enqueued.
2. The task claims its rows (pending → sending, row-locked, rows held by another worker
   skipped), records their items (unique per recipient, opportunity and period; one set
   of queries for the whole block, building.py), then renders and sends each e-mail with
   a Message-ID derived from its row over one SMTP connection. The moment the server
   accepts a message, the sent-journal records it (journal.py); once the block is done,
   one statement marks its rows sent. Nothing new → marked empty, nothing sent.
3. An SMTP failure puts the row back to pending with an exponential backoff in
   `next_attempt_at`; a periodic sweep re-dispatches due rows (never a long countdown),
   and after MAX_ATTEMPTS the row is marked failed, for the admin's "resend".
4. A worker that dies while sending leaves its rows in "sending"; the sweep returns them
   to pending after STALE_SENDING seconds, and whoever claims them next marks the ones the
   journal lists as sent, without sending them again.
The one window no design closes: the SMTP server accepted the message and the worker
died before the journal recorded it (one round trip to Redis on loopback, well under a
millisecond). That row is sent again after STALE_SENDING; the two copies carry the same
Message-ID, so mail clients that de-duplicate show one.
"""

import contextlib
import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.http import QueryDict
from django.utils import timezone

from apps.accounts.models import User
from apps.core.bulk import bulk_set
from apps.notifications import building, periods, rendering
from apps.notifications.models import Delivery, LinkOpen, SavedSearch, Subscription
from apps.opportunities.models import Opportunity
from apps.organizations.models import Membership

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BLOCK_SIZE = 500  # deliveries per task: a fixed number of queries for each block
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# Short tokens ("<user>.<opportunity>:<signature>"): they stand in every link of a digest.
LINK_SIGNER = signing.Signer(salt="notifications.link")


def _stale_sending() -> timedelta:
    return timedelta(seconds=getattr(settings, "NOTIFICATIONS_STALE_SENDING", 600))


def _first_sweep() -> datetime:
    """A new row's task is already queued: the sweep leaves it alone this long, so that a
    long digest run is not re-queued every minute while its first tasks drain."""
    return timezone.now() + _stale_sending()


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes… (never beyond the broker's visibility timeout: the sweep,
    not a countdown, waits)."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


# --- Subscriptions ------------------------------------------------------------------


def subscription_for(user: User) -> Subscription:
    """A new firm member's default: a weekly digest matched to their firm's capabilities."""
    return Subscription.objects.get_or_create(user=user)[0]


@transaction.atomic
def subscription_update(
    *,
    user: User,
    frequency: str,
    areas,
    include_followed_deadlines: bool,
    track_links: bool | None = None,
) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription_for(user).pk)
    subscription.frequency = frequency
    subscription.include_followed_deadlines = include_followed_deadlines
    if track_links is not None:
        if subscription.track_links and not track_links:
            # Turning tracking off also forgets what was counted.
            LinkOpen.objects.filter(user=user).delete()
        subscription.track_links = track_links
    subscription.full_clean()
    subscription.save()
    subscription.areas.set(areas)
    return subscription


def link_token(user_id: int, opportunity_id: int) -> str:
    return LINK_SIGNER.sign(f"{user_id}.{opportunity_id}")


def link_open(*, token: str, count: bool = True) -> int | None:
    """The opportunity a signed e-mail link leads to, or None for a bad link. Counts the
    opening when `count` and the recipient still allows link tracking."""
    try:
        user_id, opportunity_id = (int(part) for part in LINK_SIGNER.unsign(token).split("."))
    except (signing.BadSignature, ValueError):
        return None
    if not Opportunity.objects.filter(pk=opportunity_id).exists():
        return None
    if count:
        _link_open_record(user_id, opportunity_id)
    return opportunity_id


def _link_open_record(user_id: int, opportunity_id: int) -> None:
    """One statement: insert or count again, only if the user exists and has not turned
    link tracking off (checked in the same statement, so that an opening racing with the
    opt-out is not kept). The same SQL on PostgreSQL and SQLite."""
    from apps.accounts.models import User

    opened = LinkOpen._meta.db_table
    users = User._meta.db_table
    subscriptions = Subscription._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {opened} (user_id, opportunity_id, first_opened_at, last_opened_at, times)
            SELECT u.id, %s, %s, %s, 1 FROM {users} u
            WHERE u.id = %s AND NOT EXISTS (
                SELECT 1 FROM {subscriptions} s WHERE s.user_id = u.id AND NOT s.track_links
            )
            ON CONFLICT (user_id, opportunity_id)
            DO UPDATE SET last_opened_at = excluded.last_opened_at, times = {opened}.times + 1
            """,  # noqa: S608 - table names from the models, values as parameters
            [opportunity_id, now, now, user_id],
        )


def unsubscribe_token(user: User) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT)


def user_for_unsubscribe_token(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("u"), is_active=True).first()


@transaction.atomic
def unsubscribe(*, user: User) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription_for(user).pk)
    subscription.frequency = Subscription.Frequency.NEVER
    subscription.save(update_fields=["frequency", "updated_at"])
    SavedSearch.objects.filter(user=user).update(notify=False)
    return subscription


@transaction.atomic
def saved_search_create(*, user: User, name: str, query: str) -> SavedSearch:
    query = QueryDict(query).urlencode()  # normalised: the same filters, the same row
    search, _ = SavedSearch.objects.update_or_create(
        user=user, query=query, defaults={"name": name[:120] or query[:120], "notify": True}
    )
    return search


def saved_search_delete(*, search: SavedSearch, user: User) -> None:
    if search.user_id == user.pk:
        search.delete()


# --- Enqueueing digests ---------------------------------------------------------------


def _recipients(frequency: str):
    """(user id, time zone) of active, verified users with this digest frequency."""
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(user=OuterRef("user"), verified=True)
    return (
        Subscription.objects.filter(frequency=frequency, user__is_active=True)
        .filter(Exists(verified))
        .values_list("user_id", "user__time_zone")
        .order_by("user_id")
    )


def digests_enqueue(
    *, frequency: str, as_of: datetime, dry_run: bool = False, progress=None, batch: int = 1000
) -> int:
    """Creates the pending delivery of every recipient whose local 08:00 of this period has
    passed and who has none yet, and enqueues one task per block of BLOCK_SIZE deliveries
    after commit. Returns how many were created (or would be, with dry_run)."""
    recipients = list(_recipients(frequency))
    created_total = 0
    for start in range(0, len(recipients), batch):
        chunk = recipients[start : start + batch]
        due = {}
        for user_id, zone in chunk:
            local = periods.local_now(as_of, zone)
            if periods.is_due(frequency, local):
                due[user_id] = periods.period_key(frequency, local)
        existing = set(
            Delivery.objects.filter(recipient_id__in=due, period__in=set(due.values())).values_list(
                "recipient_id", "period"
            )
        )
        new = [(uid, key) for uid, key in due.items() if (uid, key) not in existing]
        if dry_run:
            created_total += len(new)
        else:
            with transaction.atomic():
                Delivery.objects.bulk_create(
                    [
                        Delivery(
                            recipient_id=uid,
                            kind=Delivery.Kind.DIGEST,
                            period=key,
                            as_of=as_of,
                            payload={"frequency": frequency},
                            next_attempt_at=_first_sweep(),
                        )
                        for uid, key in new
                    ],
                    ignore_conflicts=True,
                    batch_size=500,
                )
                ids = list(
                    Delivery.objects.filter(
                        status=Delivery.Status.PENDING,
                        recipient_id__in=[uid for uid, _ in new],
                        period__in={key for _, key in new},
                        as_of=as_of,
                    ).values_list("pk", flat=True)
                )
                enqueue_blocks(ids, on_commit=True)
            created_total += len(ids)
        if progress:
            progress(min(start + batch, len(recipients)), len(recipients), created_total)
    return created_total


def deliveries_redispatch(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    stale = Delivery.objects.filter(
        status=Delivery.Status.SENDING, sending_started_at__lt=now - _stale_sending()
    )
    stale.update(status=Delivery.Status.PENDING, next_attempt_at=now)
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:5000]
    )
    enqueue_blocks(due, on_commit=False)
    return len(due)


def enqueue_blocks(delivery_ids: list[int], *, on_commit: bool) -> None:
    """One task per block of up to BLOCK_SIZE deliveries."""
    from apps.notifications import tasks

    for start in range(0, len(delivery_ids), BLOCK_SIZE):
        block = list(delivery_ids[start : start + BLOCK_SIZE])
        if on_commit:
            tasks.send_deliveries.delay_on_commit(delivery_ids=block)
        else:
            tasks.send_deliveries.delay(delivery_ids=block)


@transaction.atomic
def delivery_resend(*, delivery: Delivery, actor: User) -> Delivery:
    """Operators put a failed delivery back in the queue (admin action)."""
    from apps.notifications import tasks

    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status not in (Delivery.Status.FAILED, Delivery.Status.CANCELLED):
        return delivery
    delivery.status = Delivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.last_error = f"Resent by {actor.email}"
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    tasks.send_delivery.delay_on_commit(delivery_id=delivery.pk)
    return delivery


# --- Alerts -------------------------------------------------------------------------


def alerts_create(*, user_ids, event: str, payload: dict, as_of: datetime | None = None) -> int:
    """One immediate alert per recipient and event (unique), for everyone who has not
    chosen "never"."""
    as_of = as_of or timezone.now()
    opted_out = set(
        Subscription.objects.filter(
            user_id__in=user_ids, frequency=Subscription.Frequency.NEVER
        ).values_list("user_id", flat=True)
    )
    recipients = [uid for uid in set(user_ids) if uid not in opted_out]
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    recipient_id=uid,
                    kind=Delivery.Kind.ALERT,
                    period=f"alert:{event}",
                    as_of=as_of,
                    payload=payload,
                    next_attempt_at=_first_sweep(),
                )
                for uid in recipients
            ],
            ignore_conflicts=True,
        )
        ids = list(
            Delivery.objects.filter(
                period=f"alert:{event}", recipient_id__in=recipients, status=Delivery.Status.PENDING
            ).values_list("pk", flat=True)
        )
        enqueue_blocks(ids, on_commit=True)
    return len(ids)


def notices_create(*, user_ids, event: str, payload: dict, as_of: datetime | None = None) -> int:
    """One notice per recipient and event (unique, so exactly once however often the
    event is announced). Notices are about the recipient's own records (the state of
    their firm's export-control request, a reviewer's deadline): they are sent whatever
    the recipient chose for digests."""
    as_of = as_of or timezone.now()
    recipients = sorted(set(user_ids))
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    recipient_id=uid,
                    kind=Delivery.Kind.NOTICE,
                    period=f"notice:{event}"[:120],
                    as_of=as_of,
                    payload=payload,
                    next_attempt_at=_first_sweep(),
                )
                for uid in recipients
            ],
            ignore_conflicts=True,
        )
        ids = list(
            Delivery.objects.filter(
                period=f"notice:{event}"[:120],
                recipient_id__in=recipients,
                status=Delivery.Status.PENDING,
            ).values_list("pk", flat=True)
        )
        enqueue_blocks(ids, on_commit=True)
    return len(ids)


# --- Sending ------------------------------------------------------------------------


def delivery_send(*, delivery_id: int, connection=None) -> str:
    """Sends one delivery at most once; returns the resulting status ("skipped" when it
    was not pending: already sent, or being sent by another worker)."""
    return deliveries_send(delivery_ids=[delivery_id], connection=connection).get(
        delivery_id, "skipped"
    )


def deliveries_send(*, delivery_ids, connection=None) -> dict[int, str]:
    """Sends a block of deliveries (at most BLOCK_SIZE), each at most once, over one SMTP
    connection; returns {delivery id: resulting status} for those it claimed.

    The database work is a fixed number of statements per block, however many
    recipients: claim, record items (building.py), then one statement per outcome. Each
    message's acceptance by the SMTP server is written to the sent-journal at once
    (journal.py), so a worker that dies mid-block costs no recipient a second e-mail."""
    claimed = _claim(delivery_ids)
    if not claimed:
        return {}
    journal = sent_journal()
    outcome: dict[int, str] = {}
    sent: dict[int, tuple[str, datetime]] = journal.lookup(claimed)  # by a worker that died
    failed: dict[int, str] = {}
    with transaction.atomic():
        items = building.record_items([d for d in claimed if d.pk not in sent])
    empty = [d.pk for d in claimed if d.pk not in sent and not _has_content(d, items[d.pk])]
    to_send = [d for d in claimed if d.pk not in sent and _has_content(d, items[d.pk])]
    if to_send:
        fragments = rendering.Fragments()
        untracked = set(
            Subscription.objects.filter(
                user_id__in=[d.recipient_id for d in to_send], track_links=False
            ).values_list("user_id", flat=True)
        )
        mail = connection or get_connection()
        try:
            if connection is None:
                mail.open()  # one connection for the block (send() alone opens one per message)
        except (smtplib.SMTPException, OSError) as error:
            for delivery in to_send:
                failed[delivery.pk] = f"{error.__class__.__name__}: {error}"[:2000]
            logger.warning("SMTP server unavailable for %s deliveries: %s", len(to_send), error)
            to_send = []
        try:
            for delivery in to_send:
                message = rendering.compose(
                    delivery,
                    items[delivery.pk],
                    fragments,
                    track_links=delivery.recipient_id not in untracked,
                )
                message.connection = mail
                try:
                    message.send()
                except (smtplib.SMTPException, OSError) as error:
                    failed[delivery.pk] = f"{error.__class__.__name__}: {error}"[:2000]
                    logger.warning(
                        "delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error
                    )
                    with contextlib.suppress(Exception):
                        mail.close()  # a broken connection is reopened by the next send
                    continue
                accepted = (message.extra_headers["Message-ID"], timezone.now())
                journal.record(delivery, *accepted)
                sent[delivery.pk] = accepted
        finally:
            if connection is None:
                with contextlib.suppress(Exception):
                    mail.close()
    _record_outcomes(claimed, sent=sent, empty=empty, failed=failed)
    journal.forget([d for d in claimed if d.pk in sent])
    for delivery in claimed:
        if delivery.pk in sent:
            outcome[delivery.pk] = Delivery.Status.SENT
        elif delivery.pk in failed:
            outcome[delivery.pk] = (
                Delivery.Status.FAILED
                if delivery.attempts >= MAX_ATTEMPTS
                else Delivery.Status.PENDING
            )
        else:
            outcome[delivery.pk] = Delivery.Status.EMPTY
    return outcome


def _has_content(delivery: Delivery, items) -> bool:
    """A notice carries its text in its payload; alerts and digests need items."""
    return delivery.kind == Delivery.Kind.NOTICE or bool(items)


def sent_journal():
    from apps.notifications.journal import journal

    return journal()


def _claim(delivery_ids) -> list[Delivery]:
    """Pending deliveries among `delivery_ids` become "sending", locked for the claim so
    that two workers never both take one (rows another worker holds are skipped)."""
    ids = list(delivery_ids)[:BLOCK_SIZE]
    now = timezone.now()
    with transaction.atomic():
        deliveries = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk__in=ids, status=Delivery.Status.PENDING)
            .order_by("pk")
        )
        if deliveries:
            Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
                status=Delivery.Status.SENDING, sending_started_at=now, attempts=F("attempts") + 1
            )
    for delivery in deliveries:
        delivery.status = Delivery.Status.SENDING
        delivery.sending_started_at = now
        delivery.attempts += 1
    return deliveries


def _record_outcomes(claimed, *, sent, empty, failed) -> None:
    """One statement per outcome for the whole block."""
    now = timezone.now()
    done = []
    retry = []
    for delivery in claimed:
        if delivery.pk in sent:
            delivery.status = Delivery.Status.SENT
            delivery.message_id, delivery.sent_at = sent[delivery.pk]
            done.append(delivery)
        elif delivery.pk in failed:
            last = delivery.attempts >= MAX_ATTEMPTS
            delivery.status = Delivery.Status.FAILED if last else Delivery.Status.PENDING
            delivery.next_attempt_at = now + _backoff(delivery.attempts)
            delivery.last_error = failed[delivery.pk]
            retry.append(delivery)
    with transaction.atomic():
        if done:
            bulk_set(Delivery, done, ["status", "message_id", "sent_at"])
        if empty:
            Delivery.objects.filter(pk__in=empty).update(status=Delivery.Status.EMPTY)
        if retry:
            bulk_set(Delivery, retry, ["status", "next_attempt_at", "last_error"])


def recipient_area_ids(user: User, subscription: Subscription) -> set[int]:
    return building.recipient_area_ids(user, subscription)


def firm_member_ids(firm_id: int) -> list[int]:
    return list(
        Membership.objects.filter(organization_id=firm_id).values_list("user_id", flat=True)
    )
