"""The Atom feed (RFC 4287) and the iCalendar of deadlines (RFC 5545) of opportunities.

Both take the query string of /opportunities/ and filter through the same
`filters.filtered_opportunities` (open opportunities unless asked otherwise); an invalid
filter value gives an empty, still valid, feed or calendar.
"""

import datetime
import re
from dataclasses import dataclass

import icalendar
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.opportunities import filters, selectors
from apps.opportunities.models import Opportunity

FEED_LIMIT = 100
CALENDAR_LIMIT = 500
CALENDAR_PRODID = "-//Kakehashi//Opportunity deadlines//EN"
UID_DOMAIN = "kakehashi"
REFRESH_INTERVAL = datetime.timedelta(hours=6)
# Characters XML 1.0 does not allow (Django refuses to write the feed if one slips in):
# rows written before input was cleaned, or through the admin, must not break the feed.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return NOT_XML.sub("", value)


def filtered(request: HttpRequest) -> QuerySet[Opportunity]:
    """The opportunities the list page would show for this request's query string."""
    _filterset, queryset = filters.filtered_opportunities(
        request.GET, selectors.opportunities_public(), request
    )
    return queryset


def _list_url(request: HttpRequest) -> str:
    """The list page with the same filters, for the feed's alternate link."""
    url = reverse("opportunities:list")
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def _format_utc(value: datetime.datetime) -> str:
    return _utc(value).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class FeedRequest:
    """What one request asked for. The Feed instance is shared by every request (and
    thread), so per-request state travels in this object, never on `self`."""

    request: HttpRequest
    items: list[Opportunity]


class OpportunityFeed(Feed):
    feed_type = Atom1Feed
    author_name = "Kakehashi"

    def get_object(self, request, *args, **kwargs):
        return FeedRequest(request=request, items=list(filtered(request)[:FEED_LIMIT]))

    def title(self, obj: FeedRequest) -> str:
        return _("Kakehashi opportunities")

    def subtitle(self, obj: FeedRequest) -> str:
        return _(
            "Opportunities of US agencies for Japanese technology firms, matching the "
            "filters of this link."
        )

    def link(self, obj: FeedRequest) -> str:
        return _list_url(obj.request)

    def feed_url(self, obj: FeedRequest) -> str:
        return obj.request.get_full_path()

    def items(self, obj: FeedRequest) -> list[Opportunity]:
        return obj.items

    def item_title(self, item: Opportunity) -> str:
        return _xml_text(item.title)

    def item_link(self, item: Opportunity) -> str:
        return item.get_absolute_url()

    def item_description(self, item: Opportunity) -> str:
        # Atom1Feed marks the summary as type="html": escape the text, add paragraphs.
        deadline = _("Responses are due by %(deadline)s.") % {
            "deadline": _format_utc(item.response_deadline)
        }
        return format_html("<p>{}</p><p>{}</p>", _xml_text(item.summary), deadline)

    def item_pubdate(self, item: Opportunity) -> datetime.datetime:
        return item.published_at or item.created_at

    def item_updateddate(self, item: Opportunity) -> datetime.datetime:
        # Amendments touch updated_at; a reader then shows the entry as changed.
        return max(item.updated_at, item.published_at or item.updated_at)

    def item_author_name(self, item: Opportunity) -> str:
        return _xml_text(item.organization.name)

    def item_categories(self, item: Opportunity) -> list[str]:
        return [_xml_text(area.name) for area in item.areas.all()]


def _event(
    *,
    uid: str,
    summary: str,
    at: datetime.datetime,
    opportunity: Opportunity,
    url: str,
    description: str,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    # No METHOD on the calendar, so DTSTAMP is when the information was last revised.
    event.add("dtstamp", _utc(opportunity.updated_at))
    event.add("last-modified", _utc(opportunity.updated_at))
    event.add("dtstart", _utc(at))
    # A deadline is an instant: zero duration (RFC 5545 3.6.1 forbids DTEND == DTSTART).
    event.add("duration", datetime.timedelta(0))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url, parameters={"VALUE": "URI"})
    event.add("transp", "TRANSPARENT")
    areas = [area.name for area in opportunity.areas.all()]
    if areas:
        event.add("categories", areas)
    return event


def _events(opportunity: Opportunity, url: str) -> list[icalendar.Event]:
    title = opportunity.title
    description = "\n\n".join(
        part
        for part in (
            opportunity.summary,
            _("Agency: %(agency)s") % {"agency": opportunity.organization.name},
            _("Reference number: %(number)s") % {"number": opportunity.reference_number},
            _("Responses are due by %(deadline)s.")
            % {"deadline": _format_utc(opportunity.response_deadline)},
            url,
        )
        if part
    )
    events = [
        _event(
            uid=f"opportunity-{opportunity.pk}-response@{UID_DOMAIN}",
            summary=_("Response deadline: %(title)s") % {"title": title},
            at=opportunity.response_deadline,
            opportunity=opportunity,
            url=url,
            description=description,
        )
    ]
    if opportunity.question_deadline:
        events.append(
            _event(
                uid=f"opportunity-{opportunity.pk}-questions@{UID_DOMAIN}",
                summary=_("Question deadline: %(title)s") % {"title": title},
                at=opportunity.question_deadline,
                opportunity=opportunity,
                url=url,
                description=description,
            )
        )
    return events


@require_safe
def calendar(request: HttpRequest) -> HttpResponse:
    """The response (and question) deadlines of the filtered opportunities, for calendar
    applications to subscribe to."""
    cal = icalendar.Calendar()
    cal.add("prodid", CALENDAR_PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    name = _("Kakehashi opportunity deadlines")
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    cal.add(
        "x-wr-caldesc",
        _("Response and question deadlines of dual-use opportunities, in UTC."),
    )
    # How often subscribed calendar applications should fetch it again (RFC 7986).
    cal.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    for opportunity in filtered(request)[:CALENDAR_LIMIT]:
        url = request.build_absolute_uri(opportunity.get_absolute_url())
        for event in _events(opportunity, url):
            cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kakehashi-opportunities.ics"'
    return response
