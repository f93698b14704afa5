"""Every allowed and refused transition, for every role."""

import pytest

from apps.core.errors import PermissionDeniedError, TransitionNotAllowed
from apps.waivers import services, workflow
from apps.waivers.models import WaiverEvent, WaiverRequest
from tests.waivers.conftest import approve_details, pdf

S = WaiverRequest.Status
pytestmark = pytest.mark.django_db


def fire(request, action, actor, **extra):
    details = approve_details() if action == "approve" else {}
    details.update(extra)
    details.setdefault("comment", "Recorded.")
    return services.waiver_transition(actor=actor, request=request, action=action, **details)


def test_the_whole_story_is_in_the_audit_trail(draft, officer, reviewer, second_reviewer, agency):
    fire(draft, "submit", officer)
    services.declare_no_conflict(actor=reviewer, request=draft)
    fire(draft, "assign", reviewer)
    fire(draft, "request_information", reviewer, comment="Add the end-use statement.")
    services.waiver_update(actor=officer, request=draft, data={"end_user": "US Space Force SSC"})
    services.document_add(actor=officer, request=draft, kind="end_use", upload=pdf("eu.pdf"))
    fire(draft, "resubmit", officer)
    fire(draft, "assign", reviewer)
    fire(draft, "approve", reviewer, **approve_details(conditions="No re-export."))
    services.declare_no_conflict(actor=second_reviewer, request=draft)
    request = fire(draft, "confirm", second_reviewer)

    assert request.status == S.APPROVED
    assert (request.approved_by, request.confirmed_by) == (reviewer, second_reviewer)
    assert not request.is_in_effect  # conditions not yet acknowledged
    request = services.conditions_acknowledge(actor=officer, request=request)
    assert request.is_in_effect
    assert services.waiver_in_effect_exists(
        firm_id=request.firm_id, agency_id=agency.pk, opportunity_id=None
    )

    steps = [
        (e.kind, e.action, e.from_status, e.to_status, e.actor)
        for e in WaiverEvent.objects.filter(request=request)
    ]
    assert [s[0] for s in steps].count("no_conflict") == 2
    transitions = [(a, f, t) for k, a, f, t, _ in steps if k == "transition"]
    assert transitions == [
        ("submit", "draft", "submitted"),
        ("assign", "submitted", "under_review"),
        ("request_information", "under_review", "information_requested"),
        ("resubmit", "information_requested", "resubmitted"),
        ("assign", "resubmitted", "under_review"),
        ("approve", "under_review", "awaiting_confirmation"),
        ("confirm", "awaiting_confirmation", "approved"),
        ("acknowledge_conditions", "approved", "approved"),
    ]
    edit = WaiverEvent.objects.get(request=request, kind="edited")
    assert edit.changed_fields == {"end_user": ["US Space Force", "US Space Force SSC"]}


@pytest.mark.parametrize("action", sorted(workflow.TRANSITIONS))
@pytest.mark.parametrize("status", S.values)
def test_each_action_is_allowed_exactly_from_its_declared_statuses(
    action, status, draft, officer, reviewer, second_reviewer
):
    transition = workflow.TRANSITIONS[action]
    WaiverRequest.objects.filter(pk=draft.pk).update(
        status=status, approved_by=reviewer if status == S.AWAITING_CONFIRMATION else None
    )
    draft.refresh_from_db()
    actor = {workflow.OFFICER: officer, workflow.REVIEWER: second_reviewer}.get(transition.role)
    if actor is second_reviewer:
        services.declare_no_conflict(actor=actor, request=draft)
    if status in transition.sources:
        request = fire(draft, action, actor)
        assert request.status == transition.target
        assert WaiverEvent.objects.filter(request=draft, action=action).count() == 1
    else:
        with pytest.raises(TransitionNotAllowed):
            fire(draft, action, actor)
        draft.refresh_from_db()
        assert draft.status == status
        assert not WaiverEvent.objects.filter(request=draft, action=action).exists()


