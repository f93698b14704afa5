"""The firm onboarding wizard (/onboarding/), the firm profile it fills in, and who may
see the firm's primary contact."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.organizations import selectors, services
from apps.organizations.models import JoinRequest, Membership, Organization
from tests.factories import (
    AgencyFactory,
    IntermediaryFactory,
    MembershipFactory,
    OrganizationFactory,
    RegulatorFactory,
    UserFactory,
    corporate_number,
)

pytestmark = pytest.mark.django_db

HAYABUSA_NUMBER = "1180301018771"
STEP_1 = {
    "corporate_number": HAYABUSA_NUMBER,
    "name_en": "Hayabusa Robotics K.K.",
    "name_ja": "はやぶさロボティクス株式会社",
    "name_kana": "ハヤブサロボティクス",
    "email_domain": "hayabusa.example",
}
STEP_2 = {
    "prefecture": "14",
    "city": "Yokohama",
    "postal_code": "220-0012",
    "address": "1-1 Minatomirai",
    "employees_band": "10-49",
    "founded_year": "2015",
    "website": "hayabusa.example",
}
PITCH_EN = "Swarm navigation for small drones in GPS-denied sites, trialled with two utilities."
PITCH_JA = "GPSが使えない現場で小型ドローンの群れを誘導します。電力会社2社で実証済み。"


def details_url(firm):
    return reverse("organizations:onboarding_details", args=[firm.pk])


def pitch_url(firm):
    return reverse("organizations:onboarding_pitch", args=[firm.pk])


def error_next_to(content: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', content, re.S)
    assert match, f"no error shown next to {field}"
    return match.group(1)


@pytest.fixture
def user(db):
    """A newcomer whose work address is at the firm's domain (a firm may only declare the
    domain of its registering owner's address)."""
    return UserFactory(email="newcomer@hayabusa.example")


@pytest.fixture
def done_url(settings):
    settings.FIRM_ONBOARDING_DONE_URL = "core:home"
    return reverse("core:home")


@pytest.fixture
def owned_firm(firm, firm_owner):
    firm.primary_contact = firm_owner
    firm.save()
    return firm


# The journey


def test_new_user_registers_a_firm_in_three_steps(client, done_url):
    user = UserFactory(email="taro@hayabusa.example")
    client.force_login(user)

    page = client.get(reverse("organizations:onboarding")).content.decode()
    assert "Step 1 of 3" in page
    assert re.search(r'<li aria-current="step"><strong>Your firm</strong></li>', page)
    assert 'name="email_domain" value="hayabusa.example"' in page

    response = client.post(reverse("organizations:onboarding"), STEP_1)
    firm = Organization.objects.get()
    assert response.status_code == 302 and response.url == details_url(firm)
    assert firm.kind == "firm" and firm.country == "JP"
    assert firm.corporate_number == HAYABUSA_NUMBER
    membership = Membership.objects.get(organization=firm)
    assert membership.user == user and membership.role == "owner"
    assert not membership.is_export_control_officer
    assert firm.primary_contact == user

    page = client.get(details_url(firm)).content.decode()
    assert "Step 2 of 3" in page
    assert f'href="{reverse("organizations:onboarding")}">Back</a>' in page
    assert f'href="{pitch_url(firm)}">Skip for now</a>' in page
    response = client.post(details_url(firm), STEP_2)
    assert response.status_code == 302 and response.url == pitch_url(firm)

    page = client.get(pitch_url(firm)).content.decode()
    assert "Step 3 of 3" in page
    assert f'href="{details_url(firm)}">Back</a>' in page
    response = client.post(
        pitch_url(firm), {"pitch_en": PITCH_EN, "pitch_ja": PITCH_JA, "primary_contact": user.pk}
    )
    assert response.status_code == 302 and response.url == done_url

    firm.refresh_from_db()
    assert (firm.prefecture, firm.city, firm.postal_code, firm.address) == (
        "14",
        "Yokohama",
        "220-0012",
        "1-1 Minatomirai",
    )
    assert firm.employees_band == Organization.EmployeesBand.B10_49
    assert firm.founded_year == 2015
    assert firm.website == "https://hayabusa.example"
    assert (firm.pitch_en, firm.pitch_ja) == (PITCH_EN, PITCH_JA)
    assert firm.primary_contact == user
    assert "The profile of Hayabusa Robotics K.K. is saved." in (
        client.get(done_url).content.decode()
    )


