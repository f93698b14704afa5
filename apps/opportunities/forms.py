from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.capabilities.forms import AreaChoiceField
from apps.core.text import NormalizingFormMixin
from apps.opportunities.models import Attachment, Opportunity

DEADLINE_YEARS = (1900, 2999)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class OpportunityForm(NormalizingFormMixin, forms.ModelForm):
    """Deadlines are typed in the agency's own time zone (shown next to the field) and
    stored in UTC."""

    areas = AreaChoiceField(
        label=_("Technology areas"),
        error_messages={"required": _("Choose at least one technology area.")},
    )
    reason = forms.CharField(
        label=_("Reason for the amendment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_(
            "Required once the opportunity is published: firms see it in the amendment history."
        ),
    )

    class Meta:
        model = Opportunity
        fields = [
            "reference_number",
            "title_en",
            "title_ja",
            "summary_en",
            "summary_ja",
            "description_en",
            "description_ja",
            "vehicle",
            "areas",
            "trl_min",
            "trl_max",
            "funding_min",
            "funding_max",
            "currency",
            "response_deadline",
            "question_deadline",
            "place_of_performance",
            "foreign_participation",
            "export_authorization_required",
            "points_of_contact",
        ]
        widgets = {
            "summary_en": forms.Textarea(attrs={"rows": 3}),
            "summary_ja": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 8}),
            "description_ja": forms.Textarea(attrs={"rows": 8}),
            "points_of_contact": forms.Textarea(attrs={"rows": 3}),
            "response_deadline": DateTimeLocalInput(),
            "question_deadline": DateTimeLocalInput(),
            "foreign_participation": forms.RadioSelect,
            "vehicle": forms.RadioSelect,
        }

    SECTIONS = (
        (_("Identification"), ("reference_number", "vehicle")),
        (_("Title and summary"), ("title_en", "title_ja", "summary_en", "summary_ja")),
        (_("Description"), ("description_en", "description_ja")),
        (_("What is sought"), ("areas", "trl_min", "trl_max")),
        (_("Funding"), ("funding_min", "funding_max", "currency")),
        (_("Deadlines"), ("response_deadline", "question_deadline")),
        (
            _("Participation and export control"),
            ("place_of_performance", "foreign_participation", "export_authorization_required"),
        ),
        (_("Points of contact"), ("points_of_contact",)),
        (_("Amendment"), ("reason",)),
    )

    def __init__(self, *args, agency_time_zone=None, amending=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"]._set_choices_from_tree()
        for name in ("trl_min", "trl_max"):
            self.fields[name].widget = forms.NumberInput(attrs={"min": 1, "max": 9})
            self.fields[name].error_messages["min_value"] = _(
                "Choose a readiness level from 1 to 9."
            )
            self.fields[name].error_messages["max_value"] = _(
                "Choose a readiness level from 1 to 9."
            )
        zone = agency_time_zone or timezone.get_current_timezone()
        self.time_zone = zone
        for name in ("response_deadline", "question_deadline"):
            self.fields[name].help_text = _("In the agency's time zone (%(zone)s).") % {
                "zone": str(zone)
            }
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if self.instance.pk:
            self.initial["areas"] = list(self.instance.areas.values_list("pk", flat=True))
            for name in ("response_deadline", "question_deadline"):
                value = getattr(self.instance, name)
                if value:
                    self.initial[name] = timezone.localtime(value, zone)
        if not amending:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True

    def _clean_fields(self):
        # Deadlines are read in the agency's zone, whatever zone the viewer has.
        with timezone.override(self.time_zone):
            super()._clean_fields()

    def _plausible_deadline(self, name):
        """A year such as 9999 in a zone west of UTC is stored past the last year Python
        and the database driver can read back: every page showing the row would fail."""
        value = self.cleaned_data.get(name)
        if value and not DEADLINE_YEARS[0] <= value.year <= DEADLINE_YEARS[1]:
            raise forms.ValidationError(
                _("Enter a date between the years %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": DEADLINE_YEARS[0], "last": DEADLINE_YEARS[1]},
            )
        return value

    def clean_response_deadline(self):
        return self._plausible_deadline("response_deadline")

    def clean_question_deadline(self):
        return self._plausible_deadline("question_deadline")

    def sections(self):
        for title, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield title, fields


class AttachmentForm(NormalizingFormMixin, forms.ModelForm):
    class Meta:
        model = Attachment
        fields = ["title", "file", "is_controlled"]
