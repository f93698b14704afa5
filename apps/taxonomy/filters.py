"""Filter methods shared by the lists whose rows carry technology areas and bilingual
search columns (the capability directory and the opportunity list)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filtering import LeanFilterSet
from apps.core.search import filter_by_areas, filter_by_search
from apps.core.text import normalize_text
from apps.core.widgets import FastSearchInput, FastSelect
from apps.taxonomy.selectors import area_choices, area_with_descendants_ids

QUERY_MAX_LENGTH = 200


class AreaAndKeywordFilterMixin(LeanFilterSet):
    """`q` searches both languages (every word must match); `area` includes the chosen
    area's sub-areas. The model needs an `areas` many-to-many to TechnologyArea and the
    search columns of apps.core.search."""

    q = django_filters.CharFilter(
        label=_("Keywords"),
        method="filter_q",
        widget=FastSearchInput,
        # Every word is a condition of the query: a page of text is not a search.
        max_length=QUERY_MAX_LENGTH,
    )
    area = django_filters.ChoiceFilter(
        label=_("Technology area"),
        choices=area_choices,
        method="filter_area",
        empty_label=_("All areas"),
        widget=FastSelect,
    )

    keyword_placeholder = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A callable's choices are computed at every look (validation, then rendering):
        # once per request is enough.
        self.filters["area"].extra["choices"] = area_choices()
        if self.keyword_placeholder:
            self.filters["q"].extra["widget"] = self._keyword_widget()

    @classmethod
    def _keyword_widget(cls) -> FastSearchInput:
        """The keyword box with this filter set's placeholder, one per class: the same
        object for every request, so that the form class is kept (apps.core.filtering)."""
        widget = cls.__dict__.get("_kept_keyword_widget")
        if widget is None:
            widget = FastSearchInput(attrs={"placeholder": cls.keyword_placeholder})
            cls._kept_keyword_widget = widget
        return widget

    def filter_q(self, queryset, name, value):
        value = normalize_text(value)
        if not value:
            return queryset
        return filter_by_search(queryset, value)

    def areas_in_index_order(self) -> bool:
        """Whether the rows are read in the order of an index that carries the areas'
        own column (apps.core.search.filter_by_areas); a filter set says when."""
        return False

    def filter_area(self, queryset, name, value):
        area_ids = area_with_descendants_ids(value)
        by_vector = filter_by_areas(queryset, area_ids, own_column=self.areas_in_index_order())
        if by_vector is not None:
            return by_vector
        model = queryset.model
        tagged = model.areas.through.objects.filter(technologyarea_id__in=area_ids)
        return queryset.filter(pk__in=tagged.values(f"{model._meta.model_name}_id"))