@pytest.mark.parametrize(
    "action, who",
    [
        ("submit", "member"),  # a member who is not the export-control officer
        ("submit", "reviewer"),
        ("withdraw", "member"),
        ("assign", "officer"),
        ("approve", "officer"),
        ("assign", "undeclared_reviewer"),  # no conflict-of-interest declaration yet
        ("assign", "operator"),  # a superuser who is not a reviewer
        ("expire", "reviewer"),  # only the daily task expires
    ],
)
def test_the_wrong_role_is_refused_and_nothing_changes(
    action, who, draft, officer, member, reviewer, operator
):
    status = {"submit": S.DRAFT, "withdraw": S.SUBMITTED, "expire": S.APPROVED}.get(
        action, S.SUBMITTED if action == "assign" else S.UNDER_REVIEW
    )
    WaiverRequest.objects.filter(pk=draft.pk).update(status=status)
    draft.refresh_from_db()
    if who == "reviewer":
        services.declare_no_conflict(actor=reviewer, request=draft)
    actor = {
        "member": member,
        "officer": officer,
        "reviewer": reviewer,
        "undeclared_reviewer": reviewer,
        "operator": operator,
    }[who]
    with pytest.raises(PermissionDeniedError):
        fire(draft, action, actor)
    draft.refresh_from_db()
    assert draft.status == status


def test_members_may_prepare_drafts_but_only_the_officer_submits(draft, member, officer):
    services.waiver_update(actor=member, request=draft, data={"consignee": "SSPO, Los Angeles"})
    with pytest.raises(PermissionDeniedError):
        fire(draft, "submit", member)
    assert fire(draft, "submit", officer).status == S.SUBMITTED


def test_a_reviewer_from_the_firm_cannot_declare_no_conflict(draft, reviewer, firm):
    from tests.factories import MembershipFactory

    MembershipFactory(organization=firm, user=reviewer)
    with pytest.raises(PermissionDeniedError):
        services.declare_no_conflict(actor=reviewer, request=draft)


def test_the_approving_reviewer_cannot_confirm_their_own_approval(draft, reviewer):
    WaiverRequest.objects.filter(pk=draft.pk).update(status=S.UNDER_REVIEW)
    services.declare_no_conflict(actor=reviewer, request=draft)
    fire(draft, "approve", reviewer)
    with pytest.raises(TransitionNotAllowed, match="second reviewer"):
        fire(draft, "confirm", reviewer)


def test_a_stale_version_is_refused_with_a_clear_message(draft, reviewer, second_reviewer):
    WaiverRequest.objects.filter(pk=draft.pk).update(status=S.UNDER_REVIEW)
    seen = WaiverRequest.objects.get(pk=draft.pk).version
    for user in (reviewer, second_reviewer):
        services.declare_no_conflict(actor=user, request=draft)
    services.waiver_transition(
        actor=reviewer, request=draft, action="deny", comment="Insufficient.", version=seen
    )
    with pytest.raises(TransitionNotAllowed, match="Someone else changed this request"):
        services.waiver_transition(
            actor=second_reviewer,
            request=draft,
            action="approve",
            comment="Fine.",
            version=seen,
            **approve_details(),
        )
    assert WaiverEvent.objects.filter(request=draft, kind="transition").count() == 1


@pytest.mark.parametrize(
    "details, message",
    [
        ({"expires_on": None}, "expires"),
        ({"permit_number": ""}, "permit number"),
    ],
)
def test_an_approval_needs_an_expiry_in_the_future_and_the_permit(
    details, message, draft, reviewer
):
    from datetime import timedelta

    from apps.waivers.models import tokyo_today

    WaiverRequest.objects.filter(pk=draft.pk).update(status=S.UNDER_REVIEW)
    services.declare_no_conflict(actor=reviewer, request=draft)
    with pytest.raises(TransitionNotAllowed, match=message):
        fire(draft, "approve", reviewer, **details)
    with pytest.raises(TransitionNotAllowed, match="after today"):
        fire(draft, "approve", reviewer, expires_on=tokyo_today() - timedelta(days=1))
    draft.refresh_from_db()
    assert draft.status == S.UNDER_REVIEW


def test_decided_requests_cannot_be_edited(draft, officer):
    WaiverRequest.objects.filter(pk=draft.pk).update(status=S.DENIED)
    with pytest.raises(TransitionNotAllowed):
        services.waiver_update(actor=officer, request=draft, data={"consignee": "Other"})
    with pytest.raises(TransitionNotAllowed):
        services.document_add(actor=officer, request=draft, kind="other", upload=pdf())
