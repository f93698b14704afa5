from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.opportunities.models import Opportunity
from apps.taxonomy.models import TechnologyArea


class Subscription(TimeStampedModel):
    """A user's choice of e-mail: how often, about which technology areas."""

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        NEVER = "never", _("Never")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscription"
    )
    frequency = models.CharField(
        _("how often"), max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    areas = models.ManyToManyField(
        TechnologyArea,
        verbose_name=_("technology areas"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty to follow the areas of your firm's capabilities."),
    )
    include_followed_deadlines = models.BooleanField(
        _("remind me of deadlines of opportunities I follow"), default=True
    )
    track_links = models.BooleanField(
        _("count the opportunities I open from these e-mails"),
        default=True,
        help_text=_(
            "Links to opportunities in our e-mails pass through the portal, which counts, "
            "per opportunity, that you opened it. Those who targeted the opportunity at "
            "your firm see how many of the firms they targeted opened it, not which; if "
            "they targeted your firm alone, the count tells them. Untick to get plain links "
            "and be counted no more. We never use tracking pixels."
        ),
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self):
        return f"{self.user} ({self.get_frequency_display()})"


class SavedSearch(TimeStampedModel):
    """An /opportunities/ query string whose new results the user wants by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=120)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    notify = models.BooleanField(_("e-mail me new results"), default=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "query"], name="saved_search_once_per_query")
        ]

    def __str__(self):
        return self.name


class Delivery(models.Model):
    """One e-mail to one recipient for one period (a digest) or one event (an alert).
    Unique per recipient and period: a second beat, a retried or re-delivered task finds
    the row and sends nothing twice. The row is also the outbox: a periodic task
    re-dispatches pending rows whose task was lost."""

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Digest")
        ALERT = "alert", _("Alert")
        NOTICE = "notice", _("Notice")  # about the recipient's own record, e.g. a waiver

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        EMPTY = "empty", _("Nothing new (not sent)")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DIGEST)
    period = models.CharField(
        _("period"),
        max_length=120,
        help_text=_("Frequency and local date or ISO week (digests), or the event (alerts)."),
    )
    as_of = models.DateTimeField(_("as of"))
    since = models.DateTimeField(_("covering changes since"), null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "period"], name="delivery_once_per_recipient_and_period"
            )
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="delivery_due_idx",
                condition=Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self):
        return f"{self.recipient} · {self.period} · {self.status}"


class DeliveryItem(models.Model):
    """One opportunity in one delivery. Unique per recipient, opportunity and period."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="items")
    # No index of its own: the unique constraint below starts with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=120)
    section = models.CharField(max_length=20, default="new")
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("delivery item")
        verbose_name_plural = _("delivery items")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "opportunity", "period"],
                name="delivery_item_once_per_recipient_opportunity_period",
            )
        ]

    def __str__(self):
        return f"{self.delivery_id}: {self.opportunity_id}"


class LinkOpen(models.Model):
    """A recipient opened an opportunity from one of our e-mails (through its signed,
    per-recipient link), as the reach of targeting counts it. One row per recipient and
    opportunity; kept only while the recipient allows link tracking."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    first_opened_at = models.DateTimeField(_("first opened at"), default=timezone.now)
    last_opened_at = models.DateTimeField(_("last opened at"), default=timezone.now)
    times = models.PositiveIntegerField(_("times opened"), default=1)

    class Meta:
        verbose_name = _("opened from an e-mail")
        verbose_name_plural = _("opened from e-mails")
        constraints = [
            models.UniqueConstraint(fields=["user", "opportunity"], name="link_open_once")
        ]

    def __str__(self):
        return f"{self.user_id} opened {self.opportunity_id}"
