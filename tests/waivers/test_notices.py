"""The firm hears of every state change of its request, exactly once, in its members'
languages; reviewers are reminded of requests nearing the service-level target."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.notifications.models import Delivery
from apps.waivers import services, signals, tasks
from apps.waivers.models import WaiverEvent, WaiverRequest, tokyo_today
from tests.waivers.conftest import approve_details

pytestmark = pytest.mark.django_db


def notices():
    return Delivery.objects.filter(kind=Delivery.Kind.NOTICE)


def test_each_state_change_reaches_every_firm_member_once(
    draft, officer, member, django_capture_on_commit_callbacks
):
    member.preferred_language = "ja"
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.waiver_transition(actor=officer, request=draft, action="submit")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([officer.email, member.email])
    japanese = next(m for m in mail.outbox if m.to == [member.email])
    english = next(m for m in mail.outbox if m.to == [officer.email])
    assert draft.reference in english.subject and "Submitted" in english.subject
    assert "提出済み" in japanese.subject
    assert f"/waivers/{draft.pk}/" in english.body
    assert "List-Unsubscribe" not in english.extra_headers


def test_announcing_the_same_event_twice_sends_nothing_more(
    draft, officer, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.waiver_transition(actor=officer, request=draft, action="submit")
    event = draft.events.get(action="submit")
    sent = len(mail.outbox)
    signals.waiver_status_changed.send(
        sender=None,
        request_id=draft.pk,
        event_id=event.pk,
        firm_id=draft.firm_id,
        reference=draft.reference,
        action="submit",
        to_status="submitted",
        comment="",
    )
    assert len(mail.outbox) == sent == 2
    assert notices().count() == 2


def test_the_reviewers_question_is_in_the_mail_but_internal_notes_are_not(
    draft, officer, reviewer, django_capture_on_commit_callbacks
):
    services.waiver_transition(actor=officer, request=draft, action="submit")
    services.declare_no_conflict(actor=reviewer, request=draft)
    services.waiver_transition(actor=reviewer, request=draft, action="assign")
    with django_capture_on_commit_callbacks(execute=True):
        services.waiver_transition(
            actor=reviewer,
            request=draft,
            action="request_information",
            comment="Which end user signs the statement?",
        )
    question = [m for m in mail.outbox if "Which end user signs the statement?" in m.body]
    assert len(question) == 1

    mail.outbox.clear()
    services.waiver_transition(
        actor=officer, request=draft, action="resubmit", comment="The program office signs."
    )
    services.waiver_transition(actor=reviewer, request=draft, action="assign")
    with django_capture_on_commit_callbacks(execute=True):
        services.waiver_transition(
            actor=reviewer,
            request=draft,
            action="approve",
            comment="Internal: precedent EC-2025-17.",
            **approve_details(),
        )
    assert mail.outbox, "the firm hears that the request moved"
    assert all("precedent" not in m.body for m in mail.outbox)


def test_the_expiry_task_notifies_once_however_often_it_runs(
    draft, officer, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    services.waiver_transition(actor=officer, request=draft, action="submit")
    services.declare_no_conflict(actor=reviewer, request=draft)
    services.declare_no_conflict(actor=second_reviewer, request=draft)
    services.waiver_transition(actor=reviewer, request=draft, action="assign")
    services.waiver_transition(
        actor=reviewer, request=draft, action="approve", comment="ok", **approve_details()
    )
    services.waiver_transition(actor=second_reviewer, request=draft, action="confirm", comment="ok")
    WaiverRequest.objects.filter(pk=draft.pk).update(expires_on=tokyo_today() - timedelta(days=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_waivers.delay().get() == 1
        assert tasks.expire_waivers.delay().get() == 0
    assert len(mail.outbox) == 1  # the officer, the firm's one member here
    assert "Expired" in mail.outbox[0].subject
    assert draft.events.filter(action="expire").count() == 1


def test_reviewers_are_reminded_once_near_the_target(
    draft, officer, reviewer, second_reviewer, settings, django_capture_on_commit_callbacks
):
    settings.WAIVER_SLA_DAYS = 90
    settings.WAIVER_REMINDER_DAYS = 14
    services.waiver_transition(actor=officer, request=draft, action="submit")
    WaiverRequest.objects.filter(pk=draft.pk).update(
        submitted_at=timezone.now() - timedelta(days=80)
    )
    fresh = WaiverRequest.objects.create(
        **{
            f.name: getattr(draft, f.name)
            for f in WaiverRequest._meta.fields
            if f.name not in ("id", "reference", "created_at", "updated_at")
        }
    )
    WaiverRequest.objects.filter(pk=fresh.pk).update(submitted_at=timezone.now())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_reviewers.delay().get() == 1
        tasks.remind_reviewers.delay().get()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([reviewer.email, second_reviewer.email])  # unassigned: all
    assert all(draft.reference in m.subject for m in mail.outbox)
    assert not any(fresh.reference in m.subject for m in mail.outbox)
    assert WaiverEvent.objects.filter(request=draft, kind=WaiverEvent.Kind.TRANSITION).count() == 1
