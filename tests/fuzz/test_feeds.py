"""The Atom feed and the calendar stay well-formed whatever text the rows hold: rows
written before input was cleaned, or through the admin, may carry characters that XML 1.0
refuses (control characters), markup, or text of any length."""

from xml.etree import ElementTree

import icalendar
import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from apps.opportunities.models import Opportunity
from apps.organizations.models import Organization
from tests.fuzz import strategies as fz
from tests.fuzz.support import rolled_back

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
# What PostgreSQL stores in a text column: anything but NUL (and no lone surrogates).
storable_text = (
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60)
    | fz.html_payloads
    | fz.control_text.map(lambda text: text.replace("\x00", ""))
)


@given(title=storable_text, summary=storable_text, agency=storable_text)
@example(title="Vertical\x0btab", summary="Form\x0cfeed \x1b[31m", agency="Unit\x1fseparator")
@example(title="<script>alert(1)</script>", summary="]]>", agency="&amp;")
def test_feed_and_calendar_stay_well_formed(client, world, title, summary, agency):
    opportunity = world.opportunity
    with rolled_back():
        Opportunity.objects.filter(pk=opportunity.pk).update(
            title_en=title or "x", summary_en=summary
        )
        Organization.objects.filter(pk=opportunity.organization_id).update(name_en=agency or "x")
        feed = client.get(reverse("opportunities:feed"))
        calendar = client.get(reverse("opportunities:calendar"))
    assert feed.status_code == 200
    root = ElementTree.fromstring(feed.content)  # noqa: S314 (our own output, in a test)
    assert len(root.findall(f"{ATOM}entry")) == 1
    assert calendar.status_code == 200
    events = icalendar.Calendar.from_ical(calendar.content).walk("VEVENT")
    assert len(events) == 2  # the response and the question deadline
