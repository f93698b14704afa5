import secrets
import zoneinfo
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from apps.accounts.models import time_zone_choices
from apps.accounts.validators import validate_kana
from apps.core.i18n import choice_label
from apps.core.models import TimeStampedModel
from apps.organizations.validators import (
    validate_cage,
    validate_corporate_number,
    validate_uei,
)


class Prefecture(models.TextChoices):
    HOKKAIDO = "01", _("Hokkaido")
    AOMORI = "02", _("Aomori")
    IWATE = "03", _("Iwate")
    MIYAGI = "04", _("Miyagi")
    AKITA = "05", _("Akita")
    YAMAGATA = "06", _("Yamagata")
    FUKUSHIMA = "07", _("Fukushima")
    IBARAKI = "08", _("Ibaraki")
    TOCHIGI = "09", _("Tochigi")
    GUNMA = "10", _("Gunma")
    SAITAMA = "11", _("Saitama")
    CHIBA = "12", _("Chiba")
    TOKYO = "13", _("Tokyo")
    KANAGAWA = "14", _("Kanagawa")
    NIIGATA = "15", _("Niigata")
    TOYAMA = "16", _("Toyama")
    ISHIKAWA = "17", _("Ishikawa")
    FUKUI = "18", _("Fukui")
    YAMANASHI = "19", _("Yamanashi")
    NAGANO = "20", _("Nagano")
    GIFU = "21", _("Gifu")
    SHIZUOKA = "22", _("Shizuoka")
    AICHI = "23", _("Aichi")
    MIE = "24", _("Mie")
    SHIGA = "25", _("Shiga")
    KYOTO = "26", _("Kyoto")
    OSAKA = "27", _("Osaka")
    HYOGO = "28", _("Hyogo")
    NARA = "29", _("Nara")
    WAKAYAMA = "30", _("Wakayama")
    TOTTORI = "31", _("Tottori")
    SHIMANE = "32", _("Shimane")
    OKAYAMA = "33", _("Okayama")
    HIROSHIMA = "34", _("Hiroshima")
    YAMAGUCHI = "35", _("Yamaguchi")
    TOKUSHIMA = "36", _("Tokushima")
    KAGAWA = "37", _("Kagawa")
    EHIME = "38", _("Ehime")
    KOCHI = "39", _("Kochi")
    FUKUOKA = "40", _("Fukuoka")
    SAGA = "41", _("Saga")
    NAGASAKI = "42", _("Nagasaki")
    KUMAMOTO = "43", _("Kumamoto")
    OITA = "44", _("Oita")
    MIYAZAKI = "45", _("Miyazaki")
    KAGOSHIMA = "46", _("Kagoshima")
    OKINAWA = "47", _("Okinawa")


PITCH_MAX_LENGTH = 600
FOUNDED_YEAR_MIN = 1800


class LocalizedText(NamedTuple):
    """A bilingual text as one viewer sees it: in their language, else in the other one
    (`is_fallback` then says so, for the page to mark it)."""

    text: str
    language: str
    is_fallback: bool


def localized_text(text_en: str, text_ja: str) -> LocalizedText:
    wanted, other = ("ja", "en") if (get_language() or "en").startswith("ja") else ("en", "ja")
    texts = {"en": text_en, "ja": text_ja}
    if texts[wanted]:
        return LocalizedText(texts[wanted], wanted, False)
    if texts[other]:
        return LocalizedText(texts[other], other, True)
    return LocalizedText("", wanted, False)


