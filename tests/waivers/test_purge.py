"""Export-control records are kept at least five years: the purge command removes only
what is older, and the audit trail stays closed to everyone else."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from apps.waivers import services
from apps.waivers.models import WaiverDocument, WaiverEvent, WaiverRequest
from tests.waivers.conftest import pdf, request_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
S = WaiverRequest.Status


def aged(firm, officer, agency, *, years: float, status=S.DENIED):
    """A request decided `years` ago whose whole history is that old."""
    request = services.waiver_create(actor=officer, firm=firm, data=request_data(firm, agency))
    document = services.document_add(actor=officer, request=request, kind="technical", upload=pdf())
    when = timezone.now() - timedelta(days=int(365.25 * years))
    WaiverRequest.objects.filter(pk=request.pk).update(status=status, decided_at=when)
    # Events cannot be edited: replace the history by an equally old one, as it would be.
    with connection.cursor() as cursor, transaction.atomic():
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE waivers_waiverevent DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM waivers_waiverevent WHERE request_id = %s", [request.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE waivers_waiverevent ENABLE TRIGGER USER")
    WaiverEvent.objects.create(
        request=request, actor=officer, kind=WaiverEvent.Kind.CREATED, created_at=when
    )
    return request, document


def purge(*args):
    out = StringIO()
    call_command("purge_waiver_records", *args, stdout=out)
    return out.getvalue()


def test_only_decided_records_older_than_five_years_go(firm, officer, agency):
    old, old_document = aged(firm, officer, agency, years=6)
    young, _ = aged(firm, officer, agency, years=4)
    open_old, _ = aged(firm, officer, agency, years=7, status=S.UNDER_REVIEW)
    path = old_document.file.path

    output = purge()

    assert "Deleted 1 request(s)" in output
    assert not WaiverRequest.objects.filter(pk=old.pk).exists()
    assert not WaiverEvent.objects.filter(request_id=old.pk).exists()
    assert not WaiverDocument.objects.filter(request_id=old.pk).exists()
    assert set(WaiverRequest.objects.values_list("pk", flat=True)) == {young.pk, open_old.pk}
    import os

    assert not os.path.exists(path)


def test_a_recent_event_keeps_an_old_request(firm, officer, agency, reviewer):
    old, document = aged(firm, officer, agency, years=6)
    services.document_downloaded(actor=reviewer, document=document)  # read last week
    assert "0 request(s)" in purge()
    assert WaiverRequest.objects.filter(pk=old.pk).exists()


def test_a_shorter_retention_is_refused(firm, officer, agency):
    aged(firm, officer, agency, years=6)
    with pytest.raises(CommandError, match="at least 5 years"):
        purge("--years", "3")
    assert WaiverRequest.objects.count() == 1


def test_a_dry_run_deletes_nothing(firm, officer, agency):
    old, _ = aged(firm, officer, agency, years=6)
    output = purge("--dry-run")
    assert f"would delete {old.reference}" in output
    assert WaiverRequest.objects.filter(pk=old.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_outside_the_command_even_old_events_cannot_be_deleted(firm, officer, agency):
    old, _ = aged(firm, officer, agency, years=6)
    from django.db import DatabaseError

    with (
        pytest.raises(DatabaseError, match="cannot be changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM waivers_waiverevent WHERE request_id = %s", [old.pk])
    assert WaiverEvent.objects.filter(request_id=old.pk).exists()