def test_the_wizard_ends_on_the_dashboard_when_no_other_page_is_configured(
    client, owned_firm, firm_owner, settings
):
    del settings.FIRM_ONBOARDING_DONE_URL
    client.force_login(firm_owner)
    response = client.post(pitch_url(owned_firm), {"pitch_en": PITCH_EN})
    assert response.url == reverse("organizations:dashboard")


def test_a_japanese_speaker_goes_through_the_wizard_in_japanese(client, done_url):
    user = UserFactory(email="hanako@hayabusa.example", preferred_language="ja")
    client.force_login(user)
    response = client.get(reverse("organizations:onboarding"))
    assert '<html lang="ja">' in response.content.decode()

    # Typed on a Japanese keyboard: full-width digits, the legal name in Japanese only.
    response = client.post(
        reverse("organizations:onboarding"),
        {
            **STEP_1,
            "name_en": "",
            "corporate_number": "１１８０３０１０１８７７１",
            "email_domain": "ｈａｙａｂｕｓａ.example",
        },
    )
    firm = Organization.objects.get()
    assert firm.corporate_number == HAYABUSA_NUMBER
    assert firm.email_domain == "hayabusa.example"

    page = client.get(response.url).content.decode()
    assert '<html lang="ja">' in page and "はやぶさロボティクス株式会社" in page
    response = client.post(details_url(firm), {**STEP_2, "founded_year": "２０１５"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert '<html lang="ja">' in page
    client.post(pitch_url(firm), {"pitch_ja": PITCH_JA, "primary_contact": user.pk})

    firm.refresh_from_db()
    assert firm.founded_year == 2015 and firm.pitch_ja == PITCH_JA and firm.pitch_en == ""


# Step 1: register, or join the colleague's firm


def test_a_taken_corporate_number_names_the_firm_to_contact_and_keeps_the_input(client, user):
    OrganizationFactory(name_en="Original Firm K.K.", corporate_number=HAYABUSA_NUMBER)
    client.force_login(user)
    response = client.post(reverse("organizations:onboarding"), STEP_1)
    assert response.status_code == 200
    content = response.content.decode()
    message = error_next_to(content, "corporate_number")
    assert "Original Firm K.K. is already registered" in message
    assert "invite you" in message and "contact the portal operators" in message
    for value in (HAYABUSA_NUMBER, "Hayabusa Robotics K.K.", "ハヤブサロボティクス"):
        assert f'value="{value}"' in content
    assert Organization.objects.count() == 1


def test_a_concurrent_registration_of_the_same_number_is_reported_next_to_the_field(
    client, user, monkeypatch
):
    # The form's check passed, then someone else registered the number first.
    register = services.organization_register

    def register_after_a_faster_colleague(**kwargs):
        OrganizationFactory(name_en="Faster Firm K.K.", corporate_number=HAYABUSA_NUMBER)
        return register(**kwargs)

    monkeypatch.setattr(services, "organization_register", register_after_a_faster_colleague)
    client.force_login(user)
    response = client.post(reverse("organizations:onboarding"), STEP_1)
    assert response.status_code == 200
    message = error_next_to(response.content.decode(), "corporate_number")
    assert "Faster Firm K.K. is already registered" in message
    assert Organization.objects.count() == 1


@pytest.mark.parametrize(
    "typed", ["１１８０３０１０１８７７１", "1-1803-0101-8771", "1180 3010 18771"]
)
def test_a_corporate_number_typed_full_width_or_with_separators_is_accepted(client, user, typed):
    client.force_login(user)
    response = client.post(
        reverse("organizations:onboarding"), {**STEP_1, "corporate_number": typed}
    )
    assert response.status_code == 302
    assert Organization.objects.get().corporate_number == HAYABUSA_NUMBER


def test_step_1_needs_a_valid_corporate_number_and_a_name(client, user):
    client.force_login(user)
    url = reverse("organizations:onboarding")
    content = client.post(
        url, {**STEP_1, "corporate_number": "", "name_en": "", "name_ja": ""}
    ).content.decode()
    assert "registers with its Corporate Number" in error_next_to(content, "corporate_number")
    assert "legal name in English or Japanese" in error_next_to(content, "name_en")
    content = client.post(url, {**STEP_1, "corporate_number": "2180301018771"}).content.decode()
    assert "check digit does not match" in error_next_to(content, "corporate_number")
    assert 'value="2180301018771"' in content
    assert not Organization.objects.exists()


def test_a_colleague_at_the_firms_domain_is_offered_to_join_instead(client, firm, firm_owner):
    firm.email_domain = "hayabusa.example"
    firm.save()
    colleague = UserFactory(email="jiro@hayabusa.example")
    client.force_login(colleague)

    content = client.get(reverse("organizations:onboarding")).content.decode()
    assert f"Ask to join {firm.name_en}" in content
    assert f'action="{reverse("organizations:join", args=[firm.pk])}"' in content
    assert 'name="corporate_number"' not in content
    assert "?register=1" in content

    # Registering a different firm stays possible, without the colleague firm's domain.
    content = client.get(reverse("organizations:onboarding") + "?register=1").content.decode()
    assert 'name="corporate_number"' in content
    assert 'value="hayabusa.example"' not in content

    client.post(reverse("organizations:join", args=[firm.pk]), {"message": "R&D, Yokohama"})
    join_request = JoinRequest.objects.get()
    assert join_request.user == colleague and join_request.status == "pending"
    content = client.get(reverse("organizations:onboarding")).content.decode()
    assert "is waiting for its owners" in content
    assert f"Ask to join {firm.name_en}" not in content

    client.force_login(firm_owner)
    client.post(
        reverse("organizations:join_request_decide", args=[join_request.pk]),
        {"decision": "approve"},
    )
    assert Membership.objects.get(user=colleague).organization == firm
    client.force_login(colleague)
    assert "Ask to join" not in client.get(reverse("organizations:onboarding")).content.decode()


def test_a_free_mail_user_is_never_offered_to_join_a_firm(client):
    OrganizationFactory(email_domain="gmail.com")
    gmail_user = UserFactory(email="saburo@gmail.com")
    client.force_login(gmail_user)
    content = client.get(reverse("organizations:onboarding")).content.decode()
    assert "Ask to join" not in content
    assert 'name="corporate_number"' in content
    assert 'value="gmail.com"' not in content


def test_an_owner_coming_back_to_step_1_can_continue_setting_up_the_firm(client, firm, firm_owner):
    client.force_login(firm_owner)
    content = client.get(reverse("organizations:onboarding")).content.decode()
    assert f'href="{details_url(firm)}"' in content
    assert 'name="corporate_number"' not in content


# Steps 2 and 3


@pytest.mark.parametrize("step_url", [details_url, pitch_url])
def test_only_the_firms_owners_may_use_steps_2_and_3(client, owned_firm, firm_member, step_url):
    url = step_url(owned_firm)
    for person in (firm_member, UserFactory()):
        client.force_login(person)
        assert client.get(url).status_code == 403
        assert client.post(url, {**STEP_2, "pitch_en": "Taken over"}).status_code == 403
    owned_firm.refresh_from_db()
    assert owned_firm.city == "" and owned_firm.pitch_en == ""
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_steps_2_and_3_are_only_for_firms(client, agency):
    owner = MembershipFactory(organization=agency, role="owner").user
    client.force_login(owner)
    assert client.get(details_url(agency)).status_code == 404
    assert client.get(pitch_url(agency)).status_code == 404


def test_a_founding_year_in_the_future_is_rejected_and_the_input_kept(
    client, owned_firm, firm_owner
):
    client.force_login(firm_owner)
    next_year = timezone.now().year + 2
    response = client.post(details_url(owned_firm), {**STEP_2, "founded_year": str(next_year)})
    assert response.status_code == 200
    content = response.content.decode()
    assert "between 1800 and" in error_next_to(content, "founded_year")
    assert f'value="{next_year}"' in content
    assert 'value="Yokohama"' in content and 'value="1-1 Minatomirai"' in content
    owned_firm.refresh_from_db()
    assert owned_firm.founded_year is None and owned_firm.city == ""


def test_a_founding_year_before_1800_is_rejected_by_the_service_and_the_database():
    owner = UserFactory()
    firm = services.organization_register(
        actor=owner, kind="firm", country="JP", name_en="Old", corporate_number=corporate_number(7)
    )
    with pytest.raises(ValidationError) as error:
        services.organization_update(organization=firm, actor=owner, founded_year=1799)
    assert "founded_year" in error.value.message_dict
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=firm.pk).update(founded_year=1799)


def test_a_pitch_longer_than_600_characters_is_rejected_and_kept(client, owned_firm, firm_owner):
    client.force_login(firm_owner)
    too_long = "あ" * 601
    response = client.post(pitch_url(owned_firm), {"pitch_ja": too_long, "pitch_en": PITCH_EN})
    assert response.status_code == 200
    content = response.content.decode()
    assert error_next_to(content, "pitch_ja")
    assert too_long in content and PITCH_EN in content
    owned_firm.refresh_from_db()
    assert owned_firm.pitch_ja == "" and owned_firm.pitch_en == ""


def test_the_primary_contact_is_chosen_among_the_firms_members(
    client, owned_firm, firm_owner, firm_member
):
    outsider = UserFactory(display_name="Outsider")
    client.force_login(firm_owner)
    content = client.get(pitch_url(owned_firm)).content.decode()
    assert f'<option value="{firm_member.pk}">' in content
    assert f'value="{outsider.pk}"' not in content

    response = client.post(pitch_url(owned_firm), {"primary_contact": outsider.pk})
    assert response.status_code == 200
    assert error_next_to(response.content.decode(), "primary_contact")

    client.post(pitch_url(owned_firm), {"primary_contact": firm_member.pk})
    owned_firm.refresh_from_db()
    assert owned_firm.primary_contact == firm_member


def test_the_service_refuses_a_primary_contact_who_is_not_a_member(owned_firm, firm_owner):
    with pytest.raises(ValidationError) as error:
        services.organization_update(
            organization=owned_firm, actor=firm_owner, primary_contact=UserFactory()
        )
    assert "primary_contact" in error.value.message_dict


def test_registration_does_not_take_a_primary_contact():
    with pytest.raises(TypeError):
        services.organization_register(
            actor=UserFactory(), kind="firm", name_en="X", primary_contact=UserFactory()
        )


def test_when_the_primary_contact_leaves_an_owner_takes_over(owned_firm, firm_owner, firm_member):
    services.organization_update(
        organization=owned_firm, actor=firm_owner, primary_contact=firm_member
    )
    membership = Membership.objects.get(user=firm_member, organization=owned_firm)
    services.membership_remove(membership=membership, actor=firm_member)
    owned_firm.refresh_from_db()
    assert owned_firm.primary_contact == firm_owner


# Who sees the firm's contact


def _verified(factory):
    return MembershipFactory(organization=factory()).user


VIEWERS = {
    "anonymous": lambda firm: None,
    "signed-in outsider": lambda firm: UserFactory(),
    "member of another firm": lambda firm: MembershipFactory().user,
    "unverified agency member": lambda firm: (
        MembershipFactory(organization=AgencyFactory(verification_status="pending")).user
    ),
    "rejected intermediary member": lambda firm: (
        MembershipFactory(organization=IntermediaryFactory(verification_status="rejected")).user
    ),
    "portal operator": lambda firm: UserFactory(is_staff=True, is_superuser=True),
    "verified agency member": lambda firm: _verified(AgencyFactory),
    "verified intermediary member": lambda firm: _verified(IntermediaryFactory),
    "verified regulator member": lambda firm: _verified(RegulatorFactory),
    "member of the firm": lambda firm: MembershipFactory(organization=firm).user,
    "contact themselves": lambda firm: firm.primary_contact,
}
SEES_CONTACT = {
    "verified agency member",
    "verified intermediary member",
    "verified regulator member",
    "member of the firm",
    "contact themselves",
}


@pytest.mark.parametrize("role", VIEWERS)
def test_the_firms_contact_is_shown_only_to_verified_government_side_staff_and_members(
    owned_firm, firm_owner, role
):
    from django.contrib.auth.models import AnonymousUser

    viewer = VIEWERS[role](owned_firm) or AnonymousUser()
    contact = selectors.firm_contact_for(viewer, owned_firm)
    if role in SEES_CONTACT:
        assert contact == (firm_owner.get_full_name(), firm_owner.email)
    else:
        assert contact is None


@pytest.mark.parametrize("role", VIEWERS)
def test_a_contact_who_has_not_consented_is_never_shown(owned_firm, firm_owner, role):
    from django.contrib.auth.models import AnonymousUser

    firm_owner.terms_accepted_at = None
    firm_owner.save()
    viewer = VIEWERS[role](owned_firm) or AnonymousUser()
    assert selectors.firm_contact_for(viewer, owned_firm) is None


def test_no_contact_is_shown_for_a_firm_without_one(firm, firm_owner):
    assert selectors.firm_contact_for(firm_owner, firm) is None


# The pages that show the profile


def test_the_dashboard_of_a_newcomer_leads_to_the_wizard(client, user):
    client.force_login(user)
    content = client.get(reverse("organizations:dashboard")).content.decode()
    assert f'href="{reverse("organizations:onboarding")}">Set up your firm</a>' in content
    assert "Register an organization" in content


def test_the_firm_page_shows_the_profile_and_the_pitch_with_a_fallback_note(
    client, owned_firm, firm_owner, firm_member
):
    services.organization_update(
        organization=owned_firm,
        actor=firm_owner,
        pitch_en=PITCH_EN,
        employees_band="50-299",
        founded_year=1998,
    )
    client.force_login(firm_member)
    content = client.get(owned_firm.get_absolute_url()).content.decode()
    assert PITCH_EN in content and "(English)" not in content
    assert "50–299 employees" in content and "1998" in content
    assert firm_owner.email in content  # the primary contact, for a member

    firm_member.preferred_language = "ja"
    firm_member.save()
    content = client.get(owned_firm.get_absolute_url()).content.decode()
    assert PITCH_EN in content
    assert '<p class="meta fallback-note" lang="en">(English)</p>' in content

    services.organization_update(organization=owned_firm, actor=firm_owner, pitch_ja=PITCH_JA)
    content = client.get(owned_firm.get_absolute_url()).content.decode()
    assert PITCH_JA in content and PITCH_EN not in content and "fallback-note" not in content


def test_the_firm_page_hides_a_contact_who_has_not_consented(client, owned_firm, firm_owner):
    contact = MembershipFactory(organization=owned_firm, user__terms_accepted_at=None).user
    services.organization_update(organization=owned_firm, actor=firm_owner, primary_contact=contact)
    client.force_login(firm_owner)
    content = client.get(owned_firm.get_absolute_url()).content.decode()
    assert "Primary contact" not in content


def test_firm_page_query_count_does_not_grow_with_members(
    client, owned_firm, firm_owner, django_assert_max_num_queries
):
    services.organization_update(
        organization=owned_firm, actor=firm_owner, pitch_en=PITCH_EN, employees_band="1-9"
    )
    client.force_login(firm_owner)
    with django_assert_max_num_queries(20) as few:
        assert client.get(owned_firm.get_absolute_url()).status_code == 200
    for _ in range(10):
        MembershipFactory(organization=owned_firm)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(owned_firm.get_absolute_url())


def test_the_edit_page_includes_the_firm_profile(client, owned_firm, firm_owner, firm_member):
    client.force_login(firm_owner)
    url = reverse("organizations:update", args=[owned_firm.pk])
    content = client.get(url).content.decode()
    for name in ("employees_band", "founded_year", "pitch_en", "pitch_ja", "primary_contact"):
        assert f'name="{name}"' in content
    data = {
        "name_en": owned_firm.name_en,
        "name_ja": owned_firm.name_ja,
        "corporate_number": owned_firm.corporate_number,
        "country": "JP",
        "prefecture": "13",
        "time_zone": "Asia/Tokyo",
        "employees_band": "300-999",
        "founded_year": "1990",
        "pitch_en": PITCH_EN,
        "primary_contact": firm_member.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    owned_firm.refresh_from_db()
    assert owned_firm.employees_band == "300-999" and owned_firm.founded_year == 1990
    assert owned_firm.pitch_en == PITCH_EN and owned_firm.primary_contact == firm_member


def test_the_edit_page_of_an_agency_has_no_firm_profile(client, agency):
    owner = MembershipFactory(organization=agency, role="owner").user
    client.force_login(owner)
    content = client.get(reverse("organizations:update", args=[agency.pk])).content.decode()
    assert 'name="pitch_en"' not in content and 'name="employees_band"' not in content
