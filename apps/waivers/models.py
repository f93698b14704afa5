"""Export-control requests (許可申請): a firm's application to the export-control authority
for the authorization it needs before sharing listed technology with a US agency.

The status changes only through services.py, which consults the one transitions table in
workflow.py. Every change is a WaiverEvent, which nothing may edit or delete: the model
and its queryset refuse, and on PostgreSQL a trigger refuses UPDATE and DELETE too."""

import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.capabilities.models import Capability
from apps.core.models import TimeStampedModel
from apps.core.uploads import DocumentFileValidator, generated_name
from apps.opportunities.models import Opportunity, Response
from apps.organizations.models import Organization

DOCUMENT_MAX_BYTES = 25 * 1024 * 1024


class WaiverRequest(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("waiver status", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("waiver status", "Submitted")
        UNDER_REVIEW = "under_review", pgettext_lazy("waiver status", "Under review")
        INFORMATION_REQUESTED = (
            "information_requested",
            pgettext_lazy("waiver status", "Information requested"),
        )
        RESUBMITTED = "resubmitted", pgettext_lazy("waiver status", "Resubmitted")
        RETURNED = "returned", pgettext_lazy("waiver status", "Returned without action")
        AWAITING_CONFIRMATION = (
            "awaiting_confirmation",
            pgettext_lazy("waiver status", "Approval awaiting confirmation"),
        )
        APPROVED = "approved", pgettext_lazy("waiver status", "Approved")
        DENIED = "denied", pgettext_lazy("waiver status", "Denied")
        WITHDRAWN = "withdrawn", pgettext_lazy("waiver status", "Withdrawn")
        EXPIRED = "expired", pgettext_lazy("waiver status", "Expired")
        REVOKED = "revoked", pgettext_lazy("waiver status", "Revoked")

    class Classification(models.TextChoices):
        LISTED = "listed", _("Listed on Japan's control list")
        NOT_LISTED = "not_listed", _("Not listed")

    class AuthorizationKind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual authorization")
        COMPREHENSIVE = "comprehensive", _("Comprehensive (bulk) authorization")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    firm = models.ForeignKey(
        Organization,
        verbose_name=_("firm"),
        on_delete=models.PROTECT,
        related_name="waiver_requests",
        limit_choices_to={"kind": Organization.Kind.FIRM},
    )
    capability = models.ForeignKey(
        Capability, verbose_name=_("capability"), on_delete=models.PROTECT, related_name="+"
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        related_name="waiver_requests",
        null=True,
        blank=True,
    )
    response = models.ForeignKey(
        Response,
        verbose_name=_("response"),
        on_delete=models.PROTECT,
        related_name="waiver_requests",
        null=True,
        blank=True,
    )
    # The receiving party
    receiving_agency = models.ForeignKey(
        Organization,
        verbose_name=_("receiving agency"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Organization.Kind.AGENCY},
    )
    consignee = models.CharField(_("consignee"), max_length=300)
    end_user = models.CharField(_("end user"), max_length=300)
    end_use = models.TextField(_("end use"), max_length=4000)
    destination_country = models.CharField(_("destination country"), max_length=2, default="US")
    # What is shared, and its classification
    technology = models.TextField(_("technology or goods"), max_length=8000)
    classification = models.CharField(
        _("classification"), max_length=20, choices=Classification.choices, blank=True
    )
    control_list_item = models.CharField(
        _("control-list item number"),
        max_length=60,
        blank=True,
        help_text=_("The item of Japan's control list, e.g. 2(12) or 4(1)."),
    )
    not_listed_reasoning = models.TextField(_("why it is not listed"), max_length=4000, blank=True)
    us_classification = models.CharField(
        _("ECCN or USML category (US-origin content)"), max_length=60, blank=True
    )
    authorization_kind = models.CharField(
        _("kind of authorization"),
        max_length=20,
        choices=AuthorizationKind.choices,
        default=AuthorizationKind.INDIVIDUAL,
    )
    validity_months = models.PositiveSmallIntegerField(_("validity wanted (months)"), default=12)
    # Workflow
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    assigned_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    conditions = models.TextField(_("conditions"), blank=True, editable=False)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, editable=False)
    permit_number = models.CharField(_("permit number"), max_length=60, blank=True, editable=False)
    permit_date = models.DateField(_("permit date"), null=True, blank=True, editable=False)
    conditions_acknowledged_at = models.DateTimeField(
        _("conditions acknowledged at"), null=True, blank=True, editable=False
    )
    conditions_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("conditions acknowledged by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    decision_reasons = models.TextField(_("reasons"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("export-control request")
        verbose_name_plural = _("export-control requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="waiver_queue_idx")]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("waivers:detail", args=[self.pk])

    def save(self, *args, **kwargs):
        if not self.reference:
            self.reference = f"EC-{timezone.now():%Y}-{uuid.uuid4().hex[:8].upper()}"
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.classification == self.Classification.LISTED and not self.control_list_item:
            errors["control_list_item"] = _("Give the control-list item number.")
        if self.classification == self.Classification.NOT_LISTED and not self.not_listed_reasoning:
            errors["not_listed_reasoning"] = _("Explain why the technology is not listed.")
        if self.capability_id and self.firm_id and self.capability.organization_id != self.firm_id:
            errors["capability"] = _("Choose one of your firm's capabilities.")
        if self.response_id and self.response.organization_id != self.firm_id:
            errors["response"] = _("Choose one of your firm's responses.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED

    @property
    def is_in_effect(self) -> bool:
        """Approved, not expired, and its conditions (if any) acknowledged by the firm."""
        return (
            self.status == self.Status.APPROVED
            and (self.expires_on is None or self.expires_on >= tokyo_today())
            and (not self.conditions or self.conditions_acknowledged_at is not None)
        )


S = WaiverRequest.Status
DECIDED = frozenset({S.APPROVED, S.DENIED, S.WITHDRAWN, S.EXPIRED, S.REVOKED})


def tokyo_today():
    """Expiry is at the end of the expiry day in Asia/Tokyo (DESIGN.md)."""
    return timezone.now().astimezone(tokyo_today.zone).date()


tokyo_today.zone = ZoneInfo("Asia/Tokyo")


def private_storage():
    """The storage with no public URL (settings.STORAGES["private"])."""
    from django.core.files.storage import storages

    return storages["private"]


def document_path(instance, filename):
    """Server-generated names under a private root: never a public media URL."""
    return generated_name(f"waivers/{instance.request_id}", filename)


class WaiverDocument(models.Model):
    """A supporting document. Replacing one keeps the earlier version (`replaces`)."""

    class Kind(models.TextChoices):
        TECHNICAL = "technical", _("Technical description")
        END_USE = "end_use", _("End-use statement")
        CONTRACT = "contract", _("Contract")
        OTHER = "other", _("Other")

    request = models.ForeignKey(WaiverRequest, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(
        _("file"),
        upload_to=document_path,
        storage=private_storage,
        validators=[DocumentFileValidator(DOCUMENT_MAX_BYTES)],
        help_text=_("PDF, Word, Excel or PowerPoint, at most 25 MB."),
    )
    original_name = models.CharField(_("file name"), max_length=255)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("supporting document")
        verbose_name_plural = _("supporting documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "replaced_by")


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The export-control audit trail cannot be changed.")

    def delete(self):
        raise PermissionError("The export-control audit trail cannot be deleted.")

    _raw_delete = delete


class WaiverEvent(models.Model):
    """One step of a request's history. Written once, never edited or deleted."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        TRANSITION = "transition", _("Status changed")
        NO_CONFLICT = "no_conflict", _("Declared no conflict of interest")
        DOCUMENT_ADDED = "document_added", _("Document added")
        DOCUMENT_DOWNLOADED = "document_downloaded", _("Document downloaded")
        SCREENED = "screened", _("Screened against restricted-party lists")
        SCREENING_CLEARED = "screening_cleared", _("Possible restricted-party match cleared")

    request = models.ForeignKey(WaiverRequest, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(  # empty: the system (the daily expiry task)
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    action = models.CharField(_("action"), max_length=40, blank=True)
    from_status = models.CharField(_("from"), max_length=30, blank=True)
    to_status = models.CharField(_("to"), max_length=30, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["created_at", "pk"]
        base_manager_name = "objects"

    def __str__(self):
        return f"{self.request_id} · {self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionError("The export-control audit trail cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The export-control audit trail cannot be deleted.")


# --- Restricted-party screening ------------------------------------------------------


class ScreeningListEntry(models.Model):
    """One party of a restricted-party list, as an operator imported it from the list's
    published file (see screening.py). An import replaces the source's current entries in
    one transaction; an entry a match refers to is kept, marked `replaced_at`, because
    matches PROTECT the entries they name."""

    class Source(models.TextChoices):
        CSL = "csl", _("US Consolidated Screening List")
        METI_END_USER = "meti_end_user", _("METI End User List")

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    name = models.TextField(_("name"))
    alt_names = models.JSONField(_("alternative names"), default=list, blank=True)
    country = models.CharField(_("country or region"), max_length=300, blank=True)
    address = models.TextField(_("address"), blank=True)
    list_name = models.CharField(
        _("list"),
        max_length=300,
        blank=True,
        help_text=_("The list within the source, e.g. the Entity List of the CSL."),
    )
    programs = models.TextField(
        _("programs"),
        blank=True,
        help_text=_("The CSL's programs, or the End User List's type of WMD concern."),
    )
    source_reference = models.CharField(
        _("source's number"),
        max_length=100,
        blank=True,
        help_text=_("The entity number or id in the CSL, the row number in the End User List."),
    )
    normalized_name = models.CharField(_("normalised name"), max_length=500, editable=False)
    # The normalised name first, then each alternative name's, in the order of alt_names.
    normalized_names = models.JSONField(default=list, editable=False)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    replaced_at = models.DateTimeField(
        _("replaced at"),
        null=True,
        blank=True,
        help_text=_("Replaced by a later import; kept because a screening match names it."),
    )

    class Meta:
        verbose_name = _("restricted-party list entry")
        verbose_name_plural = _("restricted-party list entries")
        ordering = ["source", "name", "pk"]
        indexes = [
            models.Index(fields=["source", "replaced_at"], name="screening_entry_current_idx")
        ]

    def __str__(self):
        return f"{self.name} ({self.get_source_display()})"

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None


class ScreeningMatch(models.Model):
    """A possible match of one of a request's parties against a list entry. The listed
    name and its source are copied here so the record reads the same after the entry is
    replaced. A reviewer clears it with a comment; a match the party or the list no longer
    produces lapses (`lapsed_at`) rather than disappearing."""

    class Field(models.TextChoices):
        RECEIVING_AGENCY = "receiving_agency", _("Receiving agency")
        CONSIGNEE = "consignee", _("Consignee")
        END_USER = "end_user", _("End user")

    request = models.ForeignKey(
        WaiverRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="screening_matches",
    )
    field = models.CharField(_("party"), max_length=20, choices=Field.choices)
    screened_name = models.CharField(_("name screened"), max_length=300)
    entry = models.ForeignKey(
        ScreeningListEntry,
        verbose_name=_("list entry"),
        on_delete=models.PROTECT,
        related_name="matches",
    )
    matched_name = models.TextField(_("listed name matched"))
    listed_name = models.TextField(_("listed name"))
    source = models.CharField(_("source"), max_length=20, choices=ScreeningListEntry.Source.choices)
    list_name = models.CharField(_("list"), max_length=300, blank=True)
    source_reference = models.CharField(_("source's number"), max_length=100, blank=True)
    score = models.FloatField(_("score"))
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    lapsed_at = models.DateTimeField(_("no longer found at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleared by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    clearing_comment = models.TextField(_("clearing comment"), blank=True)

    class Meta:
        verbose_name = _("possible restricted-party match")
        verbose_name_plural = _("possible restricted-party matches")
        ordering = ["request", "found_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(cleared_at__isnull=True, cleared_by__isnull=True)
                    | (
                        models.Q(cleared_at__isnull=False, cleared_by__isnull=False)
                        & ~models.Q(clearing_comment="")
                    )
                ),
                name="screening_match_cleared_with_comment",
            ),
            models.UniqueConstraint(
                fields=["request", "field", "screened_name", "entry"],
                condition=models.Q(cleared_at__isnull=True, lapsed_at__isnull=True),
                name="screening_match_one_open_per_party_and_entry",
            ),
        ]

    def __str__(self):
        return f"{self.get_field_display()}: {self.matched_name}"

    @property
    def is_cleared(self) -> bool:
        return self.cleared_at is not None

    @property
    def is_open(self) -> bool:
        """Neither cleared nor lapsed: it holds the approval."""
        return self.cleared_at is None and self.lapsed_at is None