class Organization(TimeStampedModel):
    """A firm, a US agency office, an intermediary or an export-control regulator."""

    class Kind(models.TextChoices):
        FIRM = "firm", _("Firm")
        AGENCY = "agency", _("Agency")
        INTERMEDIARY = "intermediary", _("Intermediary")
        REGULATOR = "regulator", _("Regulator")

    class Verification(models.TextChoices):
        NOT_REQUIRED = "not_required", _("Not required")
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    class EmployeesBand(models.TextChoices):
        B1_9 = "1-9", _("1–9 employees")
        B10_49 = "10-49", _("10–49 employees")
        B50_299 = "50-299", _("50–299 employees")
        B300_999 = "300-999", _("300–999 employees")
        B1000_PLUS = "1000+", _("1,000 employees or more")

    # Kinds whose members gain rights beyond the public's only once an operator verifies.
    VETTED_KINDS = (Kind.AGENCY, Kind.INTERMEDIARY, Kind.REGULATOR)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_en = models.CharField(_("legal name (English)"), max_length=200, blank=True)
    name_ja = models.CharField(_("legal name (Japanese)"), max_length=200, blank=True)
    name_kana = models.CharField(
        _("name reading (kana)"), max_length=200, blank=True, validators=[validate_kana]
    )
    country = CountryField(_("country"), default="JP")
    website = models.URLField(_("website"), blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    prefecture = models.CharField(
        _("prefecture"), max_length=2, choices=Prefecture.choices, blank=True
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("street address"), max_length=300, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=time_zone_choices, default="Asia/Tokyo"
    )
    # NULL, not "", for organizations without one: the unique constraint ignores NULLs.
    corporate_number = models.CharField(  # noqa: DJ001
        _("Corporate Number"),
        max_length=13,
        null=True,
        blank=True,
        validators=[validate_corporate_number],
        help_text=_("Japan's 13-digit Corporate Number (法人番号)."),
    )
    uei = models.CharField(
        _("UEI"),
        max_length=12,
        blank=True,
        validators=[validate_uei],
        help_text=_("SAM.gov Unique Entity ID, for US organizations."),
    )
    cage_code = models.CharField(
        _("CAGE / NCAGE code"), max_length=5, blank=True, validators=[validate_cage]
    )
    email_domain = models.CharField(
        _("e-mail domain"),
        max_length=253,
        blank=True,
        db_index=True,
        help_text=_("Colleagues with addresses at this domain may ask to join."),
    )
    verification_status = models.CharField(
        _("verification"),
        max_length=20,
        choices=Verification.choices,
        default=Verification.PENDING,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    # The firm profile agencies read.
    employees_band = models.CharField(
        _("number of employees"), max_length=10, choices=EmployeesBand.choices, blank=True
    )
    founded_year = models.PositiveSmallIntegerField(_("founding year"), null=True, blank=True)
    pitch_en = models.TextField(
        _("pitch (English)"),
        max_length=PITCH_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(PITCH_MAX_LENGTH)],
        help_text=_(
            "Two or three sentences for US program offices: what your technology does, "
            "which problem it solves and what it has already shown (customers, trials, "
            "readiness). At most 600 characters."
        ),
    )
    pitch_ja = models.TextField(
        _("pitch (Japanese)"),
        max_length=PITCH_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(PITCH_MAX_LENGTH)],
        help_text=_(
            "The same pitch in Japanese, for Japanese partners and reviewers. At most 600 "
            "characters."
        ),
    )
    primary_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("primary contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The member whom agencies may contact about this organization. Verified agency, "
            "intermediary and regulator staff see this person's name and e-mail address once "
            "they have accepted the terms of use."
        ),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations"
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name_en", "name_ja"]
        constraints = [
            models.UniqueConstraint(
                fields=["corporate_number"],
                condition=Q(corporate_number__isnull=False),
                name="organization_unique_corporate_number",
                violation_error_message=_(
                    "A firm with this Corporate Number is already registered."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(name_en="") | ~Q(name_ja=""),
                name="organization_has_a_name",
                violation_error_message=_("Give the legal name in English or Japanese."),
            ),
            models.CheckConstraint(
                condition=Q(founded_year__isnull=True) | Q(founded_year__gte=FOUNDED_YEAR_MIN),
                name="organization_founded_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(kind="firm", verification_status="not_required")
                | (~Q(kind="firm") & ~Q(verification_status="not_required")),
                name="organization_vetting_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["kind", "verification_status"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organizations:detail", args=[self.pk])

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.corporate_number:
            self.corporate_number = self.corporate_number.strip()
        if self.kind == self.Kind.FIRM and self.country == "JP" and not self.corporate_number:
            errors["corporate_number"] = _("A Japanese firm registers with its Corporate Number.")
        if self.prefecture and self.country != "JP":
            errors["prefecture"] = _("A prefecture is given only for an address in Japan.")
        if not self.name_en and not self.name_ja:
            errors["name_en"] = _("Give the legal name in English or Japanese.")
        if self.founded_year is not None:
            this_year = self._current_year()
            if not FOUNDED_YEAR_MIN <= self.founded_year <= this_year:
                errors["founded_year"] = _(
                    "Give the year the firm was founded, between %(first)d and %(last)d."
                ) % {"first": FOUNDED_YEAR_MIN, "last": this_year}
        if self.primary_contact_id is not None and not (
            self.pk is not None
            and Membership.objects.filter(
                organization_id=self.pk, user_id=self.primary_contact_id
            ).exists()
        ):
            errors["primary_contact"] = _(
                "The primary contact must be a member of the organization."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def prefecture_label(self) -> str:
        return choice_label(Prefecture, self.prefecture)

    @property
    def name(self) -> str:
        if (get_language() or "en").startswith("ja"):
            return self.name_ja or self.name_en
        return self.name_en or self.name_ja

    @property
    def pitch(self) -> LocalizedText:
        return localized_text(self.pitch_en, self.pitch_ja)

    def _current_year(self) -> int:
        """This year where the organization is (a firm founded on New Year's Day in Tokyo
        is not in the future)."""
        try:
            zone = zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("Asia/Tokyo")
        return timezone.now().astimezone(zone).year

    @property
    def needs_verification(self) -> bool:
        return self.kind in self.VETTED_KINDS

    @property
    def is_verified(self) -> bool:
        """True when the organization's members may use the rights of its kind."""
        return self.verification_status in (
            self.Verification.VERIFIED,
            self.Verification.NOT_REQUIRED,
        )


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    is_export_control_officer = models.BooleanField(
        _("export-control officer"),
        default=False,
        help_text=_("Allowed to file and sign the firm's export-control requests."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                name="membership_unique_user_organization",
                violation_error_message=_("This person is already a member."),
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.is_export_control_officer and self.organization.kind != Organization.Kind.FIRM:
            raise ValidationError(
                {"is_export_control_officer": _("Only firms have export-control officers.")}
            )

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=14)


class Invitation(TimeStampedModel):
    """An e-mailed invitation to join an organization, accepted by the invitee after they
    sign in with the invited address."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=20, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    is_export_control_officer = models.BooleanField(_("export-control officer"), default=False)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"), default=_invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    def get_absolute_url(self):
        return reverse("organizations:invitation", args=[self.token])

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class JoinRequest(TimeStampedModel):
    """A colleague whose e-mail domain matches a firm's asks to join it; an owner decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="join_requests",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="join_requests",
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(status="pending"),
                name="joinrequest_one_pending_per_user",
                violation_error_message=_("You have already asked to join this firm."),
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.organization} ({self.get_status_display()})"


class Partnership(TimeStampedModel):
    """A firm in an intermediary's partner network. Invited by e-mail with the details the
    intermediary knows; `firm` is set once a firm with that Corporate Number is on the
    portal (at once if it already is, or when the invitee registers it)."""

    intermediary = models.ForeignKey(
        Organization,
        verbose_name=_("intermediary"),
        on_delete=models.CASCADE,
        related_name="partnerships",
        limit_choices_to={"kind": Organization.Kind.INTERMEDIARY},
    )
    firm = models.ForeignKey(
        Organization,
        verbose_name=_("firm"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_of",
        limit_choices_to={"kind": Organization.Kind.FIRM},
    )
    name = models.CharField(_("firm name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    corporate_number = models.CharField(
        _("Corporate Number"), max_length=13, validators=[validate_corporate_number]
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True)
    joined_at = models.DateTimeField(_("on the portal since"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["intermediary", "corporate_number"],
                name="partnership_once_per_corporate_number",
                violation_error_message=_("This firm is already in your network."),
            )
        ]
        indexes = [models.Index(fields=["corporate_number"], name="partnership_number_idx")]

    def __str__(self):
        return f"{self.name} ({self.corporate_number}) ← {self.intermediary_id}"

    def get_invitation_url(self) -> str:
        return reverse("organizations:partner_invitation", args=[self.token])

    @property
    def is_on_portal(self) -> bool:
        return self.firm_id is not None


class PartnerImport(TimeStampedModel):
    """An uploaded CSV of partners, checked row by row and shown as a preview; imported
    as a whole, in one transaction, when the uploader confirms."""

    intermediary = models.ForeignKey(
        Organization,
        verbose_name=_("intermediary"),
        on_delete=models.CASCADE,
        related_name="partner_imports",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    filename = models.CharField(_("file name"), max_length=255)
    # [{"line": 2, "name": ..., "email": ..., "corporate_number": ..., "errors": [...]}, ...]
    rows = models.JSONField(default=list)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    imported_count = models.PositiveIntegerField(_("rows imported"), default=0)

    class Meta:
        verbose_name = _("partner import")
        verbose_name_plural = _("partner imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.filename} → {self.intermediary_id}"
