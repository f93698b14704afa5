import pytest
from django.urls import reverse

from tests.capabilities.factories import CapabilityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile_url(firm, firm_owner):
    firm.primary_contact = firm_owner
    firm.pitch_en = "We build radars."
    firm.save()
    CapabilityFactory(organization=firm, title_en="Published radar")
    CapabilityFactory(organization=firm, title_en="Secret draft", status="draft", published_at=None)
    return reverse("capabilities:firm", args=[firm.pk])


@pytest.mark.parametrize(
    ("role", "sees_contact"),
    [
        ("anonymous", False),
        ("other_firm", False),
        ("unverified_agency", False),
        ("agency", True),
        ("same_firm", True),
    ],
)
def test_firm_contact_is_shown_only_to_verified_agency_staff_and_members(
    client, viewers, firm_owner, profile_url, role, sees_contact
):
    if viewers[role]:
        client.force_login(viewers[role])
    content = client.get(profile_url).content.decode()
    assert (firm_owner.email in content) == sees_contact
    assert "We build radars." in content
    assert "Published radar" in content
    assert "Secret draft" not in content


def test_contact_without_recorded_consent_is_never_shown(client, viewers, firm_owner, profile_url):
    firm_owner.terms_accepted_at = None
    firm_owner.save()
    client.force_login(viewers["agency"])
    assert firm_owner.email not in client.get(profile_url).content.decode()


def test_firm_profile_query_count_does_not_grow_with_capabilities(
    client, firm, viewers, profile_url, django_assert_max_num_queries
):
    client.force_login(viewers["agency"])
    with django_assert_max_num_queries(30) as few:
        client.get(profile_url)
    for n in range(10):
        CapabilityFactory(
            organization=firm, title_en=f"More {n}", areas=["satellites", "hypersonics"]
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(profile_url)


def test_my_capabilities_page_lists_drafts_with_constant_queries(
    client, firm, firm_member, django_assert_max_num_queries
):
    client.force_login(firm_member)
    CapabilityFactory(organization=firm, status="draft", published_at=None)
    with django_assert_max_num_queries(30) as few:
        response = client.get(reverse("capabilities:mine"))
    assert response.status_code == 200
    for _ in range(10):
        CapabilityFactory(organization=firm)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("capabilities:mine"))


def test_operator_reads_capabilities_in_the_admin_and_withdraws_one(client, operator, firm):
    capability = CapabilityFactory(organization=firm)
    client.force_login(operator)
    assert client.get("/admin/capabilities/capability/").status_code == 200
    assert client.get(f"/admin/capabilities/capability/{capability.pk}/change/").status_code == 200
    client.post(
        "/admin/capabilities/capability/",
        {"action": "withdraw_selected", "_selected_action": [capability.pk]},
    )
    capability.refresh_from_db()
    assert capability.status == "draft"
    assert capability.revisions.filter(action="unpublished", actor=operator).exists()
