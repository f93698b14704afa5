import django_filters
from django.utils.translation import gettext_lazy as _

from apps.capabilities import permissions
from apps.capabilities.models import Capability
from apps.core.text import normalize_text
from apps.core.widgets import FastNumberInput, FastSelect
from apps.organizations.models import Prefecture
from apps.taxonomy.filters import AreaAndKeywordFilterMixin


class CapabilityFilter(AreaAndKeywordFilterMixin):
    """The directory's filters; the same query string drives the CSV export."""

    keyword_placeholder = _("e.g. SAR, 衛星, additive")
    trl_min = django_filters.NumberFilter(
        label=_("TRL from"),
        field_name="trl",
        lookup_expr="gte",
        min_value=1,
        max_value=9,
        widget=FastNumberInput,
    )
    trl_max = django_filters.NumberFilter(
        label=_("TRL to"),
        field_name="trl",
        lookup_expr="lte",
        min_value=1,
        max_value=9,
        widget=FastNumberInput,
    )
    prefecture = django_filters.ChoiceFilter(
        label=_("Prefecture"),
        field_name="organization__prefecture",
        choices=Prefecture.choices,
        empty_label=_("All prefectures"),
        widget=FastSelect,
    )
    dual_use = django_filters.BooleanFilter(
        label=_("Dual-use"),
        field_name="is_dual_use",
        widget=FastSelect(
            choices=[("", _("Any")), ("true", _("Dual-use only")), ("false", _("Not dual-use"))]
        ),
    )
    export_control = django_filters.ChoiceFilter(
        label=_("Export-control status"),
        field_name="export_control_status",
        choices=Capability.ExportControl.choices,
        empty_label=_("Any"),
        widget=FastSelect,
    )
    ordering = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="filter_ordering",
        choices=[
            # Accepted from older links and saved searches, no longer offered: every
            # match holds all the words and ranks alike (apps.core.search), so it gives
            # the default order, newest first.
            ("relevance", _("Relevance")),
            ("newest", _("Newest")),
            ("trl_desc", _("Readiness, highest first")),
            ("trl", _("Readiness, lowest first")),
        ],
        empty_label=None,
        widget=FastSelect(unlisted={"relevance"}),
    )

    class Meta:
        model = Capability
        fields: list[str] = []

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        sees = permissions.sees_agency_only_on(request) if request is not None else False
        if not sees:
            # Export-control details are for verified agency, intermediary and regulator staff.
            del self.filters["export_control"]

    def areas_in_index_order(self) -> bool:
        """Newest first without keywords: read from the directory's order index, which
        carries the areas' lexemes (Capability.Meta.indexes)."""
        data = getattr(self.form, "cleaned_data", None) or {}
        return not normalize_text(data.get("q") or "") and data.get("ordering") in (
            "", None, "relevance", "newest",
        )  # fmt: skip

    def filter_ordering(self, queryset, name, value):
        return queryset  # applied last, in `qs`

    @property
    def qs(self):
        queryset = super().qs
        ordering = (
            self.form.cleaned_data.get("ordering") if hasattr(self.form, "cleaned_data") else ""
        )
        if ordering in ("", None, "relevance", "newest"):
            return queryset.order_by("-published_at", "-pk")
        return queryset.order_by({"trl_desc": "-trl", "trl": "trl"}[ordering], "-pk")
