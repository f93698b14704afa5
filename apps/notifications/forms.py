from django import forms
from django.utils.translation import gettext_lazy as _

from apps.capabilities.forms import AreaChoiceField
from apps.core.text import NormalizingFormMixin
from apps.notifications.models import Subscription


class SubscriptionForm(forms.ModelForm):
    areas = AreaChoiceField(
        label=_("Technology areas"),
        required=False,
        help_text=_(
            "Leave all unticked to follow the areas of your firm's published capabilities."
        ),
    )

    class Meta:
        model = Subscription
        fields = ["frequency", "areas", "include_followed_deadlines"]
        widgets = {"frequency": forms.RadioSelect}
        help_texts = {
            "frequency": _(
                "Daily and weekly digests arrive at 08:00 in your time zone (weekly: on Monday)."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"]._set_choices_from_tree()
        if self.instance.pk:
            self.initial["areas"] = list(self.instance.areas.values_list("pk", flat=True))


class SavedSearchForm(NormalizingFormMixin, forms.Form):
    name = forms.CharField(label=_("Name of the search"), max_length=120)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)
