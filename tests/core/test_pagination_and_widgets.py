"""The capped count of long lists, and the filter widgets rendered in Python, which must
give the same markup as Django's own templates."""

import pytest
from django import forms
from django.test import RequestFactory

from apps.capabilities.filters import CapabilityFilter
from apps.core.pagination import CappedPaginator
from apps.core.widgets import FastDateInput, FastNumberInput, FastSearchInput, FastSelect
from apps.opportunities.filters import OpportunityFilter
from apps.opportunities.models import Opportunity
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_the_count_is_exact_below_the_cap_and_capped_above_it():
    OpportunityFactory.create_batch(7)
    rows = Opportunity.objects.order_by("pk")
    exact = CappedPaginator(rows, 2, floor=10, lookahead=1)
    page = exact.get_page(1)
    assert (exact.count, exact.capped, exact.num_pages) == (7, False, 4)
    assert len(page.object_list) == 2

    capped = CappedPaginator(rows, 2, floor=4, lookahead=1)
    page = capped.get_page(1)
    assert (capped.count, capped.capped) == (4, True)
    assert page.has_next()


def test_a_deep_page_counts_far_enough_to_exist():
    OpportunityFactory.create_batch(9)
    paginator = CappedPaginator(Opportunity.objects.order_by("pk"), 2, floor=2, lookahead=1)
    page = paginator.get_page(4)
    assert page.number == 4
    assert len(page.object_list) == 2
    assert paginator.count == 10 - 1  # (4 + 1) pages of 2 is more than the 9 rows: exact
    assert not paginator.capped


def test_the_list_says_more_than_when_the_count_is_capped(client, monkeypatch):
    from apps.core import pagination

    OpportunityFactory.create_batch(5)
    monkeypatch.setattr(
        pagination.CappedPaginator.__init__,
        "__kwdefaults__",
        {
            **pagination.CappedPaginator.__init__.__kwdefaults__,
            "floor": 3,
            "lookahead": 0,
        },
    )
    monkeypatch.setattr("apps.opportunities.views.PAGE_SIZE", 2)
    page = client.get("/opportunities/").content.decode()
    assert "More than 3 opportunities" in page
    assert "Page 1 of more than 2" in page
    data = client.get("/api/v1/opportunities/?page_size=2").json()
    assert data["count_is_capped"] is False  # the API counts past its own page size of 25
    assert data["count"] == 5


def django_rendered(widget_class, attrs, name, value, choices=None):
    widget = widget_class(attrs=attrs) if choices is None else widget_class(attrs, choices)
    return widget.render(name, value, attrs={"id": f"id_{name}", "aria-invalid": "true"})


@pytest.mark.parametrize(
    ("fast", "plain", "value"),
    [
        (FastSearchInput, lambda attrs: forms.TextInput({**attrs, "type": "search"}), "衛星 & <b>"),
        (FastNumberInput, forms.NumberInput, 4),
        (FastNumberInput, forms.NumberInput, None),
        (FastDateInput, lambda attrs: forms.DateInput({**attrs, "type": "date"}), "2027-01-31"),
    ],
)
def test_fast_inputs_render_as_django_does(fast, plain, value):
    attrs = {"placeholder": 'e.g. "SAR"', "required": True, "disabled": False}
    mine = fast(attrs=attrs).render("q", value, attrs={"id": "id_q", "aria-invalid": "true"})
    theirs = plain(attrs).render("q", value, attrs={"id": "id_q", "aria-invalid": "true"})
    assert mine == theirs


@pytest.mark.parametrize("value", ["b", "", None, "<x>"])
def test_the_fast_select_renders_as_django_does(value):
    choices = [("", "All"), ("a", "Alpha & co"), ("b", "<Beta>"), ("<x>", "X"),
               ("Group", [("g1", "One"), ("g2", "Two")])]  # fmt: skip
    mine = FastSelect({"class": "x"}, choices).render("area", value, attrs={"id": "id_area"})
    theirs = forms.Select({"class": "x"}, choices).render("area", value, attrs={"id": "id_area"})
    assert mine.replace("\n", "").replace("  ", "") == theirs.replace("\n", "").replace("  ", "")


def test_the_options_kept_for_a_list_mark_each_selection_and_follow_the_language():
    from django.utils import translation
    from django.utils.translation import gettext_lazy
    from django_filters.fields import ChoiceField

    choices = [("a", "Alpha"), ("b", gettext_lazy("Open")), ("a", "Alpha again")]

    def rendered(value, **widget):  # a new field for each form, from the same list
        field = ChoiceField(choices=choices, empty_label="—", widget=FastSelect(**widget))
        plain = forms.Select(choices=list(field.choices)).render("x", value)
        return field.widget.render("x", value), plain.replace("\n", "").replace("  ", "")

    for value in ["b", "a", "", None, "b"]:
        mine, theirs = rendered(value)
        assert mine == theirs
    with translation.override("ja"):
        mine, theirs = rendered("b")
        assert mine == theirs
        assert '<option value="b" selected>受付中</option>' in mine
    assert 'value="b"' not in rendered("a", unlisted={"b"})[0]
    assert '<option value="b" selected>Open</option>' in rendered("b")[0]


