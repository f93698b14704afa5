from datetime import UTC, date

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import localized
from apps.core.models import SearchableModel, TimeStampedModel
from apps.core.uploads import PdfFileValidator, generated_name
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea

BROCHURE_MAX_BYTES = 10 * 1024 * 1024

# The standard one-line definitions of technology readiness levels (US DoD / NASA).
TRL_DEFINITIONS = {
    1: _("Basic principles observed and reported"),
    2: _("Technology concept and/or application formulated"),
    3: _("Analytical and experimental critical function and/or proof of concept"),
    4: _("Component and/or breadboard validation in a laboratory environment"),
    5: _("Component and/or breadboard validation in a relevant environment"),
    6: _("System/subsystem model or prototype demonstration in a relevant environment"),
    7: _("System prototype demonstration in an operational environment"),
    8: _("Actual system completed and qualified through test and demonstration"),
    9: _("Actual system proven through successful mission operations"),
}


def trl_choices():
    return [(level, f"TRL {level} — {text}") for level, text in TRL_DEFINITIONS.items()]


def brochure_path(instance, filename):
    return generated_name(f"capabilities/{instance.organization_id}/brochures", filename)


class Capability(SearchableModel, TimeStampedModel):
    """What a firm can do, in English and/or Japanese, for agencies to find."""

    class ExportControl(models.TextChoices):
        NOT_LISTED = "not_listed", _("Not listed (not controlled)")
        LISTED = "listed", _("Listed under Japan's control lists")
        UNKNOWN = "unknown", _("Unknown — classification needed")

    class Visibility(models.TextChoices):
        AGENCIES = "agencies", _("Verified agencies and intermediaries only")
        PUBLIC = "public", _("Also in the public directory")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("firm"),
        on_delete=models.CASCADE,
        related_name="capabilities",
        limit_choices_to={"kind": Organization.Kind.FIRM},
    )
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200, blank=True)
    summary_en = models.TextField(_("summary (English)"), max_length=1000, blank=True)
    summary_ja = models.TextField(_("summary (Japanese)"), max_length=1000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=10000, blank=True)
    description_ja = models.TextField(_("description (Japanese)"), max_length=10000, blank=True)
    areas = models.ManyToManyField(
        TechnologyArea, verbose_name=_("technology areas"), related_name="capabilities"
    )
    # The areas' lexemes alone (apps.core.search), kept with the search vector: small
    # enough for the directory's order index to carry (see Meta.indexes).
    area_vector = SearchVectorField(null=True, editable=False)
    trl = models.PositiveSmallIntegerField(
        _("technology readiness level"),
        choices=trl_choices,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    is_dual_use = models.BooleanField(_("dual-use"), default=True)
    civil_application_en = models.TextField(
        _("civil application (English)"), max_length=2000, blank=True
    )
    civil_application_ja = models.TextField(
        _("civil application (Japanese)"), max_length=2000, blank=True
    )
    export_control_status = models.CharField(
        _("export-control status"),
        max_length=20,
        choices=ExportControl.choices,
        default=ExportControl.UNKNOWN,
    )
    control_list_item = models.CharField(
        _("control list item number"),
        max_length=50,
        blank=True,
        help_text=_("The item number in Japan's Export Trade Control Order, e.g. 2(1) or 4(7)."),
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated, in either language, e.g. SAR, 小型衛星, small-sat."),
    )
    prior_work_en = models.TextField(
        _("prior defense or government work (English)"), max_length=4000, blank=True
    )
    prior_work_ja = models.TextField(
        _("prior defense or government work (Japanese)"), max_length=4000, blank=True
    )
    brochure = models.FileField(
        _("brochure (PDF)"),
        upload_to=brochure_path,
        blank=True,
        validators=[PdfFileValidator(BROCHURE_MAX_BYTES)],
        help_text=_("Optional. A PDF of at most 10 MB."),
    )
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.AGENCIES
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
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
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trl__gte=1, trl__lte=9), name="capability_trl_between_1_and_9"
            ),
            models.CheckConstraint(
                condition=~Q(title_en="") | ~Q(title_ja=""), name="capability_has_a_title"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "visibility", "-published_at"]),
            # The directory's default order (newest first), straight from the index; it
            # carries the columns of the directory's filters (the areas' lexemes among
            # them), so that a filtered page is read from the index alone (migration 0008).
            models.Index(
                fields=["status", "-published_at", "-id"],
                include=[
                    "area_vector",
                    "visibility",
                    "trl",
                    "is_dual_use",
                    "export_control_status",
                ],
                name="capability_newest_cover_idx",
            ),
            models.Index(fields=["trl"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("capabilities:detail", args=[self.pk])

    def clean(self):
        errors = {}
        if not self.title_en.strip() and not self.title_ja.strip():
            errors["title_en"] = _("Give a title in English or Japanese (or both).")
        if not self.summary_en.strip() and not self.summary_ja.strip():
            errors["summary_en"] = _("Give a summary in English or Japanese (or both).")
        if self.export_control_status == self.ExportControl.LISTED and not self.control_list_item:
            errors["control_list_item"] = _(
                "Give the control list item number of a listed technology."
            )
        if self.is_dual_use and not (self.civil_application_en or self.civil_application_ja):
            errors["civil_application_en"] = _(
                "Describe the civil application of a dual-use technology."
            )
        if self.organization_id and self.organization.kind != Organization.Kind.FIRM:
            errors["organization"] = _("Only firms register capabilities.")
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        return localized(self, "title")[0]

    @property
    def summary(self) -> str:
        return localized(self, "summary")[0]

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class CapabilityRevision(models.Model):
    """One edit of a capability: who changed which fields, when, from what to what.
    Insert-only; shown to the firm's members as the edit history."""

    capability = models.ForeignKey(Capability, on_delete=models.CASCADE, related_name="revisions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("capability revision")
        verbose_name_plural = _("capability revisions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.capability_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"


class Exposure(models.Model):
    """How often a firm was found on one day, by kind: a counter, never who found it.

    `capability` is the capability that was found (a firm's best match in a matched-firms
    list, a capability page viewed), or empty when the firm as a whole was (its profile
    page viewed, a digest item matched). Rows are only ever added to, by
    services.exposures_record()."""

    class Kind(models.TextChoices):
        MATCH = "match", _("Listed among an opportunity's matched firms")
        DIGEST = "digest", _("Sent in a digest as a match")
        PROFILE_VIEW = "profile_view", _("Viewed by agency or intermediary staff")

    firm = models.ForeignKey(
        Organization,
        verbose_name=_("firm"),
        on_delete=models.CASCADE,
        related_name="exposures",
        limit_choices_to={"kind": Organization.Kind.FIRM},
    )
    capability = models.ForeignKey(
        Capability,
        verbose_name=_("capability"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exposures",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    day = models.DateField(_("day (UTC)"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
        # One counter per firm, capability (or none), kind and day. Two partial indexes
        # rather than one, because a unique index treats every NULL as distinct: the
        # upsert names the one its rows fall under (services.exposures_record).
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "capability", "kind", "day"],
                condition=Q(capability__isnull=False),
                name="exposure_once_per_capability_day",
            ),
            models.UniqueConstraint(
                fields=["firm", "kind", "day"],
                condition=Q(capability__isnull=True),
                name="exposure_once_per_firm_day",
            ),
        ]

    def __str__(self):
        return f"{self.firm_id}/{self.capability_id or '-'} {self.kind} {self.day}: {self.count}"

    @staticmethod
    def today() -> date:
        """Counters are kept per UTC day, as every time is stored."""
        return timezone.now().astimezone(UTC).date()
