"""The one set of filters behind /opportunities/, its Atom feed, its calendar and the API:
the same query string gives the same rows everywhere."""

from datetime import UTC, date, datetime, time, timedelta

import django_filters
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.reference import NormalChoices, PerLanguage, VersionedMemo
from apps.core.text import normalize_text
from apps.core.widgets import FastDateInput, FastNumberInput, FastSelect
from apps.opportunities.models import Opportunity
from apps.organizations.models import Organization
from apps.taxonomy.filters import AreaAndKeywordFilterMixin

# Kept per process and rebuilt after any agency changes (opportunities.receivers).
verified_agencies = VersionedMemo("opportunities:verified-agencies")


def _verified_agency_rows() -> list[tuple[int, str, str]]:
    return list(
        Organization.objects.filter(
            kind=Organization.Kind.AGENCY, verification_status=Organization.Verification.VERIFIED
        ).values_list("pk", "name_en", "name_ja")
    )


_agency_choices = PerLanguage()


def _named_in_language(rows) -> NormalChoices:
    ja = (get_language() or "").startswith("ja")
    choices = [(str(pk), (ja and name_ja) or name_en or name_ja) for pk, name_en, name_ja in rows]
    return NormalChoices(sorted(choices, key=lambda choice: choice[1].casefold()))


def agency_choices() -> NormalChoices:
    """(id, name in the active language) of the verified agencies, from rows kept per
    process (apps.core.reference), where a model choice field would query and build a
    model per agency at every look at its choices. The same list for as long as the rows
    and the language are the same; callers must not change it."""
    return _agency_choices.get(verified_agencies.get(_verified_agency_rows), _named_in_language)


class OpportunityFilter(AreaAndKeywordFilterMixin):
    keyword_placeholder = _("e.g. hypersonic, 衛星")
    agency = django_filters.ChoiceFilter(
        label=_("Agency"),
        choices=agency_choices,
        field_name="organization",
        empty_label=_("All agencies"),
        widget=FastSelect,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[
            (Opportunity.Status.PUBLISHED, _("Open")),
            (Opportunity.Status.CLOSED, _("Closed")),
            (Opportunity.Status.AWARDED, _("Awarded")),
            ("any", _("Open and past")),
        ],
        empty_label=None,
        method="filter_status",
        widget=FastSelect,
    )
    # Dates are UTC days, so that a link gives the same rows to everyone, whatever the
    # viewer's time zone (the page, a feed reader and the API alike).
    deadline_after = django_filters.DateFilter(
        label=_("Deadline from (UTC date)"),
        method="filter_deadline_after",
        widget=FastDateInput,
    )
    deadline_before = django_filters.DateFilter(
        label=_("Deadline until (UTC date)"),
        method="filter_deadline_before",
        widget=FastDateInput,
    )
    trl = django_filters.NumberFilter(
        label=_("Readiness level (TRL)"),
        method="filter_trl",
        min_value=1,
        max_value=9,
        widget=FastNumberInput,
    )
    vehicle = django_filters.ChoiceFilter(
        label=_("Contracting vehicle"),
        choices=Opportunity.Vehicle.choices,
        empty_label=_("Any"),
        widget=FastSelect,
    )
    foreign_participation = django_filters.ChoiceFilter(
        label=_("Foreign participation"),
        choices=Opportunity.ForeignParticipation.choices,
        empty_label=_("Any"),
        widget=FastSelect,
    )
    ordering = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="filter_ordering",
        choices=[
            ("deadline", _("Deadline, soonest first")),
            ("newest", _("Newest")),
            # Accepted from older links and saved searches, no longer offered: every
            # match holds all the words and ranks alike (apps.core.search), so it gives
            # the default order.
            ("relevance", _("Relevance")),
        ],
        empty_label=None,
        widget=FastSelect(unlisted={"relevance"}),
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["agency"].extra["choices"] = agency_choices()

    def areas_in_index_order(self) -> bool:
        """The open ones by deadline without keywords: read from the list's order index,
        which carries the areas' lexemes (Opportunity.Meta.indexes)."""
        data = self.form.cleaned_data
        return (
            not normalize_text(data.get("q") or "")
            and (data.get("status") or Opportunity.Status.PUBLISHED) == Opportunity.Status.PUBLISHED
            and (data.get("ordering") or "deadline") != "newest"
        )

    def count_clock(self) -> dict:
        """How the rows change with the clock alone, for their kept count
        (apps.core.pagination.CappedPaginator): the open ones leave at their deadline,
        and without keywords they come from the list's order index, which gives the
        latest first as cheaply as the soonest. The other statuses, and the empty result
        of invalid filters, do not change with the clock."""
        if not self.is_valid():
            return {"leaves_at": None}
        data = self.form.cleaned_data
        if (data.get("status") or Opportunity.Status.PUBLISHED) != Opportunity.Status.PUBLISHED:
            return {"leaves_at": None}
        return {
            "leaves_at": "response_deadline",
            "count_from_latest": not normalize_text(data.get("q") or ""),
        }

    def filter_deadline_after(self, queryset, name, value):
        start = datetime.combine(value, time.min, tzinfo=UTC)
        return queryset.filter(response_deadline__gte=start)

    def filter_deadline_before(self, queryset, name, value):
        if value == date.max:  # no day after it to stop before: every deadline qualifies
            return queryset
        end = datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)
        return queryset.filter(response_deadline__lt=end)

    def filter_status(self, queryset, name, value):
        if value == "any":
            return queryset
        value = value or Opportunity.Status.PUBLISHED
        if value == Opportunity.Status.PUBLISHED:
            # Open means still taking responses, even before anyone closes it.
            return queryset.filter(status=value, response_deadline__gt=timezone.now())
        return queryset.filter(status=value)

    def filter_trl(self, queryset, name, value):
        """Opportunities whose sought TRL range contains this level."""
        return queryset.filter(trl_min__lte=value, trl_max__gte=value)

    def filter_ordering(self, queryset, name, value):
        return queryset  # applied in `qs`, after the other filters

    @property
    def qs(self):
        queryset = super().qs
        ordering = (getattr(self.form, "cleaned_data", None) or {}).get("ordering") or "deadline"
        if ordering == "newest":
            return queryset.order_by("-published_at", "-pk")
        return queryset.order_by("response_deadline", "pk")


# The query parameters of the list, its feed, its calendar and the API list.
LIST_PARAMS = frozenset(OpportunityFilter.base_filters) | {"page"}


def filtered_opportunities(params, queryset, request=None):
    """Applies the filters of a query string; invalid values give an empty result with
    the form's errors, never a crash. Returns (filterset, queryset)."""
    params = params.copy() if params else {}
    if not params.get("status"):
        params["status"] = Opportunity.Status.PUBLISHED  # open ones unless asked otherwise
    filterset = OpportunityFilter(params, queryset=queryset, request=request)
    if not filterset.is_valid():
        return filterset, queryset.none()
    return filterset, filterset.qs
