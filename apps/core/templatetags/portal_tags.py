"""Template helpers shared by every app."""

import zoneinfo
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


def _zone(value) -> zoneinfo.ZoneInfo | None:
    if not value:
        return None
    if isinstance(value, zoneinfo.ZoneInfo):
        return value
    try:
        return zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _stamp(moment: datetime, zone) -> str:
    local = timezone.localtime(moment, zone)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


COUNTDOWN_SHOWN_WITHIN = timedelta(days=7)


def countdown_changes_at(moment: datetime, now: datetime) -> datetime:
    """When the countdown that `deadline` shows beside this moment next reads
    differently: when it appears, at the next whole day of what remains, or in the last
    day at the next whole hour. (Cached pages are kept until then.)"""
    remaining = moment - now
    if remaining > COUNTDOWN_SHOWN_WITHIN:
        return moment - COUNTDOWN_SHOWN_WITHIN
    if remaining <= timedelta(0):
        return moment + timedelta(days=36500)  # no countdown once past
    unit = timedelta(days=1) if remaining >= timedelta(days=1) else timedelta(hours=1)
    return now + remaining % unit


@register.simple_tag
def deadline(moment: datetime | None, owner_zone=None, countdown: bool = True):
    """A deadline in the viewer's time zone, with the owner's zone beside it when it
    differs, and a countdown when less than a week remains."""
    if not moment:
        return ""
    viewer_zone = timezone.get_current_timezone()
    owner = _zone(owner_zone)
    main = format_html(
        '<time datetime="{}">{}</time>', moment.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat(),
        _stamp(moment, viewer_zone),
    )  # fmt: skip
    parts = [main]
    if (
        owner
        and timezone.localtime(moment, owner).utcoffset()
        != timezone.localtime(moment, viewer_zone).utcoffset()
    ):
        parts.append(format_html(' <span class="meta">({})</span>', _stamp(moment, owner)))
    remaining = moment - timezone.now()
    if countdown and timedelta(0) < remaining < COUNTDOWN_SHOWN_WITHIN:
        days, hours = remaining.days, remaining.seconds // 3600
        if days:
            text = ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}
        else:
            text = ngettext("%(hours)d hour left", "%(hours)d hours left", hours) % {"hours": hours}
        parts.append(format_html(' <strong class="countdown">{}</strong>', text))
    elif remaining.total_seconds() <= 0 and countdown:
        parts.append(format_html(' <span class="badge">{}</span>', _("passed")))
    return format_html("{}" * len(parts), *parts)


@register.filter
def shorten(value, length):
    """Django's truncatechars for plain text, at most `length` characters with the
    ellipsis, without its character-by-character scan (lists call it for every row)."""
    text, length = str(value), int(length)
    if len(text) <= length:
        return text
    return text[: length - 1].rstrip() + "…"


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for sort links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    query.pop("page", None)
    return query.urlencode()
