from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.accounts import services
from apps.accounts.models import User
from apps.accounts.validators import validate_kana
from apps.core.text import NormalizingFormMixin


def _consent_label():
    return format_html(
        _(
            'I agree to the <a href="{terms}">terms of use</a> and the <a href="{privacy}">'
            "privacy policy</a>, including that my organization's contact details may be "
            "shown to US government agencies."
        ),
        terms=reverse_lazy("core:terms"),
        privacy=reverse_lazy("core:privacy"),
    )


class SignupForm(NormalizingFormMixin, forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    # allauth orders the combined form by this list: consent comes last, just above the button.
    field_order = ["email", "display_name", "password1", "password2", "accept_terms"]

    display_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    accept_terms = forms.BooleanField(
        required=True,
        error_messages={
            "required": _("You must agree to the terms of use and privacy policy to sign up.")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accept_terms"].label = _consent_label()

    def clean(self):
        """allauth checks the password against a user that has only the e-mail address;
        the name typed beside it counts too. A password refused here is not checked
        again (allauth skips a field that already has an error)."""
        cleaned_data = super().clean()
        password = cleaned_data.get("password1")
        name = cleaned_data.get("display_name")
        if password and name:
            candidate = User(email=cleaned_data.get("email") or "", display_name=name)
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned_data

    def signup(self, request, user):
        user.display_name = self.cleaned_data.get("display_name", "")
        language = get_language() or "en"
        user.preferred_language = "ja" if language.startswith("ja") else "en"
        user.save(update_fields=["display_name", "preferred_language"])
        services.user_accept_terms(user=user)


class ProfileForm(NormalizingFormMixin, forms.ModelForm):
    display_name_kana = forms.CharField(
        label=User._meta.get_field("display_name_kana").verbose_name,
        help_text=User._meta.get_field("display_name_kana").help_text,
        max_length=150,
        required=False,
        validators=[validate_kana],
    )

    class Meta:
        model = User
        fields = ["display_name", "display_name_kana", "preferred_language", "time_zone"]
