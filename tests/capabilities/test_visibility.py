import csv
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from apps.capabilities.selectors import capabilities_visible_to
from tests.capabilities.factories import CapabilityFactory
from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

# Which of the firm's capabilities each kind of viewer sees.
EXPECTED = {
    "anonymous": {"public"},
    "same_firm": {"public", "agencies", "draft"},
    "other_firm": {"public"},
    "agency": {"public", "agencies"},
    "unverified_agency": {"public"},
}


@pytest.fixture
def three(firm):
    return {
        "public": CapabilityFactory(organization=firm, title_en="Public one", visibility="public"),
        "agencies": CapabilityFactory(
            organization=firm, title_en="Agencies one", visibility="agencies"
        ),
        "draft": CapabilityFactory(
            organization=firm, title_en="Draft one", status="draft", published_at=None
        ),
    }


@pytest.mark.parametrize("role", EXPECTED)
def test_each_role_sees_exactly_its_rows(role, viewers, three):
    user = viewers[role] or AnonymousUser()
    visible = set(capabilities_visible_to(user).values_list("pk", flat=True))
    assert visible == {three[name].pk for name in EXPECTED[role]}


@pytest.mark.parametrize("role", EXPECTED)
def test_detail_page_obeys_the_same_rules(role, viewers, three, client):
    if viewers[role]:
        client.force_login(viewers[role])
    for name, capability in three.items():
        status = client.get(reverse("capabilities:detail", args=[capability.pk])).status_code
        assert status == (200 if name in EXPECTED[role] else 404), (role, name)


@pytest.mark.parametrize("role", EXPECTED)
def test_directory_lists_the_same_rows(role, viewers, three, client):
    if viewers[role]:
        client.force_login(viewers[role])
    content = client.get(reverse("capabilities:directory")).content.decode()
    for name, capability in three.items():
        assert (capability.title_en in content) == (name in EXPECTED[role]), (role, name)


def test_directory_of_someone_in_several_organizations_joins_what_each_gives(
    client, three, firm, viewers
):
    """A verified agency's staff member who is also in a firm sees the agency-only rows
    and their own firm's drafts; another firm's drafts stay hidden."""
    user = viewers["unverified_agency"]  # pending agency: no agency-only rows by itself
    MembershipFactory(organization=firm, user=user)
    MembershipFactory(organization=AgencyFactory(), user=user)
    elsewhere = CapabilityFactory(
        organization=OrganizationFactory(),
        title_en="Other draft",
        status="draft",
        published_at=None,
    )
    client.force_login(user)
    content = client.get(reverse("capabilities:directory")).content.decode()
    for capability in three.values():
        assert capability.title_en in content
    assert elsewhere.title_en not in content
    assert "Download CSV" in content  # verified staff's export


def test_export_control_details_are_for_verified_staff_and_the_firm_only(client, viewers, firm):
    capability = CapabilityFactory(
        organization=firm, export_control_status="listed", control_list_item="10(4)"
    )
    url = reverse("capabilities:detail", args=[capability.pk])
    for role in ("anonymous", "other_firm", "unverified_agency"):
        client.logout()
        if viewers[role]:
            client.force_login(viewers[role])
        assert "10(4)" not in client.get(url).content.decode(), role
    for role in ("agency", "same_firm"):
        client.force_login(viewers[role])
        assert "10(4)" in client.get(url).content.decode(), role


def test_export_control_filter_is_offered_only_to_verified_staff(client, viewers):
    client.force_login(viewers["other_firm"])
    assert (
        'name="export_control"'
        not in client.get(reverse("capabilities:directory")).content.decode()
    )
    client.force_login(viewers["agency"])
    assert 'name="export_control"' in client.get(reverse("capabilities:directory")).content.decode()


def test_csv_export_is_for_verified_staff_only(client, viewers, three):
    for role in ("anonymous", "same_firm", "other_firm", "unverified_agency"):
        client.logout()
        if viewers[role]:
            client.force_login(viewers[role])
        assert client.get(reverse("capabilities:export")).status_code in (302, 403), role
    client.force_login(viewers["agency"])
    response = client.get(reverse("capabilities:export"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["title_en"] for row in rows} == {"Public one", "Agencies one"}


def test_csv_export_defuses_spreadsheet_formulas(client, viewers, firm):
    CapabilityFactory(organization=firm, title_en='=HYPERLINK("http://evil")')
    client.force_login(viewers["agency"])
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("capabilities:export")).content.decode("utf-8-sig"))
        )
    )
    assert rows[0]["title_en"].startswith("'=")


def test_drafts_are_never_in_another_firms_or_agencys_view(client, viewers, three):
    for role in ("agency", "other_firm"):
        client.force_login(viewers[role])
        response = client.get(reverse("capabilities:firm", args=[three["draft"].organization_id]))
        assert "Draft one" not in response.content.decode()


def test_only_members_see_the_edit_history(client, viewers, three):
    url = reverse("capabilities:history", args=[three["public"].pk])
    client.force_login(viewers["agency"])
    assert client.get(url).status_code == 404
    client.force_login(viewers["same_firm"])
    assert client.get(url).status_code == 200
