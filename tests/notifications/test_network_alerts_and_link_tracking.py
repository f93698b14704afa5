"""Targeting an intermediary's partner network (or a technology-area slice of it), the
note in the alert e-mail, and the per-recipient links that count openings unless the
recipient turns that off."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.notifications import services
from apps.notifications.models import LinkOpen, Subscription
from apps.opportunities.models import Target
from apps.organizations.models import Partnership
from apps.taxonomy.models import TechnologyArea
from tests.capabilities.factories import CapabilityFactory
from tests.factories import IntermediaryFactory, MembershipFactory, OrganizationFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def intermediary(db):
    return IntermediaryFactory(name_en="Japan Dual-Use Council", name_ja="日本デュアルユース協議会")


@pytest.fixture
def staff(intermediary):
    return MembershipFactory(organization=intermediary).user


def partner(intermediary, name, area_slug, *, language="en"):
    firm = OrganizationFactory(name_en=name)
    CapabilityFactory(organization=firm, areas=[area_slug])
    Partnership.objects.create(
        intermediary=intermediary,
        firm=firm,
        name=name,
        email=f"{name.split()[0].lower()}@example.jp",
        corporate_number=firm.corporate_number,
    )
    member = MembershipFactory(organization=firm).user
    member.preferred_language = language
    member.save()
    return firm, member


@pytest.fixture
def network(intermediary):
    return {
        "space": partner(intermediary, "Orbit Works", "satellites", language="ja"),
        "bio": partner(intermediary, "Bio Labs", "biotechnologies"),
    }


def target_network(client, staff, intermediary, opportunity, **extra):
    client.force_login(staff)
    return client.post(
        reverse("opportunities:target", args=[opportunity.pk]),
        {
            "on_behalf_of": intermediary.pk,
            "network": "on",
            "note_en": "Your sensors fit this call.",
            "note_ja": "貴社のセンサーに合う公募です。",
            **extra,
        },
    )


def test_an_area_slice_of_the_network_reaches_only_its_partners_with_the_note(
    client, staff, intermediary, network, django_capture_on_commit_callbacks
):
    outsider = OrganizationFactory()
    CapabilityFactory(organization=outsider, areas=["satellites"])  # not a partner
    MembershipFactory(organization=outsider)
    opportunity = OpportunityFactory(areas=["space-technologies"])
    space = TechnologyArea.objects.get(slug="space-technologies")
    with django_capture_on_commit_callbacks(execute=True):
        response = target_network(client, staff, intermediary, opportunity, network_area=space.pk)
    assert response.status_code == 302
    space_firm, space_member = network["space"]
    target = Target.objects.get()
    assert (target.firm, target.via_network) == (space_firm, True)
    (message,) = mail.outbox
    assert message.to == [space_member.email]
    # The recipient reads Japanese: the Japanese note and the Japanese name.
    assert "貴社のセンサーに合う公募です。" in message.body
    assert "日本デュアルユース協議会" in message.body


def test_the_whole_network_is_targeted_when_no_area_is_chosen(
    client, staff, intermediary, network, django_capture_on_commit_callbacks
):
    opportunity = OpportunityFactory()
    with django_capture_on_commit_callbacks(execute=True):
        target_network(client, staff, intermediary, opportunity)
    assert {t.firm.name_en for t in Target.objects.all()} == {"Orbit Works", "Bio Labs"}
    english = next(m for m in mail.outbox if m.to == [network["bio"][1].email])
    assert "Your sensors fit this call." in english.body
    assert "Brought to you by Japan Dual-Use Council." in english.body


def test_an_agency_has_no_network_to_target(client, network):
    opportunity = OpportunityFactory()
    agency_staff = MembershipFactory(organization=opportunity.organization).user
    client.force_login(agency_staff)
    page = client.get(reverse("opportunities:target", args=[opportunity.pk])).content.decode()
    assert 'name="network"' not in page


def test_each_recipient_gets_an_own_signed_link_that_counts_the_opening(
    client, staff, intermediary, network, django_capture_on_commit_callbacks
):
    opportunity = OpportunityFactory()
    with django_capture_on_commit_callbacks(execute=True):
        target_network(client, staff, intermediary, opportunity)
    client.logout()
    links = {}
    for message in mail.outbox:
        html = message.alternatives[0][0]
        (link,) = set(re.findall(r"http://[^\s\"<]+/notifications/open/[^\s\"<]+/", html))
        assert link in message.body  # the text part carries the same link
        assert f"/opportunities/{opportunity.pk}/" not in message.body
        links[message.to[0]] = link
    assert len(set(links.values())) == 2
    reader = network["space"][1]
    path = links[reader.email].split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 302
    assert response.url == reverse("opportunities:detail", args=[opportunity.pk])
    client.get("/" + path)
    opened = LinkOpen.objects.get()
    assert (opened.user, opened.opportunity, opened.times) == (reader, opportunity, 2)


def test_a_tampered_link_leads_to_the_list_and_counts_nothing(client, network):
    opportunity = OpportunityFactory()
    member = network["bio"][1]
    token = services.link_token(member.pk, opportunity.pk)
    forged = token.replace(f"{member.pk}.", f"{network['space'][1].pk}.", 1)
    response = client.get(reverse("notifications:open", args=[forged]))
    assert response.url == reverse("opportunities:list")
    assert not LinkOpen.objects.exists()


def test_turning_tracking_off_gives_plain_links_and_forgets_past_openings(
    client, staff, intermediary, network, django_capture_on_commit_callbacks
):
    reader = network["bio"][1]
    first = OpportunityFactory()
    client.get(reverse("notifications:open", args=[services.link_token(reader.pk, first.pk)]))
    assert LinkOpen.objects.filter(user=reader).count() == 1

    client.force_login(reader)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "We never use tracking pixels." in page
    client.post(reverse("notifications:settings"), {"frequency": "weekly"})  # box unticked
    assert Subscription.objects.get(user=reader).track_links is False
    assert not LinkOpen.objects.filter(user=reader).exists()

    second = OpportunityFactory()
    with django_capture_on_commit_callbacks(execute=True):
        target_network(client, staff, intermediary, second)
    message = next(m for m in mail.outbox if m.to == [reader.email])
    assert "/notifications/open/" not in message.body
    assert f"/opportunities/{second.pk}/" in message.body
    # An old tracked link still works, and counts nothing now.
    client.get(reverse("notifications:open", args=[services.link_token(reader.pk, second.pk)]))
    assert not LinkOpen.objects.filter(user=reader).exists()


def test_a_large_network_is_targeted_in_a_few_queries_with_one_alert_per_member(
    client, staff, intermediary, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from apps.notifications.models import Delivery

    members = [partner(intermediary, f"Firm{n} K.K.", "satellites")[1] for n in range(30)]
    opportunity = OpportunityFactory()
    client.force_login(staff)
    # One targeting row and one alert per firm would take well over 400 queries here.
    with django_assert_max_num_queries(100), django_capture_on_commit_callbacks(execute=True):
        target_network(client, staff, intermediary, opportunity)
    assert Target.objects.filter(via_network=True).count() == 30
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    assert Delivery.objects.values("period").distinct().count() == 1


def test_the_agency_sees_a_network_targeting_as_one_line_not_the_partner_list(
    client, staff, intermediary, network, django_capture_on_commit_callbacks
):
    opportunity = OpportunityFactory()
    target_network(client, staff, intermediary, opportunity)
    agency_staff = MembershipFactory(organization=opportunity.organization).user
    client.force_login(agency_staff)
    page = client.get(reverse("opportunities:target", args=[opportunity.pk])).content.decode()
    so_far = page.split('id="targets-title"', 1)[1]  # the table, not the form's choices
    assert "2 partner firms of Japan Dual-Use Council" in so_far
    assert "Orbit Works" not in so_far and "Bio Labs" not in so_far
