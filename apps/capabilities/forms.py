from django import forms
from django.utils.translation import gettext_lazy as _

from apps.capabilities.models import Capability
from apps.core.forms import IntegerPkMultipleChoiceField
from apps.core.text import NormalizingFormMixin
from apps.taxonomy.models import TechnologyArea
from apps.taxonomy.selectors import areas_tree


class AreaChoiceField(IntegerPkMultipleChoiceField):
    """Technology areas as a tree of checkboxes, sub-areas indented under their parent."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(queryset=TechnologyArea.objects.all(), **kwargs)

    def _set_choices_from_tree(self):
        self.choices = [(area.pk, area.full_name) for area in areas_tree()]


class CapabilityForm(NormalizingFormMixin, forms.ModelForm):
    areas = AreaChoiceField(
        label=_("Technology areas"),
        help_text=_("Choose one or more. Choose a sub-area when it fits more precisely."),
        error_messages={"required": _("Choose at least one technology area.")},
    )

    class Meta:
        model = Capability
        fields = [
            "title_en",
            "title_ja",
            "summary_en",
            "summary_ja",
            "description_en",
            "description_ja",
            "areas",
            "trl",
            "is_dual_use",
            "civil_application_en",
            "civil_application_ja",
            "export_control_status",
            "control_list_item",
            "keywords",
            "prior_work_en",
            "prior_work_ja",
            "brochure",
            "visibility",
        ]
        widgets = {
            "summary_en": forms.Textarea(attrs={"rows": 3}),
            "summary_ja": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "description_ja": forms.Textarea(attrs={"rows": 6}),
            "civil_application_en": forms.Textarea(attrs={"rows": 2}),
            "civil_application_ja": forms.Textarea(attrs={"rows": 2}),
            "prior_work_en": forms.Textarea(attrs={"rows": 3}),
            "prior_work_ja": forms.Textarea(attrs={"rows": 3}),
            "export_control_status": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "brochure": forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        }
        help_texts = {
            "title_en": _("A title in English, Japanese or both is required."),
            "export_control_status": _(
                "Choose “Unknown” if you are not sure: you can ask for a classification "
                "later, before any controlled information is shared."
            ),
            "is_dual_use": _(
                "The technology has a civil (commercial) use as well as a military one."
            ),
        }
        error_messages = {
            "trl": {"invalid_choice": _("Choose a readiness level from 1 to 9.")},
        }

    SECTIONS = (
        (_("Title and summary"), ("title_en", "title_ja", "summary_en", "summary_ja")),
        (_("Description"), ("description_en", "description_ja")),
        (_("Technology"), ("areas", "trl", "keywords")),
        (
            _("Dual use and export control"),
            (
                "is_dual_use",
                "civil_application_en",
                "civil_application_ja",
                "export_control_status",
                "control_list_item",
            ),
        ),
        (_("Track record and brochure"), ("prior_work_en", "prior_work_ja", "brochure")),
        (_("Who can see it"), ("visibility",)),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"]._set_choices_from_tree()
        self.fields["trl"].widget.attrs["aria-describedby"] = "trl-scale"
        if self.instance.pk:
            self.initial["areas"] = list(self.instance.areas.values_list("pk", flat=True))

    def sections(self):
        for title, names in self.SECTIONS:
            yield title, [self[name] for name in names if name in self.fields]
