"""Forms of the agency-side pages (views_agency.py)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.capabilities.models import Capability
from apps.core.forms import IntegerPkMultipleChoiceField
from apps.core.text import NormalizingFormMixin, normalize_digits, normalize_text
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea

# Sub-areas are indented under their parent by this many em spaces per level: assistive
# technology ignores them, and the order of the list already says which area is whose.
INDENT = "\u2003\u2003"
# A firm's name is at most 200 characters; SQLite refuses LIKE patterns past 50,000.
FIRM_QUERY_MAX_LENGTH = 200


class FirmChoiceField(IntegerPkMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        if obj.corporate_number:
            return _("%(name)s (Corporate Number %(number)s)") % {
                "name": obj.name,
                "number": obj.corporate_number,
            }
        return obj.name


def firms_with_published_capabilities():
    return (
        Organization.objects.filter(kind=Organization.Kind.FIRM)
        .filter(capabilities__status=Capability.Status.PUBLISHED)
        .distinct()
        .order_by("name_en", "name_ja", "pk")
    )


def search_firms(queryset, query: str):
    """Narrow the firm choices by name (either language) or Corporate Number."""
    query = normalize_text(query[:FIRM_QUERY_MAX_LENGTH])
    if not query:
        return queryset
    matches = Q(name_en__icontains=query) | Q(name_ja__icontains=query)
    matches |= Q(name_kana__icontains=query)
    digits = normalize_digits(query)
    if digits.isdigit():
        matches |= Q(corporate_number__contains=digits)
    return queryset.filter(matches)


class TargetForm(NormalizingFormMixin, forms.Form):
    """Target an opportunity at chosen firms and/or at every firm with capabilities in
    chosen technology areas, on behalf of one of the actor's organizations."""

    on_behalf_of = forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=Organization.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the organization you target for.")},
    )
    firms = FirmChoiceField(
        label=_("Firms"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Firms with published capabilities."),
    )
    areas = IntegerPkMultipleChoiceField(
        label=_("Technology areas"),
        queryset=TechnologyArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Every firm with a published capability in a chosen area, or in one of its "
            "sub-areas, is reached, now and as firms add capabilities."
        ),
    )
    network = forms.BooleanField(
        label=_("The partner network"),
        required=False,
        help_text=_("Every firm of your intermediary's partner network that is on the portal now."),
    )
    network_area = forms.ModelChoiceField(
        label=_("Only partners with capabilities in"),
        queryset=TechnologyArea.objects.all(),
        required=False,
        empty_label=_("Any technology area"),
    )
    note_en = forms.CharField(
        label=_("Note (English)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
        help_text=_("Optional. Why this opportunity suits them; the firms see it."),
    )
    note_ja = forms.CharField(
        label=_("Note (Japanese)"),
        widget=forms.Textarea(attrs={"rows": 3, "lang": "ja"}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args, organizations, areas_tree, firm_query: str = "", **kwargs):
        """`organizations`: those the actor may target for; `areas_tree`: the areas in
        display order (taxonomy.selectors.areas_tree()); `firm_query` narrows the firms
        shown (a bound form accepts any firm with published capabilities)."""
        super().__init__(*args, **kwargs)
        self.organizations = list(organizations)
        field = self.fields["on_behalf_of"]
        field.queryset = Organization.objects.filter(pk__in=[o.pk for o in self.organizations])
        field.choices = [(o.pk, o.name) for o in self.organizations]
        if len(self.organizations) == 1:
            field.widget = forms.HiddenInput()
            self.initial.setdefault("on_behalf_of", self.organizations[0].pk)
        firms = firms_with_published_capabilities()
        self.fields["firms"].queryset = firms if self.is_bound else search_firms(firms, firm_query)
        area_choices = [(area.pk, f"{INDENT * area.depth}{area.name}") for area in areas_tree]
        self.fields["areas"].choices = area_choices
        self.has_network = any(o.kind == Organization.Kind.INTERMEDIARY for o in self.organizations)
        if self.has_network:
            self.fields["network_area"].choices = [
                ("", self.fields["network_area"].empty_label),
                *area_choices,
            ]
        else:
            del self.fields["network"]
            del self.fields["network_area"]

    def clean(self):
        cleaned = super().clean()
        network = cleaned.get("network")
        if not cleaned.get("firms") and not cleaned.get("areas") and not network:
            raise forms.ValidationError(
                _("Choose at least one firm or technology area."), code="nothing_chosen"
            )
        organization = cleaned.get("on_behalf_of")
        if network and organization and organization.kind != Organization.Kind.INTERMEDIARY:
            self.add_error(
                "network",
                _("Only an intermediary has a partner network: choose it under “On behalf of”."),
            )
        if cleaned.get("network_area") and not network:
            self.add_error(
                "network_area", _("Tick “The partner network” to reach partners in an area.")
            )
        return cleaned
