"""Every write to capabilities. Each write records a revision (who changed what, when)
and refreshes the search columns. The exposure counters (how often a firm was found) are
written here too, by the pages and digests that find it."""

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.capabilities import permissions
from apps.capabilities.models import Capability, CapabilityRevision, Exposure
from apps.core.search import update_search_columns
from apps.core.text import normalize_text

EDITABLE_FIELDS = (
    "title_en",
    "title_ja",
    "summary_en",
    "summary_ja",
    "description_en",
    "description_ja",
    "trl",
    "is_dual_use",
    "civil_application_en",
    "civil_application_ja",
    "export_control_status",
    "control_list_item",
    "keywords",
    "prior_work_en",
    "prior_work_ja",
    "brochure",
    "visibility",
)


def _normalize_keywords(value: str) -> str:
    parts = [normalize_text(p) for p in value.replace("、", ",").replace("，", ",").split(",")]
    seen: dict[str, None] = {}
    for part in parts:
        if part and part.lower() not in {k.lower() for k in seen}:
            seen[part] = None
    return ", ".join(seen)


def _snapshot(capability: Capability) -> dict:
    data = {}
    for name in EDITABLE_FIELDS:
        value = getattr(capability, name)
        data[name] = value.name if name == "brochure" else value
    if capability.pk:
        data["areas"] = sorted(capability.areas.values_list("slug", flat=True))
    return data


def _diff(before: dict, after: dict) -> dict:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def _refresh_search(capability: Capability) -> None:
    areas = list(capability.areas.all())
    update_search_columns(
        Capability,
        capability.pk,
        capability.title_en,
        capability.title_ja,
        capability.summary_en,
        capability.summary_ja,
        capability.keywords,
        " ".join(f"{a.name_en} {a.name_ja}" for a in areas),
        area_ids=[a.pk for a in areas],
    )


def _apply(capability: Capability, fields: dict, areas) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown capability fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name == "brochure" and value is False:  # "clear" ticked on the form
            value = ""
        setattr(capability, name, value)
    capability.keywords = _normalize_keywords(capability.keywords or "")
    if capability.export_control_status != Capability.ExportControl.LISTED:
        capability.control_list_item = ""
    if areas is not None and not list(areas):
        raise ValidationError({"areas": _("Choose at least one technology area.")})


@transaction.atomic
def capability_create(*, organization, actor: User, areas, **fields) -> Capability:
    """Create a draft capability for a firm the actor belongs to."""
    if not permissions.can_create_for(actor, organization):
        raise PermissionDenied(_("Only members of a firm add its capabilities."))
    capability = Capability(organization=organization, created_by=actor)
    _apply(capability, fields, areas)
    capability.full_clean()
    capability.save()
    capability.areas.set(areas)
    CapabilityRevision.objects.create(
        capability=capability,
        actor=actor,
        action="created",
        changes=_diff({}, _snapshot(capability)),
    )
    _refresh_search(capability)
    return capability


@transaction.atomic
def capability_update(*, capability: Capability, actor: User, areas=None, **fields) -> Capability:
    if not permissions.can_edit(actor, capability):
        raise PermissionDenied(_("Only members of the firm edit its capabilities."))
    capability = Capability.objects.select_for_update().get(pk=capability.pk)
    before = _snapshot(capability)
    _apply(capability, fields, areas)
    capability.full_clean()
    capability.save()
    if areas is not None:
        capability.areas.set(areas)
    changes = _diff(before, _snapshot(capability))
    if changes:
        CapabilityRevision.objects.create(
            capability=capability, actor=actor, action="edited", changes=changes
        )
    _refresh_search(capability)
    return capability


@transaction.atomic
def capability_publish(*, capability: Capability, actor: User) -> Capability:
    if not permissions.can_edit(actor, capability):
        raise PermissionDenied(_("Only members of the firm publish its capabilities."))
    capability = Capability.objects.select_for_update().get(pk=capability.pk)
    if capability.status == Capability.Status.PUBLISHED:
        return capability
    capability.full_clean()
    capability.status = Capability.Status.PUBLISHED
    capability.published_at = timezone.now()
    capability.save(update_fields=["status", "published_at", "updated_at"])
    CapabilityRevision.objects.create(
        capability=capability,
        actor=actor,
        action="published",
        changes={"status": [Capability.Status.DRAFT, Capability.Status.PUBLISHED]},
    )
    return capability


@transaction.atomic
def capability_unpublish(*, capability: Capability, actor: User) -> Capability:
    if not (permissions.can_edit(actor, capability) or permissions.can_moderate(actor)):
        raise PermissionDenied(_("Only members of the firm change its capabilities."))
    capability = Capability.objects.select_for_update().get(pk=capability.pk)
    if capability.status == Capability.Status.DRAFT:
        return capability
    capability.status = Capability.Status.DRAFT
    capability.save(update_fields=["status", "updated_at"])
    CapabilityRevision.objects.create(
        capability=capability,
        actor=actor,
        action="unpublished",
        changes={"status": [Capability.Status.PUBLISHED, Capability.Status.DRAFT]},
    )
    return capability


# --- Exposure: how often a firm is found ------------------------------------------------

logger = logging.getLogger(__name__)

