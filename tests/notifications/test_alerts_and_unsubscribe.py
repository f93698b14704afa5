import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from apps.notifications import services
from apps.notifications.models import Delivery, Subscription
from apps.opportunities import services as opportunity_services
from tests.factories import AgencyFactory, MembershipFactory
from tests.notifications.conftest import linked_opportunities
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_targeting_a_firm_alerts_its_members_at_once(
    space_firm, tokyo_member, django_capture_on_commit_callbacks
):
    agency = AgencyFactory()
    staff = MembershipFactory(organization=agency).user
    opportunity = OpportunityFactory(organization=agency)
    with django_capture_on_commit_callbacks(execute=True):
        opportunity_services.target_add(
            opportunity=opportunity, actor=staff, on_behalf_of=agency, firm=space_firm
        )
    assert [m.to for m in mail.outbox] == [[tokyo_member.email]]
    assert Delivery.objects.get().kind == "alert"


def test_a_rolled_back_change_sends_nothing(
    space_firm, tokyo_member, django_capture_on_commit_callbacks
):
    agency = AgencyFactory()
    staff = MembershipFactory(organization=agency).user
    opportunity = OpportunityFactory(organization=agency)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                opportunity_services.target_add(
                    opportunity=opportunity, actor=staff, on_behalf_of=agency, firm=space_firm
                )
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_unsubscribe_link_confirms_on_get_and_unsubscribes_on_post_without_login(
    client, tokyo_member
):
    token = services.unsubscribe_token(tokyo_member)
    url = reverse("notifications:unsubscribe", args=[token])
    response = client.get(url)
    assert response.status_code == 200
    assert Subscription.objects.get(user=tokyo_member).frequency == "daily"  # GET changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})  # RFC 8058, no CSRF token
    assert response.status_code == 200
    assert Subscription.objects.get(user=tokyo_member).frequency == "never"


def test_a_tampered_unsubscribe_token_is_refused(client, tokyo_member):
    token = services.unsubscribe_token(tokyo_member) + "x"
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 400
    assert Subscription.objects.get(user=tokyo_member).frequency == "daily"


def test_settings_page_saves_frequency_and_areas(client, tokyo_member):
    from apps.taxonomy.models import TechnologyArea

    client.force_login(tokyo_member)
    assert client.get(reverse("notifications:settings")).status_code == 200
    area = TechnologyArea.objects.get(slug="hypersonics")
    client.post(
        reverse("notifications:settings"),
        {"frequency": "weekly", "areas": [area.pk], "include_followed_deadlines": "on"},
    )
    subscription = Subscription.objects.get(user=tokyo_member)
    assert subscription.frequency == "weekly"
    assert list(subscription.areas.all()) == [area]


def test_new_users_default_to_a_weekly_digest(user):
    assert services.subscription_for(user).frequency == "weekly"


def test_failed_delivery_is_retried_then_marked_failed_and_resendable(
    tokyo_member, operator, as_of, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from tests.notifications.conftest import published

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # refused
    published(areas=["satellites"])
    with django_capture_on_commit_callbacks(execute=True):
        services.digests_enqueue(frequency="daily", as_of=as_of)
    delivery = Delivery.objects.get()
    assert (
        delivery.status == "pending" and delivery.attempts == 1 and "Error" in delivery.last_error
    )
    for _ in range(services.MAX_ATTEMPTS):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=as_of - timedelta(days=1))
        services.deliveries_redispatch(now=as_of)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_resend(delivery=delivery, actor=operator)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(mail.outbox) == 1


def test_amending_a_followed_opportunity_alerts_its_followers(
    tokyo_member, django_capture_on_commit_callbacks
):
    from apps.opportunities.models import Follow

    agency = AgencyFactory()
    staff = MembershipFactory(organization=agency).user
    opportunity = OpportunityFactory(
        organization=agency, title_en="Radar study", title_ja="レーダ研究"
    )
    Follow.objects.create(user=tokyo_member, opportunity=opportunity)
    with django_capture_on_commit_callbacks(execute=True):
        opportunity_services.opportunity_update(
            opportunity=opportunity,
            actor=staff,
            reason="New deadline",
            place_of_performance="Tokyo",
        )
    assert [m.to for m in mail.outbox] == [[tokyo_member.email]]
    assert "レーダ研究" in mail.outbox[0].subject  # the follower reads Japanese


def test_a_change_of_a_response_status_alerts_the_firm(
    space_firm, tokyo_member, django_capture_on_commit_callbacks
):
    opportunity = OpportunityFactory()
    staff = MembershipFactory(organization=opportunity.organization).user
    response = opportunity_services.response_submit(
        opportunity=opportunity, actor=tokyo_member, firm=space_firm, kind="interest", body="Hello"
    )
    with django_capture_on_commit_callbacks(execute=True):
        opportunity_services.response_transition(
            response=response, actor=staff, to="invited", message="Pitch on Monday"
        )
    assert len(mail.outbox) == 1
    assert "Pitch on Monday" in mail.outbox[0].body


def test_immediate_subscribers_hear_of_a_new_opportunity_in_their_areas(
    space_firm, tokyo_member, django_capture_on_commit_callbacks
):
    Subscription.objects.filter(user=tokyo_member).update(frequency="immediate")
    agency = AgencyFactory()
    staff = MembershipFactory(organization=agency).user
    matching = OpportunityFactory(organization=agency, status="draft", areas=["satellites"])
    other = OpportunityFactory(organization=agency, status="draft", areas=["hypersonics"])
    with django_capture_on_commit_callbacks(execute=True):
        opportunity_services.opportunity_transition(
            opportunity=matching, actor=staff, to="published"
        )
        opportunity_services.opportunity_transition(opportunity=other, actor=staff, to="published")
    assert len(mail.outbox) == 1
    assert linked_opportunities(mail.outbox[0].body) == {matching.pk}


def test_never_means_no_alerts_either(space_firm, tokyo_member, django_capture_on_commit_callbacks):
    Subscription.objects.filter(user=tokyo_member).update(frequency="never")
    agency = AgencyFactory()
    staff = MembershipFactory(organization=agency).user
    opportunity = OpportunityFactory(organization=agency)
    with django_capture_on_commit_callbacks(execute=True):
        opportunity_services.target_add(
            opportunity=opportunity, actor=staff, on_behalf_of=agency, firm=space_firm
        )
    assert mail.outbox == []
