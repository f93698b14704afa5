"""Template helpers shared by every app."""

import zoneinfo
from datetime import datetime, timedelta

from django import template
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.widgets import escape_text

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


# The widget types that includes/field.html marks up in their own way; `filter_fields`
# renders these fields with it, and builds the others' plain label-and-widget markup.
_OWN_MARKUP_WIDGETS = frozenset(
    {"checkbox", "radioselect", "checkboxselectmultiple", "clearablefile", "file"}
)


@register.simple_tag
def filter_fields(form):
    """The visible fields of a filter form, marked up as includes/field.html does (a label,
    the widget, help, errors), built in Python with plain string work (as the widgets of
    apps.core.widgets): a list page's filters are on every request, and an include per
    field cost more than the rows it filters.
    tests/core/test_pagination_and_widgets.py compares both renderings."""
    parts = []
    for field in form.visible_fields():
        if field.widget_type in _OWN_MARKUP_WIDGETS:
            parts.append(get_template("includes/field.html").render({"field": field}))
            continue
        auto_id = escape_text(field.auto_id)
        errors = field.errors
        classes = "field" + (" field-invalid" if errors else "")
        classes += (" field-required" if field.field.required else "") + f" field-{field.name}"
        mark = ' <span class="required" aria-hidden="true">*</span>' if field.field.required else ""
        # Help texts are the project's own markup, as in field.html.
        help_text = (
            f'<p class="help" id="{auto_id}_helptext">{field.help_text}</p>'
            if field.help_text
            else ""
        )
        shown = "".join(
            f'<p class="error" id="{auto_id}_error">{escape_text(error)}</p>' for error in errors
        )
        parts.append(
            f'<div class="{escape_text(classes)}">\n'
            f'<label for="{escape_text(field.id_for_label)}">{escape_text(field.label)}{mark}'
            f"</label>\n{escape_text(field)}\n{help_text}{shown}</div>\n"
        )
    return mark_safe("".join(parts))  # each part is escaped above or by its template