# Counters per INSERT statement (five parameters each).
EXPOSURE_BATCH_SIZE = 500


def exposures_record(
    *, kind: str, hits: Iterable[tuple[int, int | None]], day: date | None = None
) -> None:
    """Adds one to the `kind` counter of `day` (default today) for each (firm id,
    capability id or None) in `hits`; a pair given twice adds two.

    One INSERT … ON CONFLICT DO UPDATE per 500 counters (plus one when some have no
    capability, since those rows fall under their own unique index): the database adds
    to a row another transaction just created instead of failing, on PostgreSQL and on
    SQLite alike. Rows are written in key order, so that two lists counted at once do
    not deadlock.

    There is no actor: the counters say how often, never who. Counting must never cost
    the page or the digest it is part of, so it runs in a savepoint, and a database
    error is logged and swallowed."""
    counts = Counter(hits)
    if not counts:
        return
    day = day or Exposure.today()
    try:
        with transaction.atomic():
            _exposure_upsert(
                sorted((f, c, n) for (f, c), n in counts.items() if c is not None), kind, day
            )
            _exposure_upsert(
                sorted((f, c, n) for (f, c), n in counts.items() if c is None), kind, day
            )
    except DatabaseError:
        logger.warning(
            "Exposure counters not recorded (%s, %d counters)", kind, len(counts), exc_info=True
        )


def _exposure_upsert(rows: list[tuple[int, int | None, int]], kind: str, day: date) -> None:
    """Rows all with a capability, or all without one."""
    if not rows:
        return
    quote = connection.ops.quote_name
    meta = Exposure._meta
    table = quote(meta.db_table)
    firm, capability, kind_column, day_column, count = (
        quote(meta.get_field(name).column)
        for name in ("firm", "capability", "kind", "day", "count")
    )
    if rows[0][1] is None:
        target = f"({firm}, {kind_column}, {day_column}) WHERE {capability} IS NULL"
    else:
        target = (
            f"({firm}, {capability}, {kind_column}, {day_column}) WHERE {capability} IS NOT NULL"
        )
    day_value = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), EXPOSURE_BATCH_SIZE):
            batch = rows[start : start + EXPOSURE_BATCH_SIZE]
            sql = (
                f"INSERT INTO {table} ({firm}, {capability}, {kind_column}, {day_column}, {count}) "  # noqa: S608 — names from the model
                f"VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(batch))} "
                f"ON CONFLICT {target} DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}"
            )
            cursor.execute(
                sql, [value for f, c, n in batch for value in (f, c, kind, day_value, n)]
            )


def _not_seen_today(*, viewer_id: int, subjects: list[str], day: date) -> list[str]:
    """Those of `subjects` this viewer has not seen yet on `day`, which are marked seen
    until the day is over: reloading a page does not count again.

    Each cache key is a keyed hash of the day, the viewer and the subject, and expires
    with the day: nothing in it names the viewer, and nothing outlives the day. (Two
    loads at the same instant may both count.) Without the cache (it failed) nothing is
    counted: the figures may run a little low, never high."""
    stamp = day.isoformat()
    keys = {
        subject: f"exposure-seen:{stamp}:"
        + salted_hmac("capabilities.exposure", f"{stamp}:{viewer_id}:{subject}").hexdigest()[:32]
        for subject in subjects
    }
    end_of_day = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    timeout = max(int((end_of_day - timezone.now()).total_seconds()), 0) + 60
    try:
        seen = cache.get_many(list(keys.values()))
        new = [subject for subject, key in keys.items() if key not in seen]
        if new:
            cache.set_many({keys[subject]: 1 for subject in new}, timeout)
    except Exception:
        logger.warning("Exposure not counted: the cache did not answer", exc_info=True)
        return []
    return new


def profile_view_record(*, viewer_id: int, firm_id: int, capability_id: int | None = None) -> None:
    """Counts a view of a firm's profile (no capability) or of one of its capability
    pages, once per viewer, page and day. The caller counts only views by verified
    agency or intermediary staff (permissions.counts_as_agency_view)."""
    day = Exposure.today()
    subject = f"profile:{firm_id}:{capability_id or ''}"
    if _not_seen_today(viewer_id=viewer_id, subjects=[subject], day=day):
        exposures_record(kind=Exposure.Kind.PROFILE_VIEW, hits=[(firm_id, capability_id)], day=day)


def matched_firms_record(
    *, viewer_id: int, opportunity_id: int, listed: Iterable[tuple[int, int]]
) -> None:
    """Counts each firm an opportunity's matched-firms list showed, with the capability
    it was shown for, as (firm id, capability id), once per viewer, opportunity and firm
    a day (a firm that joins the list later in the day counts when it does), in one
    statement for the whole list and two cache round trips."""
    capability_of = dict(listed)
    if not capability_of:
        return
    day = Exposure.today()
    subjects = {f"matches:{opportunity_id}:{firm_id}": firm_id for firm_id in capability_of}
    new = _not_seen_today(viewer_id=viewer_id, subjects=list(subjects), day=day)
    exposures_record(
        kind=Exposure.Kind.MATCH,
        hits=[(subjects[s], capability_of[subjects[s]]) for s in new],
        day=day,
    )
