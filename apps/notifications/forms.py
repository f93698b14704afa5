from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from apps.capabilities.forms import AreaChoiceField
from apps.core.text import NormalizingFormMixin
from apps.notifications.models import SavedSearch, Subscription


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
        fields = ["frequency", "areas", "include_followed_deadlines", "track_links"]
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

    def clean_query(self):
        """The filters as they are stored (percent-encoded, so possibly much longer than
        typed): they must still fit the column."""
        query = QueryDict(self.cleaned_data["query"]).urlencode()
        if len(query) > SavedSearch._meta.get_field("query").max_length:
            raise forms.ValidationError(
                _("These filters are too long to save. Remove some of them and try again."),
                code="max_length",
            )
        return query
