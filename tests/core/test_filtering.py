"""Filter forms kept per process (apps.core.filtering): the same form class for the same
filters, a new one when what its fields are built from changes, and forms that share
their fields but never each other's data, values or errors."""

import pytest
from django.urls import reverse

from apps.opportunities.filters import OpportunityFilter
from apps.opportunities.models import Opportunity
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_same_filters_share_a_form_class_but_not_their_forms():
    first = OpportunityFilter({"q": "radar"}, queryset=Opportunity.objects.all())
    second = OpportunityFilter({"trl": "eleven"}, queryset=Opportunity.objects.all())
    assert type(first.form) is type(second.form)
    assert first.form.fields is not second.form.fields
    assert first.is_valid()
    assert not second.is_valid()
    assert not first.form.errors
    assert list(second.form.errors) == ["trl"]
    assert first.form.cleaned_data["q"] == "radar"


def test_an_invalid_filter_leaves_the_next_visitors_form_clean(client):
    bad = client.get(reverse("opportunities:list") + "?trl=eleven").content.decode()
    good = client.get(reverse("opportunities:list") + "?trl=5").content.decode()
    assert "field-invalid field-trl" in bad
    assert "field-invalid" not in good
    assert 'name="trl" value="5"' in good


def test_an_agency_verified_since_the_last_page_is_among_the_choices(client):
    url = reverse("opportunities:list")
    AgencyFactory(name_en="Office of Strategic Capital")
    first = client.get(url + "?status=any").content.decode()
    assert "Office of Strategic Capital" in first
    AgencyFactory(name_en="Defense Innovation Unit")
    second = client.get(url + "?status=any&ordering=newest").content.decode()
    assert "Office of Strategic Capital" in second
    assert "Defense Innovation Unit" in second


def test_each_language_reads_its_own_labels(client):
    url = reverse("opportunities:list")
    english = client.get(url + "?q=a", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    japanese = client.get(url + "?q=b", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    english_again = client.get(url + "?q=c", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "All agencies" in english
    assert "All agencies" not in japanese
    assert "All agencies" in english_again


def test_a_filter_offered_to_some_viewers_is_not_kept_for_the_others(client):
    staff = MembershipFactory(organization=AgencyFactory()).user
    firm_member = MembershipFactory().user
    url = reverse("capabilities:directory")
    client.force_login(staff)
    assert 'name="export_control"' in client.get(url).content.decode()
    client.force_login(firm_member)
    assert 'name="export_control"' not in client.get(url).content.decode()
    client.force_login(staff)
    assert 'name="export_control"' in client.get(url).content.decode()
