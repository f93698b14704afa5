"""The audit trail of export-control requests as CSV, for an auditor: one row per event,
with a byte-order mark so that Excel reads the Japanese correctly, and with no
cell that a spreadsheet would run as a formula."""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _

from apps.waivers.models import WaiverEvent, WaiverRequest

BOM = "\ufeff"
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SYSTEM_ACTOR = "system"


class _Echo:
    """A file-like object whose write() hands back the line, for csv.writer to stream."""

    def write(self, value):
        return value


def neutralise(value) -> str:
    """The cell as text, prefixed with a single quote if a spreadsheet would evaluate it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _request_ids(requests):
    if isinstance(requests, QuerySet):
        return requests.order_by().values("pk")
    return [request.pk for request in requests]


def _events(requests, events: QuerySet | None = None) -> QuerySet:
    events = WaiverEvent.objects.all() if events is None else events
    return (
        events.filter(request__in=_request_ids(requests))
        .select_related("request__firm", "actor")
        .order_by("request__reference", "created_at", "pk")
    )


def header() -> list[str]:
    return [
        _("Reference"),
        _("Firm"),
        _("Time (UTC, ISO 8601)"),
        _("Actor"),
        _("Kind"),
        _("Action"),
        _("From status"),
        _("To status"),
        _("Comment"),
        _("Changed fields (JSON)"),
    ]


def row(event: WaiverEvent) -> list[str]:
    moment = event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    cells = [
        event.request.reference,
        event.request.firm.name,
        moment,
        event.actor.email if event.actor_id else SYSTEM_ACTOR,
        event.kind,
        event.action,
        event.from_status,
        event.to_status,
        event.comment,
        json.dumps(event.changed_fields, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder),
    ]
    return [neutralise(cell) for cell in cells]


def audit_csv_lines(
    requests: Iterable[WaiverRequest], *, events: QuerySet | None = None
) -> Iterator[str]:
    """The CSV, line by line, starting with the byte-order mark and the header."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header())
    for event in _events(requests, events).iterator(chunk_size=2000):
        yield writer.writerow(row(event))


def audit_csv_response(
    requests: Iterable[WaiverRequest], *, filename: str, events: QuerySet | None = None
) -> HttpResponse:
    """A download of every audit event of `requests` (a queryset or a list of requests),
    one row each, oldest first per request. Never cached.

    `events`, a queryset of WaiverEvent, narrows the rows (e.g. to what the firm may
    read); only those of `requests` are written either way."""
    safe_name = "".join(c for c in filename if c.isalnum() or c in "-_.") or "audit-trail.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    for line in audit_csv_lines(requests, events=events):
        response.write(line)
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["Cache-Control"] = "no-store"
    return response
