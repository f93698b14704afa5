"""Posting, amending and moving opportunities through their workflow; the list's filters;
the detail page's deadlines, follows and attachments."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import TransitionNotAllowed
from apps.opportunities import services
from apps.opportunities.models import Amendment, Follow, Opportunity
from apps.taxonomy.models import TechnologyArea
from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def agency_staff(agency):
    return MembershipFactory(organization=agency, role="owner").user


def form_data(**changes):
    future = timezone.now() + timedelta(days=20)
    data = {
        "reference_number": "SSC-26-001",
        "title_en": "Small-satellite SAR payloads",
        "title_ja": "小型衛星用SARペイロード",
        "summary_en": "Compact radar payloads for 100 kg satellites.",
        "summary_ja": "",
        "description_en": "",
        "description_ja": "",
        "vehicle": "ota_prototype",
        "areas": [TechnologyArea.objects.get(slug="satellites").pk],
        "trl_min": "5",
        "trl_max": "7",
        "funding_min": "100000",
        "funding_max": "900000",
        "currency": "USD",
        "response_deadline": future.strftime("%Y-%m-%dT%H:%M"),
        "question_deadline": (future - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "place_of_performance": "Colorado Springs",
        "foreign_participation": "with_authorization",
        "points_of_contact": "PM — pm@ssc.example",
    }
    data.update(changes)
    return data


def test_verified_agency_staff_post_a_draft_and_publish_it(client, agency, agency_staff):
    client.force_login(agency_staff)
    response = client.post(reverse("opportunities:create"), form_data())
    opportunity = Opportunity.objects.get()
    assert response.url == opportunity.get_absolute_url()
    assert opportunity.status == "draft" and opportunity.organization == agency
    client.logout()
    assert client.get(opportunity.get_absolute_url()).status_code == 404  # drafts are private
    client.force_login(agency_staff)
    client.post(reverse("opportunities:transition", args=[opportunity.pk]), {"to": "published"})
    opportunity.refresh_from_db()
    assert opportunity.status == "published" and opportunity.published_at
    client.logout()
    assert client.get(opportunity.get_absolute_url()).status_code == 200


def test_deadlines_are_typed_in_the_agencys_time_zone(client, agency, agency_staff):
    agency.time_zone = "America/New_York"
    agency.save()
    client.force_login(agency_staff)
    client.post(
        reverse("opportunities:create"),
        form_data(response_deadline="2027-03-01T17:00", question_deadline=""),
    )
    deadline = Opportunity.objects.get().response_deadline
    assert deadline == datetime(2027, 3, 1, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"response_deadline": "2020-01-01T10:00", "question_deadline": ""},
            "response_deadline",
            "must be in the future",
        ),
        ({"trl_min": "8", "trl_max": "3"}, "trl_min", "cannot be above the highest"),
        ({"trl_min": "0"}, "trl_min", "from 1 to 9"),
        ({"areas": ["999999"]}, "areas", "Select a valid choice"),
        ({"areas": []}, "areas", "Choose at least one technology area"),
        ({"title_en": ""}, "title_en", "This field is required"),
    ],
)
def test_invalid_postings_are_refused_clearly_and_keep_what_was_typed(
    client, agency_staff, changes, field, message
):
    client.force_login(agency_staff)
    response = client.post(reverse("opportunities:create"), form_data(**changes))
    assert response.status_code == 200
    assert not Opportunity.objects.exists()
    errors = response.context["form"].errors
    assert any(message in e for e in errors.get(field, []) + errors.get("__all__", [])), errors
    content = response.content.decode()
    assert "Compact radar payloads for 100 kg satellites." in content
    assert 'value="Colorado Springs"' in content


def test_a_reference_number_is_unique_within_an_agency_only(client, agency, agency_staff):
    OpportunityFactory(organization=agency, reference_number="SSC-26-001")
    OpportunityFactory(reference_number="SSC-26-002")  # another agency
    client.force_login(agency_staff)
    response = client.post(reverse("opportunities:create"), form_data())
    assert response.status_code == 200
    assert "already uses" in str(response.context["form"].errors)
    response = client.post(
        reverse("opportunities:create"), form_data(reference_number="SSC-26-002")
    )
    assert response.status_code == 302


def test_unverified_agency_and_firm_members_cannot_post(client):
    pending = MembershipFactory(organization=AgencyFactory(verification_status="pending")).user
    firm_member = MembershipFactory(organization=OrganizationFactory()).user
    for user in (pending, firm_member):
        client.force_login(user)
        assert client.post(reverse("opportunities:create"), form_data()).status_code == 403
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        ("draft", "published", True),
        ("draft", "cancelled", True),
        ("draft", "awarded", False),
        ("published", "closed", True),
        ("published", "awarded", True),
        ("published", "draft", False),
        ("closed", "awarded", True),
        ("awarded", "published", False),
        ("cancelled", "published", False),
    ],
)
def test_status_transitions(agency, agency_staff, start, to, allowed):
    opportunity = OpportunityFactory(organization=agency, status=start)
    if allowed:
        services.opportunity_transition(opportunity=opportunity, actor=agency_staff, to=to)
        opportunity.refresh_from_db()
        assert opportunity.status == to
    else:
        with pytest.raises(TransitionNotAllowed):
            services.opportunity_transition(opportunity=opportunity, actor=agency_staff, to=to)
        opportunity.refresh_from_db()
        assert opportunity.status == start


def test_refused_transition_by_url_shows_an_error_and_changes_nothing(client, agency, agency_staff):
    opportunity = OpportunityFactory(organization=agency, status="awarded")
    client.force_login(agency_staff)
    response = client.post(
        reverse("opportunities:transition", args=[opportunity.pk]), {"to": "published"}, follow=True
    )
    assert "cannot go from" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.status == "awarded"


def test_amending_a_published_opportunity_records_what_why_and_tells_followers(
    client, agency, agency_staff, django_capture_on_commit_callbacks
):
    from apps.opportunities import signals

    opportunity = OpportunityFactory(
        organization=agency, reference_number="SSC-26-001", title_en="Old title"
    )
    heard = []
    signals.opportunity_amended.connect(
        lambda **kw: heard.append(kw), weak=False, dispatch_uid="t1"
    )
    client.force_login(agency_staff)
    url = reverse("opportunities:edit", args=[opportunity.pk])
    response = client.post(url, form_data(title_en="New title"))
    assert response.status_code == 200  # a reason is required once published
    assert "Say why" in str(response.context["form"].errors) or "required" in str(
        response.context["form"].errors
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, form_data(title_en="New title", reason="Clarified the scope."))
    signals.opportunity_amended.disconnect(dispatch_uid="t1")
    amendment = Amendment.objects.get()
    assert amendment.reason == "Clarified the scope."
    assert amendment.changes["title_en"] == ["Old title", "New title"]
    assert heard and heard[0]["amendment_id"] == amendment.pk
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert "Clarified the scope." in page


def test_firm_member_follows_and_unfollows(client, firm_member):
    opportunity = OpportunityFactory()
    client.force_login(firm_member)
    client.post(reverse("opportunities:follow", args=[opportunity.pk]))
    assert Follow.objects.filter(user=firm_member, opportunity=opportunity).exists()
    client.post(reverse("opportunities:follow", args=[opportunity.pk]))
    assert not Follow.objects.exists()


def test_deadline_is_shown_in_the_viewers_zone_with_the_agencys_beside_it(client, firm_member):
    agency = AgencyFactory(time_zone="America/New_York")
    deadline = timezone.now() + timedelta(days=3)
    opportunity = OpportunityFactory(organization=agency, response_deadline=deadline)
    firm_member.time_zone = "Asia/Tokyo"
    firm_member.save()
    client.force_login(firm_member)
    content = client.get(opportunity.get_absolute_url()).content.decode()
    assert "JST" in content
    assert "EST" in content or "EDT" in content
    assert "left" in content  # countdown within a week


def test_attachments_are_validated_and_served_only_to_those_who_may_see_them(
    client, agency, agency_staff
):
    opportunity = OpportunityFactory(organization=agency)
    client.force_login(agency_staff)
    bad = SimpleUploadedFile("spec.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    response = client.post(
        reverse("opportunities:attachment_add", args=[opportunity.pk]),
        {"title": "Spec", "file": bad},
    )
    assert response.status_code == 200 and "does not match its name" in response.content.decode()
    good = SimpleUploadedFile("spec.pdf", PDF, content_type="application/pdf")
    client.post(
        reverse("opportunities:attachment_add", args=[opportunity.pk]),
        {"title": "Spec", "file": good},
    )
    controlled = SimpleUploadedFile("tech.pdf", PDF, content_type="application/pdf")
    client.post(
        reverse("opportunities:attachment_add", args=[opportunity.pk]),
        {"title": "Technical data", "file": controlled, "is_controlled": "on"},
    )
    spec, tech = opportunity.attachments.order_by("pk")
    assert Amendment.objects.filter(opportunity=opportunity).count() == 2
    client.logout()
    assert client.get(reverse("opportunities:attachment", args=[spec.pk])).status_code == 200
    assert client.get(reverse("opportunities:attachment", args=[tech.pk])).status_code in (302, 403)
    client.force_login(agency_staff)
    assert client.get(reverse("opportunities:attachment", args=[tech.pk])).status_code == 200


def test_service_refuses_past_deadlines_even_without_the_form(agency, agency_staff):
    with pytest.raises(ValidationError):
        services.opportunity_create(
            agency=agency,
            actor=agency_staff,
            areas=[TechnologyArea.objects.get(slug="satellites")],
            reference_number="X-1",
            title_en="Past",
            summary_en="Past",
            vehicle="other",
            trl_min=1,
            trl_max=2,
            response_deadline=timezone.now() - timedelta(hours=1),
        )


def test_every_status_change_is_recorded_with_its_actor(agency, agency_staff):
    opportunity = OpportunityFactory(organization=agency, status="draft")
    services.opportunity_transition(opportunity=opportunity, actor=agency_staff, to="published")
    services.opportunity_transition(opportunity=opportunity, actor=agency_staff, to="closed")
    assert list(opportunity.events.values_list("from_status", "to_status", "actor")) == [
        ("draft", "published", agency_staff.pk),
        ("published", "closed", agency_staff.pk),
    ]


def test_an_unknown_status_is_refused_with_a_translated_message(client, agency, agency_staff):
    opportunity = OpportunityFactory(organization=agency)
    client.force_login(agency_staff)
    response = client.post(
        reverse("opportunities:transition", args=[opportunity.pk]), {"to": "bogus"}, follow=True
    )
    assert "That change of status is not allowed." in response.content.decode()


def test_an_opportunity_past_its_deadline_is_no_longer_listed_as_open(client):
    from apps.opportunities.models import Opportunity as Model

    expired = OpportunityFactory(reference_number="EXPIRED")
    Model.objects.filter(pk=expired.pk).update(
        response_deadline=timezone.now() - timedelta(hours=1)
    )
    OpportunityFactory(reference_number="OPEN")
    response = client.get(reverse("opportunities:list"))
    shown = [Opportunity.objects.get(pk=row.pk) for row in response.context["page"].object_list]
    assert [o.reference_number for o in shown] == ["OPEN"]
