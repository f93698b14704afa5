"""The firm's forms: a request (draft), a supporting document, an answer to an
information request, and the confirmations of workflow actions."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from apps.capabilities.models import Capability
from apps.core.text import NormalizingFormMixin
from apps.opportunities.models import Opportunity, Response
from apps.opportunities.selectors import PUBLIC_STATUSES
from apps.organizations.models import Organization
from apps.waivers.models import WaiverDocument, WaiverRequest
from apps.waivers.services import EDITABLE_FIELDS


class WaiverRequestForm(NormalizingFormMixin, forms.ModelForm):
    """Everything the firm files. A draft may be incomplete in one respect only: the
    classification may wait until submission; the rest is needed to save it."""

    destination_country = forms.ChoiceField(
        label=_("Destination country"), choices=lambda: list(countries), initial="US"
    )

    class Meta:
        model = WaiverRequest
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "end_use": forms.Textarea(attrs={"rows": 3}),
            "technology": forms.Textarea(attrs={"rows": 4}),
            "not_listed_reasoning": forms.Textarea(attrs={"rows": 3}),
            "classification": forms.RadioSelect,
            "authorization_kind": forms.RadioSelect,
        }
        help_texts = {
            "consignee": _("Who receives the technology or goods (the party it is sent to)."),
            "end_user": _("Who finally uses it, if not the consignee."),
            "end_use": _("What it will be used for, in a few sentences."),
            "technology": _("What is shared: the technical data, software or goods."),
            "opportunity": _("The opportunity this is for, if any."),
            "response": _("Your response that will carry the controlled material, if any."),
            "validity_months": _("How long the authorization should last, in months."),
        }
        error_messages = {
            "capability": {"required": _("Choose the capability concerned.")},
            "receiving_agency": {"required": _("Choose the agency that receives it.")},
            "consignee": {"required": _("Name the consignee.")},
            "end_user": {"required": _("Name the end user.")},
            "end_use": {"required": _("Describe the end use.")},
            "technology": {"required": _("Describe the technology or goods.")},
        }

    sections = (
        (_("What is shared"), ("capability", "technology", "opportunity", "response")),
        (
            _("Classification"),
            ("classification", "control_list_item", "not_listed_reasoning", "us_classification"),
        ),
        (
            _("The receiving party"),
            ("receiving_agency", "consignee", "end_user", "end_use", "destination_country"),
        ),
        (_("The authorization asked for"), ("authorization_kind", "validity_months")),
    )

    def __init__(self, *args, firm: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.firm = firm
        fields = self.fields
        fields["capability"].queryset = Capability.objects.filter(organization=firm).order_by(
            "title_en", "title_ja"
        )
        fields["receiving_agency"].queryset = Organization.objects.filter(
            kind=Organization.Kind.AGENCY,
            verification_status=Organization.Verification.VERIFIED,
        ).order_by("name_en")
        # What the public sees (drafts and cancelled opportunities are the agency's own),
        # and the one a draft already names.
        fields["opportunity"].queryset = Opportunity.objects.filter(
            Q(status__in=PUBLIC_STATUSES) | Q(pk=self.instance.opportunity_id)
        ).order_by("-published_at")
        fields["response"].queryset = Response.objects.filter(organization=firm).select_related(
            "opportunity"
        )
        fields["response"].label_from_instance = lambda r: (
            f"{r.opportunity.reference_number} — {r.get_kind_display()}"
        )
        fields["classification"].choices = list(WaiverRequest.Classification.choices)
        fields["classification"].required = False
        fields["classification"].help_text = _(
            "Your firm's classification (該非判定). You may leave it for later, but a request "
            "cannot be submitted without it."
        )
        fields["validity_months"].widget.attrs.update({"min": 1, "max": 60})
        self._rows = [(title, [self[name] for name in names]) for title, names in self.sections]

    def form_sections(self):
        return self._rows

    def clean_validity_months(self):
        value = self.cleaned_data.get("validity_months")
        if value is not None and not 1 <= value <= 60:
            raise forms.ValidationError(_("Ask for between 1 and 60 months."))
        return value

    def clean(self):
        cleaned = super().clean()
        response = cleaned.get("response")
        opportunity = cleaned.get("opportunity")
        if response and opportunity and response.opportunity_id != opportunity.pk:
            self.add_error("response", _("This response answers another opportunity."))
        if response and not opportunity:
            cleaned["opportunity"] = response.opportunity
        return cleaned

    def changed_data_dict(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=WaiverDocument.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, Excel or PowerPoint, at most 25 MB."),
        error_messages={"required": _("Choose a file.")},
    )
    replaces = forms.ModelChoiceField(
        label=_("Replaces"),
        queryset=WaiverDocument.objects.none(),
        required=False,
        empty_label=_("Nothing: it is a new document"),
        help_text=_("The earlier version stays in the record."),
    )

    def __init__(self, *args, request: WaiverRequest, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        current = [d.pk for d in request.documents.all() if d.is_current]
        self.fields["replaces"].queryset = WaiverDocument.objects.filter(pk__in=current)
        self.fields["file"].required = required
        self.fields["kind"].required = required

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("file") and not cleaned.get("kind"):
            self.add_error("kind", _("Choose the kind of document."))
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            field = WaiverDocument._meta.get_field("file")
            for validator in field.validators:
                validator(upload)
        return upload


class InformationResponseForm(NormalizingFormMixin, forms.Form):
    message = forms.CharField(
        label=_("Your answer to the reviewer"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=8000,
        error_messages={"required": _("Write your answer: it goes into the record.")},
    )


class ActionForm(NormalizingFormMixin, forms.Form):
    """Confirms a workflow action by the firm; `version` is the version the user saw."""

    action = forms.ChoiceField(
        choices=[
            ("submit", "submit"),
            ("resubmit", "resubmit"),
            ("withdraw", "withdraw"),
            ("acknowledge_conditions", "acknowledge_conditions"),
        ]
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
