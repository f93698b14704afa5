from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.i18n import choice_label, localized
from apps.core.models import SearchableModel, TimeStampedModel
from apps.core.uploads import DocumentFileValidator, PdfFileValidator, generated_name
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea

ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
RESPONSE_ATTACHMENT_MAX_BYTES = 15 * 1024 * 1024


class Opportunity(SearchableModel, TimeStampedModel):
    """A dual-use opportunity an agency posts for Japanese firms."""

    class Vehicle(models.TextChoices):
        OTA_RESEARCH = "ota_research", _("OTA for research (10 U.S.C. 4021)")
        OTA_PROTOTYPE = "ota_prototype", _("OTA for prototype (10 U.S.C. 4022)")
        FOLLOW_ON = "follow_on", _("Follow-on production")
        OTHER = "other", _("Other")

    class ForeignParticipation(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        WITH_AUTHORIZATION = "with_authorization", _("Allowed with export authorization")
        NOT_ALLOWED = "not_allowed", pgettext_lazy("foreign participation", "Not allowed")

    class Currency(models.TextChoices):
        USD = "USD", "USD"
        JPY = "JPY", "JPY"
        EUR = "EUR", "EUR"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", pgettext_lazy("opportunity status", "Published")
        CLOSED = "closed", _("Closed")
        AWARDED = "awarded", _("Awarded")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="opportunities",
        limit_choices_to={"kind": Organization.Kind.AGENCY},
    )
    reference_number = models.CharField(_("reference number"), max_length=60)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200, blank=True)
    summary_en = models.TextField(_("summary (English)"), max_length=1500)
    summary_ja = models.TextField(_("summary (Japanese)"), max_length=1500, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=20000, blank=True)
    description_ja = models.TextField(_("description (Japanese)"), max_length=20000, blank=True)
    vehicle = models.CharField(_("contracting vehicle"), max_length=20, choices=Vehicle.choices)
    areas = models.ManyToManyField(
        TechnologyArea, verbose_name=_("technology areas"), related_name="opportunities"
    )
    # The areas' lexemes alone (apps.core.search), kept with the search vector: small
    # enough for the list's order index to carry (see Meta.indexes).
    area_vector = SearchVectorField(null=True, editable=False)
    trl_min = models.PositiveSmallIntegerField(
        _("lowest TRL sought"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    trl_max = models.PositiveSmallIntegerField(
        _("highest TRL sought"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    funding_min = models.DecimalField(
        _("funding from"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    funding_max = models.DecimalField(
        _("funding up to"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.USD
    )
    response_deadline = models.DateTimeField(_("response deadline"))
    question_deadline = models.DateTimeField(_("question deadline"), null=True, blank=True)
    place_of_performance = models.CharField(_("place of performance"), max_length=200, blank=True)
    foreign_participation = models.CharField(
        _("foreign participation"),
        max_length=20,
        choices=ForeignParticipation.choices,
        default=ForeignParticipation.WITH_AUTHORIZATION,
    )
    export_authorization_required = models.BooleanField(
        _("export authorization required to share technical data"), default=False
    )
    points_of_contact = models.TextField(
        _("points of contact"),
        max_length=2000,
        blank=True,
        help_text=_("Names, roles and e-mail addresses, one per line."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["response_deadline", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference_number"],
                name="opportunity_reference_unique_per_agency",
                violation_error_message=_(
                    "Your agency already uses this reference number for another opportunity."
                ),
            ),
            models.CheckConstraint(
                condition=Q(trl_min__gte=1, trl_max__lte=9, trl_min__lte=F("trl_max")),
                name="opportunity_trl_range_valid",
            ),
            models.CheckConstraint(
                condition=Q(funding_min__isnull=True)
                | Q(funding_max__isnull=True)
                | Q(funding_min__lte=F("funding_max")),
                name="opportunity_funding_range_valid",
            ),
        ]
        indexes = [
            # The list's order (deadline, then id) straight from the index, and its capped
            # count as an index-only scan; it carries the columns of the list's filters
            # (the areas' lexemes among them), so that a filtered page is read from the
            # index alone, without visiting the rows it does not show (migration 0009).
            models.Index(
                fields=["status", "response_deadline", "id"],
                include=[
                    "area_vector",
                    "trl_min",
                    "trl_max",
                    "organization",
                    "vehicle",
                    "foreign_participation",
                ],
                name="opportunity_open_cover_idx",
            ),
            models.Index(fields=["status", "-published_at"]),
        ]

    def __str__(self):
        return f"{self.reference_number} — {self.title}"

    def get_absolute_url(self):
        return reverse("opportunities:detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.trl_min and self.trl_max and self.trl_min > self.trl_max:
            errors["trl_min"] = _("The lowest TRL sought cannot be above the highest.")
        if (
            self.funding_min is not None
            and self.funding_max is not None
            and self.funding_min > self.funding_max
        ):
            errors["funding_min"] = _("The lower funding bound cannot be above the upper one.")
        if (
            self.question_deadline
            and self.response_deadline
            and self.question_deadline > self.response_deadline
        ):
            errors["question_deadline"] = _(
                "The question deadline must come before the response deadline."
            )
        if self.organization_id and self.organization.kind != Organization.Kind.AGENCY:
            errors["organization"] = _("Only agencies post opportunities.")
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        return localized(self, "title")[0]

    @property
    def summary(self) -> str:
        return localized(self, "summary")[0]

    @property
    def vehicle_label(self) -> str:
        return choice_label(self.Vehicle, self.vehicle)

    @property
    def status_label(self) -> str:
        return choice_label(self.Status, self.status)

    @property
    def is_open_for_responses(self) -> bool:
        return self.status == self.Status.PUBLISHED and timezone.now() < self.response_deadline

    @property
    def is_open_for_questions(self) -> bool:
        deadline = self.question_deadline or self.response_deadline
        return self.status == self.Status.PUBLISHED and timezone.now() < deadline


def attachment_path(instance, filename):
    return generated_name(f"opportunities/{instance.opportunity_id}/attachments", filename)


class Attachment(TimeStampedModel):
    """A document of an opportunity. Controlled ones are served only when the export-control
    access policy allows (see apps.opportunities.access)."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=attachment_path,
        validators=[DocumentFileValidator(ATTACHMENT_MAX_BYTES)],
        help_text=_("PDF, Word, Excel or PowerPoint, at most 25 MB."),
    )
    is_controlled = models.BooleanField(
        _("contains export-controlled technical data"),
        default=False,
        help_text=_("Served only to firms holding the export authorization it needs."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.title


class Amendment(models.Model):
    """An edit of a published opportunity: what changed, when and why. Insert-only."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="amendments"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("amended at"), default=timezone.now)
    reason = models.TextField(_("reason for the amendment"), max_length=2000)
    changes = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.opportunity_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class OpportunityEvent(models.Model):
    """A status change of an opportunity: who moved it, from what to what, when.
    Insert-only."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.opportunity_id}: {self.from_status} → {self.to_status}"


class Target(models.Model):
    """An opportunity brought to a firm, or to every firm with capabilities in an area,
    by agency or intermediary staff."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="targets")
    firm = models.ForeignKey(
        Organization,
        verbose_name=_("firm"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Organization.Kind.FIRM},
    )
    area = models.ForeignKey(
        TechnologyArea,
        verbose_name=_("technology area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    targeted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    targeted_by_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="targets_made"
    )
    note_en = models.TextField(_("note (English)"), max_length=1000, blank=True)
    note_ja = models.TextField(_("note (Japanese)"), max_length=1000, blank=True)
    via_network = models.BooleanField(
        _("through the partner network"),
        default=False,
        help_text=_("The firm was reached as a partner of the targeting intermediary."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("targeting")
        verbose_name_plural = _("targeting")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(firm__isnull=False) & Q(area__isnull=True))
                | (Q(firm__isnull=True) & Q(area__isnull=False)),
                name="target_is_a_firm_or_an_area",
            ),
            models.UniqueConstraint(
                fields=["opportunity", "firm", "targeted_by_organization"],
                condition=Q(firm__isnull=False),
                name="target_firm_once_per_organization",
            ),
            models.UniqueConstraint(
                fields=["opportunity", "area", "targeted_by_organization"],
                condition=Q(area__isnull=False),
                name="target_area_once_per_organization",
            ),
        ]

    def __str__(self):
        return f"{self.opportunity_id} → {self.firm or self.area}"


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [models.UniqueConstraint(fields=["user", "opportunity"], name="follow_once")]

    def __str__(self):
        return f"{self.user_id} follows {self.opportunity_id}"


def response_path(instance, filename):
    return generated_name(
        f"responses/{instance.opportunity_id}/{instance.organization_id}", filename
    )


class Response(TimeStampedModel):
    """A firm's expression of interest or solution brief. One per firm per opportunity."""

    class Kind(models.TextChoices):
        INTEREST = "interest", _("Expression of interest")
        SOLUTION_BRIEF = "solution_brief", _("Solution brief")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        UNDER_REVIEW = "under_review", _("Under review")
        INVITED = "invited", _("Invited to pitch")
        DECLINED = "declined", pgettext_lazy("response status", "Declined")
        SELECTED = "selected", _("Selected")
        PROTOTYPE_AWARDED = "prototype_awarded", _("Prototype agreement awarded")
        FOLLOW_ON = "follow_on", _("Follow-on production")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="responses")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("firm"),
        on_delete=models.PROTECT,
        related_name="responses",
        limit_choices_to={"kind": Organization.Kind.FIRM},
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INTEREST)
    body = models.TextField(_("your response"), max_length=20000)
    attachment = models.FileField(
        _("attachment (PDF)"),
        upload_to=response_path,
        blank=True,
        validators=[PdfFileValidator(RESPONSE_ATTACHMENT_MAX_BYTES)],
        help_text=_("Optional. A PDF of at most 15 MB."),
    )
    is_proprietary = models.BooleanField(
        _("proprietary / confidential"),
        default=False,
        help_text=_("Marked as proprietary on every view of it."),
    )
    attachment_is_controlled = models.BooleanField(
        _("the attachment contains export-controlled technology"),
        default=False,
        help_text=_(
            "When the opportunity requires an export authorization, the agency can open "
            "the attachment only once your approved export-control request covers it."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "organization"],
                name="response_one_per_firm",
                violation_error_message=_("Your firm has already responded to this opportunity."),
            )
        ]

    def __str__(self):
        return f"{self.organization} → {self.opportunity_id}"

    def get_absolute_url(self):
        return reverse("opportunities:response", args=[self.pk])


class ResponseEvent(models.Model):
    """A status change of a response with the agency's message to the firm. Insert-only."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    message = models.TextField(_("message to the firm"), max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.response_id}: {self.from_status} → {self.to_status}"


class Question(TimeStampedModel):
    """A firm's question about an opportunity and the agency's answer."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="questions")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="questions_asked"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("question"), max_length=4000)
    answer = models.TextField(_("answer"), max_length=8000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    is_public = models.BooleanField(
        _("answer publicly"),
        default=True,
        help_text=_(
            "A public answer appears on the opportunity page without the firm's name; a "
            "private one only to the firm that asked."
        ),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:60]