def test_a_renamed_area_is_named_so_in_the_filters_at_once(client):
    from apps.taxonomy.models import TechnologyArea

    client.get("/opportunities/")
    area = TechnologyArea.objects.get(slug="satellites")
    area.name_en = "Spacecraft"
    area.save()
    content = client.get("/opportunities/?area=satellites").content.decode()
    assert 'value="satellites" selected>— Spacecraft</option>' in content


@pytest.mark.parametrize("filterset_class", [OpportunityFilter, CapabilityFilter])
def test_filter_forms_keep_what_was_typed(filterset_class, rf: RequestFactory):
    request = rf.get("/", {"q": "衛星 <script>", "area": "satellites", "trl": "20"})
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    filterset = filterset_class(request.GET, queryset=filterset_class._meta.model.objects.all(),
                                request=request)  # fmt: skip
    html = "".join(str(field) for field in filterset.form.visible_fields())
    assert 'value="衛星 &lt;script&gt;"' in html
    assert '<option value="satellites" selected>' in html
    assert "<script>" not in html


def test_a_newly_verified_or_renamed_agency_is_in_the_filter_at_once():
    from apps.opportunities.filters import agency_choices
    from tests.factories import AgencyFactory

    agency_choices()
    agency = AgencyFactory(name_en="Defense Innovation Unit")
    assert (str(agency.pk), "Defense Innovation Unit") in agency_choices()
    agency.name_en = "DIU"
    agency.save()
    assert (str(agency.pk), "DIU") in agency_choices()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Short", "Short"),
        ("a" * 10, "a" * 10),
        ("a" * 11, "a" * 9 + "…"),
        ("衛星" * 6, "衛星衛星衛星衛星衛…"),
    ],
)
def test_shorten_keeps_within_the_length_with_the_ellipsis(text, shown):
    from apps.core.templatetags.portal_tags import shorten

    assert shorten(text, 10) == shown
    assert len(shorten(text, 10)) <= 10


def test_the_area_filter_follows_area_changes_made_anywhere(client):
    from apps.taxonomy.models import TechnologyArea

    opportunity = OpportunityFactory(title_en="Glide body", areas=["hypersonics"])
    url = "/opportunities/?area=satellites"
    assert "Glide body" not in client.get(url).content.decode()
    opportunity.areas.add(TechnologyArea.objects.get(slug="satellites"))  # as the admin does
    assert "Glide body" in client.get(url).content.decode()
    TechnologyArea.objects.get(slug="satellites").opportunities.remove(opportunity)
    assert "Glide body" not in client.get(url).content.decode()


@pytest.mark.parametrize("page", ["0", "-3", "abc", "999"])
def test_the_api_answers_404_for_a_page_that_is_not_there(client, page):
    OpportunityFactory.create_batch(2)
    assert client.get(f"/api/v1/opportunities/?page={page}").status_code == 404


FILTER_QUERIES = [
    (OpportunityFilter, ""),
    (OpportunityFilter, "q=sar&trl=12&deadline_after=not-a-date&area=nowhere&status=any"),
    (CapabilityFilter, "trl_min=0&dual_use=maybe&prefecture=13&ordering=newest"),
]


@pytest.mark.parametrize(("filterset_class", "query"), FILTER_QUERIES)
def test_filter_fields_render_as_the_field_template_does(filterset_class, query):
    """The list pages' {% filter_fields %} against includes/field.html, field by field,
    errors and kept values included (whitespace between tags aside)."""
    import re

    from django.http import QueryDict
    from django.template import Context, Template

    filterset = filterset_class(QueryDict(query))
    filterset.is_valid()
    by_include = Template(
        '{% for field in form.visible_fields %}{% include "includes/field.html" %}{% endfor %}'
    ).render(Context({"form": filterset.form}))
    by_tag = Template("{% load portal_tags %}{% filter_fields form %}").render(
        Context({"form": filterset.form})
    )

    def normal(html):
        return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()

    assert normal(by_tag) == normal(by_include)
    if query:
        assert 'class="error"' in by_tag or "selected" in by_tag


def test_filter_sets_share_no_filter_field_or_choice():
    """The filter sets copy their declared filters shallowly (apps/core/filtering.py):
    what one request changes must not reach the next."""
    from django.http import QueryDict

    first = OpportunityFilter(QueryDict("status=closed"))
    second = OpportunityFilter(QueryDict("status=any&agency=999999"))
    first.filters["agency"].extra["choices"] = [("1", "Changed for one request")]
    assert ("1", "Changed for one request") not in second.filters["agency"].extra["choices"]
    assert first.form.fields["status"] is not second.form.fields["status"]
    assert first.is_valid()
    assert not second.is_valid()  # an agency that is not in its choices
    assert "agency" in second.form.errors
    # Each filter's method resolves on its own filter set.
    assert first.filters["status"].filter.method.__self__ is first
    assert second.filters["status"].filter.method.__self__ is second
    assert getattr(OpportunityFilter.base_filters["status"], "parent", None) is None
