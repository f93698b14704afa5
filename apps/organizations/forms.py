from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.text import NormalizingFormMixin
from apps.organizations import services
from apps.organizations.models import Membership, Organization
from apps.organizations.validators import normalize_corporate_number, validate_corporate_number


class OrganizationForm(NormalizingFormMixin, forms.ModelForm):
    website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=200
    )

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


class OrganizationUpdateForm(OrganizationForm):
    class Meta(OrganizationForm.Meta):
        fields = [name for name in OrganizationForm.Meta.fields if name != "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, kinds in self.KIND_SPECIFIC.items():
            if self.instance.kind not in kinds.split():
                del self.fields[name]


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
