"""Every public form answers hostile input (arbitrary and invalid Unicode, 100 kB values,
NUL and control characters, markup, SQL, format strings, odd numbers and dates, missing
or repeated fields) with a redirect, a 4xx or the form again with its errors: never a
server error, never a silent 200.

Each case posts a valid submission with some of its fields replaced, so that hostile
values reach the services as well as the forms' validation."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from apps.taxonomy.models import TechnologyArea
from tests.factories import corporate_number
from tests.fuzz import strategies as fz
from tests.fuzz.support import assert_handled_post, post, rolled_back, sign_in

pytestmark = pytest.mark.django_db


def _area(slug="satellites") -> str:
    return str(TechnologyArea.objects.get(slug=slug).pk)


def _future(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@dataclass
class FormCase:
    name: str
    user: str | None  # an attribute of World, or None for an anonymous visitor
    url: Callable
    valid: Callable  # World -> a valid submission, whose fields are then varied

    def __str__(self):
        return self.name


def capability_data(world):
    return {
        "title_en": "Compact SAR payload",
        "title_ja": "小型SARペイロード",
        "summary_en": "A 25 kg radar.",
        "summary_ja": "",
        "description_en": "",
        "description_ja": "",
        "areas": [_area()],
        "trl": "6",
        "is_dual_use": "on",
        "civil_application_en": "Disaster monitoring.",
        "civil_application_ja": "",
        "export_control_status": "unknown",
        "control_list_item": "",
        "keywords": "SAR, 小型衛星",
        "prior_work_en": "",
        "prior_work_ja": "",
        "visibility": "public",
    }


def opportunity_data(world):
    return {
        "reference_number": "SSC-26-001",
        "title_en": "Small-satellite SAR payloads",
        "title_ja": "小型衛星用SARペイロード",
        "summary_en": "Compact radar payloads for 100 kg satellites.",
        "summary_ja": "",
        "description_en": "",
        "description_ja": "",
        "vehicle": "ota_prototype",
        "areas": [_area()],
        "trl_min": "5",
        "trl_max": "7",
        "funding_min": "100000",
        "funding_max": "900000",
        "currency": "USD",
        "response_deadline": _future(20),
        "question_deadline": _future(15),
        "place_of_performance": "Colorado Springs",
        "foreign_participation": "with_authorization",
        "points_of_contact": "PM — pm@ssc.example",
    }


def waiver_data(world):
    return {
        "capability": str(world.capability.pk),
        "technology": "合成開口レーダーのペイロード設計データ",
        "opportunity": str(world.opportunity.pk),
        "response": "",
        "classification": "listed",
        "control_list_item": "2(12)",
        "not_listed_reasoning": "",
        "us_classification": "",
        "receiving_agency": str(world.agency.pk),
        "consignee": "Space Systems Program Office",
        "end_user": "US Space Force",
        "end_use": "試作機の評価",
        "destination_country": "US",
        "authorization_kind": "individual",
        "validity_months": "12",
    }


def organization_data(world):
    return {
        "kind": "firm",
        "name_en": "Hayabusa Robotics K.K.",
        "name_ja": "はやぶさロボティクス株式会社",
        "name_kana": "ハヤブサロボティクス",
        "corporate_number": corporate_number(990001),
        "country": "JP",
        "postal_code": "220-0012",
        "prefecture": "14",
        "city": "Yokohama",
        "address": "1-1 Minatomirai",
        "website": "hayabusa.example",
        "time_zone": "Asia/Tokyo",
        "email_domain": "",
        "uei": "",
        "cage_code": "",
    }


def organization_update_data(world):
    data = organization_data(world)
    del data["kind"]
    data.update(
        corporate_number=world.firm.corporate_number,
        employees_band="10-49",
        founded_year="2015",
        pitch_en="Swarm navigation for small drones.",
        pitch_ja="",
        primary_contact=str(world.firm_owner.pk),
    )
    return data


FORM_CASES = [
    # --- Accounts (allauth, and the portal's profile) ---------------------------------
    FormCase(
        "signup",
        None,
        lambda w: reverse("account_signup"),
        lambda w: {
            "email": "someone@firm.example",
            "display_name": "Sato Hanako",
            "password1": "a-long-enough-passphrase-2026",
            "password2": "a-long-enough-passphrase-2026",
            "accept_terms": "on",
        },
    ),
    FormCase(
        "login",
        None,
        lambda w: reverse("account_login"),
        lambda w: {"login": w.firm_owner.email, "password": "wrong-password", "remember": "on"},
    ),
    FormCase(
        "password_reset",
        None,
        lambda w: reverse("account_reset_password"),
        lambda w: {"email": w.firm_owner.email},
    ),
    FormCase(
        "password_change",
        "firm_owner",
        lambda w: reverse("account_change_password"),
        lambda w: {
            "oldpassword": "correct-horse-battery-staple",
            "password1": "another-long-passphrase-2026",
            "password2": "another-long-passphrase-2026",
        },
    ),
    FormCase(
        "email_add",
        "firm_owner",
        lambda w: reverse("account_email"),
        lambda w: {"email": "second@tsubasa-aero.example", "action_add": ""},
    ),
    FormCase(
        "profile",
        "firm_owner",
        lambda w: reverse("accounts:profile"),
        lambda w: {
            "display_name": "Sato Hanako",
            "display_name_kana": "サトウハナコ",
            "preferred_language": "ja",
            "time_zone": "Asia/Tokyo",
        },
    ),
    # --- Organizations -------------------------------------------------------------------
    FormCase(
        "onboarding_firm",
        "newcomer",
        lambda w: reverse("organizations:onboarding"),
        lambda w: {
            "corporate_number": corporate_number(990002),
            "name_en": "Hayabusa Robotics K.K.",
            "name_ja": "はやぶさロボティクス株式会社",
            "name_kana": "ハヤブサロボティクス",
            "email_domain": "",
        },
    ),
    FormCase(
        "onboarding_details",
        "firm_owner",
        lambda w: reverse("organizations:onboarding_details", args=[w.firm.pk]),
        lambda w: {
            "prefecture": "14",
            "city": "Yokohama",
            "postal_code": "220-0012",
            "address": "1-1 Minatomirai",
            "employees_band": "10-49",
            "founded_year": "2015",
            "website": "hayabusa.example",
        },
    ),
    FormCase(
        "onboarding_pitch",
        "firm_owner",
        lambda w: reverse("organizations:onboarding_pitch", args=[w.firm.pk]),
        lambda w: {
            "pitch_en": "Swarm navigation for small drones.",
            "pitch_ja": "小型ドローンの群制御。",
            "primary_contact": str(w.firm_owner.pk),
        },
    ),
    FormCase(
        "organization_create",
        "newcomer",
        lambda w: reverse("organizations:create"),
        organization_data,
    ),
    FormCase(
        "organization_update",
        "firm_owner",
        lambda w: reverse("organizations:update", args=[w.firm.pk]),
        organization_update_data,
    ),
    FormCase(
        "invitation",
        "firm_owner",
        lambda w: reverse("organizations:invite", args=[w.firm.pk]),
        lambda w: {
            "email": "colleague@tsubasa-aero.example",
            "role": "member",
            "is_export_control_officer": "",
        },
    ),
    FormCase(
        "membership",
        "firm_owner",
        lambda w: reverse("organizations:membership_update", args=[w.firm_membership.pk]),
        lambda w: {"role": "owner", "is_export_control_officer": "on"},
    ),
    FormCase(
        "join_request",
        "newcomer",
        lambda w: reverse("organizations:join", args=[w.firm.pk]),
        lambda w: {"message": "I work in the radar team."},
    ),
    FormCase(
        "join_request_decision",
        "firm_owner",
        lambda w: reverse("organizations:join_request_decide", args=[w.join_request.pk]),
        lambda w: {"decision": "approve", "next": "/dashboard/"},
    ),
    # --- Capabilities ----------------------------------------------------------------------
    FormCase(
        "capability_create",
        "firm_owner",
        lambda w: reverse("capabilities:create"),
        capability_data,
    ),
    FormCase(
        "capability_edit",
        "firm_owner",
        lambda w: reverse("capabilities:edit", args=[w.capability.pk]),
        capability_data,
    ),
    # --- Opportunities (agency staff) ---------------------------------------------------
    FormCase(
        "opportunity_create",
        "agency_staff",
        lambda w: reverse("opportunities:create"),
        opportunity_data,
    ),
    FormCase(
        "opportunity_amend",
        "agency_staff",
        lambda w: reverse("opportunities:edit", args=[w.opportunity.pk]),
        lambda w: {**opportunity_data(w), "reason": "The deadline moves by a week."},
    ),
    FormCase(
        "opportunity_transition",
        "agency_staff",
        lambda w: reverse("opportunities:transition", args=[w.draft_opportunity.pk]),
        lambda w: {"to": "published"},
    ),
    FormCase(
        "response_transition",
        "agency_staff",
        lambda w: reverse("opportunities:response_transition", args=[w.response.pk]),
        lambda w: {"to": "under_review", "message": "Thank you: we are reading it."},
    ),
    FormCase(
        "answer",
        "agency_staff",
        lambda w: reverse("opportunities:answer", args=[w.question.pk]),
        lambda w: {"answer": "Yes, up to 35 kg.", "is_public": "on"},
    ),
    FormCase(
        "target_by_agency",
        "agency_staff",
        lambda w: reverse("opportunities:target", args=[w.opportunity.pk]),
        lambda w: {
            "on_behalf_of": str(w.agency.pk),
            "firms": [str(w.firm.pk)],
            "areas": [_area()],
            "note_en": "Your SAR work fits.",
            "note_ja": "",
        },
    ),
    FormCase(
        "target_by_intermediary",
        "intermediary_staff",
        lambda w: reverse("opportunities:target", args=[w.opportunity.pk]),
        lambda w: {
            "on_behalf_of": str(w.intermediary.pk),
            "firms": [str(w.firm.pk)],
            "areas": [],
            "note_en": "",
            "note_ja": "声かけ",
        },
    ),
    FormCase(
        "target_network",
        "intermediary_staff",
        lambda w: reverse("opportunities:target", args=[w.opportunity.pk]),
        lambda w: {
            "on_behalf_of": str(w.intermediary.pk),
            "network": "on",
            "network_area": _area("space-technologies"),
            "note_en": "For the space members of our network.",
            "note_ja": "",
        },
    ),
    FormCase(
        "partner_add",
        "intermediary_staff",
        lambda w: reverse("organizations:partners", args=[w.intermediary.pk]),
        lambda w: {
            "name": "Kumo Photonics K.K.",
            "email": "ceo@kumo-photonics.example",
            "corporate_number": corporate_number(880001),
        },
    ),
    # --- Opportunities (firms) -----------------------------------------------------------
    FormCase(
        "respond",
        "firm_owner",
        lambda w: reverse("opportunities:respond", args=[w.opportunity.pk]),
        lambda w: {
            "kind": "solution_brief",
            "body": "Our 25 kg SAR payload fits your bus.",
            "is_proprietary": "on",
            "attachment_is_controlled": "",
        },
    ),
    FormCase(
        "ask",
        "firm_owner",
        lambda w: reverse("opportunities:ask", args=[w.opportunity.pk]),
        lambda w: {"text": "Is a 30 kg payload acceptable?"},
    ),
    # --- Notifications ---------------------------------------------------------------------
    FormCase(
        "notification_settings",
        "firm_owner",
        lambda w: reverse("notifications:settings"),
        lambda w: {
            "frequency": "daily",
            "areas": [_area()],
            "include_followed_deadlines": "on",
            "track_links": "on",
        },
    ),
    FormCase(
        "saved_search",
        "firm_owner",
        lambda w: reverse("notifications:saved_search_create"),
        lambda w: {"name": "SAR in Japan", "query": "q=SAR&area=satellites"},
    ),
    # --- Export-control requests (firm members) -------------------------------------------
    FormCase(
        "waiver_create",
        "firm_owner",
        lambda w: reverse("waivers:create"),
        waiver_data,
    ),
    FormCase(
        "waiver_edit",
        "firm_owner",
        lambda w: reverse("waivers:edit", args=[w.waiver.pk]),
        lambda w: {**waiver_data(w), "version": str(w.waiver.version)},
    ),
    FormCase(
        "waiver_action",
        "firm_owner",
        lambda w: reverse("waivers:action", args=[w.waiver.pk]),
        lambda w: {"action": "submit", "version": str(w.waiver.version), "comment": ""},
    ),
    FormCase(
        "waiver_answer",
        "firm_owner",
        lambda w: reverse("waivers:answer", args=[w.waiver_awaiting_answer.pk]),
        lambda w: {
            "message": "The signed statement follows by post.",
            "version": str(w.waiver_awaiting_answer.version),
            "kind": "",
            "replaces": "",
        },
    ),
]


def _overrides(fields: list[str]) -> st.SearchStrategy[dict]:
    return fz.form_values(fields) | st.fixed_dictionaries(
        {}, optional={name: st.just("") for name in fields}
    )


@pytest.mark.parametrize("case", FORM_CASES, ids=str)
@given(data=st.data())
def test_form_answers_hostile_input(client, world, case, data):
    url = case.url(world)
    valid = case.valid(world)
    user = getattr(world, case.user) if case.user else None
    changes = data.draw(_overrides(list(valid)), label="changes")
    dropped = data.draw(st.sets(st.sampled_from(list(valid))) | st.just(set()), label="dropped")
    submission = {k: v for k, v in {**valid, **changes}.items() if k not in dropped - set(changes)}
    if user is not None:
        sign_in(client, user)
    with rolled_back():
        response = post(client, url, submission)
    assert_handled_post(response)


VERSION_FORMS = ["waiver_edit", "waiver_answer"]


@pytest.mark.parametrize("name", VERSION_FORMS)
@given(version=fz.number_strings | fz.hostile_text)
@example(version="²")
@example(version="9" * 5000)
def test_waiver_forms_take_any_version(client, world, name, version):
    case = next(case for case in FORM_CASES if case.name == name)
    url, valid, owner = case.url(world), case.valid(world), world.firm_owner
    sign_in(client, owner)
    with rolled_back():
        response = post(client, url, {**valid, "version": version})
    assert_handled_post(response)


@given(name=fz.hostile_text, query=fz.hostile_text)
@example(name="SAR", query="q=" + "語" * 990)
def test_saved_search_stores_any_query_it_accepts(client, world, name, query):
    owner = world.firm_owner
    sign_in(client, owner)
    with rolled_back():
        response = post(
            client, reverse("notifications:saved_search_create"), {"name": name, "query": query}
        )
        assert_handled_post(response)
        page = client.get(reverse("notifications:settings"))
        assert page.status_code == 200


@pytest.mark.parametrize("case", [c for c in FORM_CASES if c.name != "login"], ids=str)
def test_each_valid_submission_is_accepted(client, world, case):
    """The starting point of every case gets through, so that varied submissions reach
    the services and not only the forms' first check."""
    url, valid = case.url(world), case.valid(world)
    if case.user:
        sign_in(client, getattr(world, case.user))
    response = post(client, url, valid)
    assert response.status_code in (302, 303), response.content[:3000]
