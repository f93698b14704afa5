"""The audit trail cannot be changed; documents are validated; expiry; the gate's check."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from apps.waivers import services
from apps.waivers.models import WaiverDocument, WaiverEvent, WaiverRequest, tokyo_today
from tests.waivers.conftest import request_data

S = WaiverRequest.Status
pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_edited_or_deleted_through_the_orm(draft):
    event = WaiverEvent.objects.filter(request=draft).first()
    event.comment = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        WaiverEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    with pytest.raises(PermissionError):
        WaiverEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.comment == ""


def test_the_database_refuses_to_change_events_even_in_raw_sql(draft):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    from django.db import DatabaseError

    event = WaiverEvent.objects.filter(request=draft).first()
    for sql in (
        "UPDATE waivers_waiverevent SET comment = 'x' WHERE id = %s",
        "DELETE FROM waivers_waiverevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="audit trail"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert WaiverEvent.objects.filter(pk=event.pk, comment="").exists()


def test_requests_with_history_cannot_be_deleted(draft):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        draft.delete()


def test_the_admin_offers_no_change_or_delete_even_to_a_superuser(draft, operator, rf):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = operator
    for model in (WaiverRequest, WaiverEvent):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(request, draft)
        assert not model_admin.has_delete_permission(request, draft)
        assert not model_admin.has_add_permission(request)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"classification": "listed", "control_list_item": ""}, "control_list_item"),
        ({"classification": "not_listed", "not_listed_reasoning": ""}, "not_listed_reasoning"),
    ],
)
def test_a_classification_needs_its_detail(overrides, field, firm, officer, agency):
    with pytest.raises(ValidationError) as error:
        services.waiver_create(
            actor=officer, firm=firm, data=request_data(firm, agency, **overrides)
        )
    assert field in error.value.message_dict
    assert not WaiverRequest.objects.exists()


def test_a_document_that_is_not_what_its_extension_says_is_refused(draft, officer):
    fake = SimpleUploadedFile(
        "statement.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    with pytest.raises(ValidationError):
        services.document_add(actor=officer, request=draft, kind="end_use", upload=fake)
    assert WaiverDocument.objects.filter(request=draft).count() == 1


def test_a_replaced_document_keeps_its_earlier_version(draft, officer):
    from tests.waivers.conftest import pdf

    original = WaiverDocument.objects.get(request=draft)
    newer = services.document_add(
        actor=officer, request=draft, kind="technical", upload=pdf("v2.pdf"), replaces=original
    )
    original.refresh_from_db()
    assert not original.is_current and newer.is_current
    assert newer.file.name != original.file.name
    assert newer.file.name.startswith(f"waivers/{draft.pk}/") and "v2" not in newer.file.name


def test_the_daily_expiry_flips_exactly_the_expired_ones_once(draft, firm, officer, agency):
    other = services.waiver_create(actor=officer, firm=firm, data=request_data(firm, agency))
    today = tokyo_today()
    WaiverRequest.objects.filter(pk=draft.pk).update(
        status=S.APPROVED, expires_on=today - timedelta(days=1)
    )
    WaiverRequest.objects.filter(pk=other.pk).update(status=S.APPROVED, expires_on=today)
    assert services.waivers_expire(today=today) == 1
    assert services.waivers_expire(today=today) == 0
    draft.refresh_from_db()
    other.refresh_from_db()
    assert (draft.status, other.status) == (S.EXPIRED, S.APPROVED)
    event = WaiverEvent.objects.get(request=draft, action="expire")
    assert event.actor is None and event.to_status == S.EXPIRED


def test_only_an_approval_in_effect_opens_the_gate(draft, agency, firm):
    def gate():
        return services.waiver_in_effect_exists(
            firm_id=firm.pk, agency_id=agency.pk, opportunity_id=None
        )

    assert not gate()
    WaiverRequest.objects.filter(pk=draft.pk).update(
        status=S.APPROVED, expires_on=tokyo_today() + timedelta(days=30)
    )
    assert gate()
    WaiverRequest.objects.filter(pk=draft.pk).update(conditions="No re-export.")
    assert not gate()  # conditions not acknowledged yet
    WaiverRequest.objects.filter(pk=draft.pk).update(status=S.REVOKED)
    assert not gate()
