from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from apps.core.text import NormalizingFormMixin
from apps.organizations import selectors, services
from apps.organizations.models import Membership, Organization
from apps.organizations.validators import normalize_corporate_number, validate_corporate_number

# Room for a Corporate Number typed with spaces or hyphens ("1 1803 0101 8771"): the
# browser must not cut a pasted number short before it is normalised to 13 digits.
CORPORATE_NUMBER_INPUT_LENGTH = 24


def _website_field():
    return forms.URLField(label=_("Website"), required=False, assume_scheme="https", max_length=200)


class OrganizationIdentifiersMixin:
    """Cleaning shared by every form that takes a Corporate Number or an e-mail domain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("corporate_number")
        if field is not None:
            field.max_length = CORPORATE_NUMBER_INPUT_LENGTH
            field.validators = [
                v for v in field.validators if not isinstance(v, MaxLengthValidator)
            ]
            field.validators.append(MaxLengthValidator(CORPORATE_NUMBER_INPUT_LENGTH))
            field.widget.attrs.update(
                maxlength=CORPORATE_NUMBER_INPUT_LENGTH, inputmode="numeric", autocomplete="off"
            )

    def clean_corporate_number(self):
        number = self.cleaned_data.get("corporate_number")
        if not number:
            return None
        number = normalize_corporate_number(number)
        validate_corporate_number(number)
        if number != self.instance.corporate_number:
            services.check_corporate_number_free(number)
        return number

    def clean_email_domain(self):
        domain = (self.cleaned_data.get("email_domain") or "").strip().lower().lstrip("@")
        return domain


class PrimaryContactMixin:
    """Limits the primary contact to the organization's members, shown with their address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("primary_contact")
        if field is not None:
            field.queryset = selectors.primary_contact_choices(self.instance)
            field.label_from_instance = _contact_label


def _contact_label(user) -> str:
    if user.display_name:
        return f"{user.display_name} <{user.email}>"
    return user.email


class OrganizationForm(OrganizationIdentifiersMixin, NormalizingFormMixin, forms.ModelForm):
    website = _website_field()

    class Meta:
        model = Organization
        fields = [
            "kind",
            "name_en",
            "name_ja",
            "name_kana",
            "corporate_number",
            "country",
            "postal_code",
            "prefecture",
            "city",
            "address",
            "website",
            "time_zone",
            "email_domain",
            "uei",
            "cage_code",
        ]
        widgets = {"kind": forms.RadioSelect}
        help_texts = {
            "kind": _(
                "Firms can use the portal at once. Agencies, intermediaries and regulators "
                "are verified by the portal's operators first."
            ),
        }

    # Fields that only concern some kinds; portal.js hides the others (the form works without).
    KIND_SPECIFIC = {
        "corporate_number": "firm",
        "name_kana": "firm intermediary regulator",
        "uei": "agency",
        "cage_code": "agency",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].choices = Organization.Kind.choices
            for name, kinds in self.KIND_SPECIFIC.items():
                self.fields[name].widget.attrs["data-kinds"] = kinds


PROFILE_FIELDS = ["employees_band", "founded_year", "pitch_en", "pitch_ja", "primary_contact"]
PITCH_WIDGETS = {
    "pitch_en": forms.Textarea(attrs={"rows": 5}),
    "pitch_ja": forms.Textarea(attrs={"rows": 5, "lang": "ja"}),
}


class OrganizationUpdateForm(PrimaryContactMixin, OrganizationForm):
    class Meta(OrganizationForm.Meta):
        fields = [name for name in OrganizationForm.Meta.fields if name != "kind"] + PROFILE_FIELDS
        widgets = PITCH_WIDGETS

    KIND_SPECIFIC = {
        **OrganizationForm.KIND_SPECIFIC,
        "employees_band": "firm",
        "founded_year": "firm",
        "pitch_en": "firm",
        "pitch_ja": "firm",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, kinds in self.KIND_SPECIFIC.items():
            if self.instance.kind not in kinds.split():
                del self.fields[name]


class FirmRegistrationForm(OrganizationIdentifiersMixin, NormalizingFormMixin, forms.ModelForm):
    """Onboarding step 1: who the firm is. The service adds kind, country and ownership."""

    class Meta:
        model = Organization
        fields = ["corporate_number", "name_en", "name_ja", "name_kana", "email_domain"]
        widgets = {"name_ja": forms.TextInput(attrs={"lang": "ja"})}
        help_texts = {
            "corporate_number": _(
                "Japan's 13-digit Corporate Number (法人番号), as on the National Tax Agency's "
                "Corporate Number site. Full-width digits, spaces and hyphens are fine."
            ),
            "name_en": _("Give the legal name in English, Japanese or both."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corporate_number"].required = True
        self.fields["corporate_number"].error_messages["required"] = _(
            "A Japanese firm registers with its Corporate Number."
        )


class FirmDetailsForm(NormalizingFormMixin, forms.ModelForm):
    """Onboarding step 2: where the firm is, how large and how old."""

    website = _website_field()

    class Meta:
        model = Organization
        fields = [
            "prefecture",
            "city",
            "postal_code",
            "address",
            "employees_band",
            "founded_year",
            "website",
        ]
        widgets = {"founded_year": forms.NumberInput(attrs={"inputmode": "numeric"})}


class FirmPitchForm(PrimaryContactMixin, NormalizingFormMixin, forms.ModelForm):
    """Onboarding step 3: what agencies read first, and whom they contact."""

    class Meta:
        model = Organization
        fields = ["pitch_en", "pitch_ja", "primary_contact"]
        widgets = PITCH_WIDGETS


class InvitationForm(NormalizingFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )
    is_export_control_officer = forms.BooleanField(
        label=_("Export-control officer"),
        required=False,
        help_text=_("May file and sign the firm's export-control requests."),
    )


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "is_export_control_officer"]


class JoinRequestForm(NormalizingFormMixin, forms.Form):
    message = forms.CharField(
        label=_("Message to the firm's owners (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
    )


class PartnerForm(OrganizationIdentifiersMixin, NormalizingFormMixin, forms.Form):
    """Add one firm to an intermediary's network."""

    name = forms.CharField(label=_("Firm name"), max_length=200)
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("Whom to invite: a person at the firm who can register it."),
    )
    corporate_number = forms.CharField(
        label=_("Corporate Number"),
        help_text=_("The firm's 13-digit Corporate Number (法人番号)."),
    )

    def clean_email(self):
        return self.cleaned_data["email"].lower()

    def clean_corporate_number(self):
        # A partner's firm may well be registered already: that is not an error here.
        number = normalize_corporate_number(self.cleaned_data["corporate_number"])
        validate_corporate_number(number)
        return number


class PartnerImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One firm per row, with the columns name, email and corporate_number (or 会社名, "
            "メールアドレス and 法人番号), in UTF-8 or Shift_JIS. At most 2,000 rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        from apps.organizations.partner_csv import MAX_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d KB; split it into smaller files.")
                % {"limit": MAX_BYTES // 1024}
            )
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(
                _("Upload a .csv file (from a spreadsheet: File → Save as → CSV).")
            )
        return upload
