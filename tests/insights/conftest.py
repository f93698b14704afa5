"""Hand-made data for the dashboards, with the numbers each selector must find counted by
hand in the docstrings."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.opportunities.models import Opportunity, Response, ResponseEvent
from apps.waivers.models import WaiverEvent, WaiverRequest
from tests.capabilities.factories import CapabilityFactory
from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory
from tests.opportunities.factories import OpportunityFactory

RS = Response.Status
WS = WaiverRequest.Status


@dataclass
class AgencyData:
    agency: object
    other_agency: object
    staff: object
    firms: dict
    opportunities: dict
    responses: dict = field(default_factory=dict)


def _response(opportunity, firm, *, days_after, status=RS.RECEIVED, controlled=False):
    return Response.objects.create(
        opportunity=opportunity,
        organization=firm,
        body="Hand-made response.",
        attachment="responses/hand-made.pdf" if controlled else "",
        attachment_is_controlled=controlled,
        status=status,
        submitted_at=opportunity.published_at + timedelta(days=days_after),
    )


@pytest.fixture
def agency_data(db):
    """Agency 1's opportunities in the window:

    - A: satellites, published 10 days ago, export authorization required;
    - B: space technologies, published 20 days ago;
    - F: artificial intelligence, published 5 days ago, no response;
    - C: a draft in artificial intelligence (created now);
    and, outside what agency 1's dashboard reads: E, published 400 days ago, and D of
    agency 2.

    Firms with published capabilities: F1 in satellites, F2 in space technologies, F3 in
    artificial intelligence; F4's satellites capability is a draft. Matches: A ↔ F1
    (same area), F2 (broader); B ↔ F1 (narrower), F2; F ↔ F3: five pairs.

    Responses: on A, F1 after 2 days (selected, controlled attachment, held) and F2 after
    5 days (invited, then declined; controlled attachment released by an approved
    request); on B, F3 after 4 days (received). F1 also answered D and E.
    """
    now = timezone.now()
    agency = AgencyFactory(name_en="Agency One")
    other_agency = AgencyFactory(name_en="Agency Two")
    staff = MembershipFactory(organization=agency).user
    firms = {name: OrganizationFactory(name_en=f"Firm {name}") for name in ("F1", "F2", "F3", "F4")}
    CapabilityFactory(organization=firms["F1"], areas=["satellites"])
    CapabilityFactory(organization=firms["F1"], areas=["satellites"])  # one firm, once
    CapabilityFactory(organization=firms["F2"], areas=["space-technologies"])
    CapabilityFactory(organization=firms["F3"], areas=["artificial-intelligence"])
    CapabilityFactory(
        organization=firms["F4"], areas=["satellites"], status="draft", published_at=None
    )

    def published(days_ago, areas, organization=agency, **kwargs):
        return OpportunityFactory(
            organization=organization,
            areas=areas,
            published_at=now - timedelta(days=days_ago),
            **kwargs,
        )

    opportunities = {
        "A": published(10, ["satellites"], reference_number="OTA-A",
                       export_authorization_required=True),
        "B": published(20, ["space-technologies"], reference_number="OTA-B"),
        "F": published(5, ["artificial-intelligence"], reference_number="OTA-F"),
        "C": OpportunityFactory(organization=agency, areas=["artificial-intelligence"],
                                status=Opportunity.Status.DRAFT, reference_number="OTA-C"),
        "E": published(400, ["satellites"], reference_number="OTA-E"),
        "D": published(10, ["satellites"], organization=other_agency, reference_number="OTA-D"),
    }  # fmt: skip
    data = AgencyData(agency, other_agency, staff, firms, opportunities)
    a, b = opportunities["A"], opportunities["B"]
    data.responses["A-F1"] = _response(
        a, firms["F1"], days_after=2, status=RS.SELECTED, controlled=True
    )
    data.responses["A-F2"] = _response(
        a, firms["F2"], days_after=5, status=RS.DECLINED, controlled=True
    )
    ResponseEvent.objects.create(
        response=data.responses["A-F2"], from_status=RS.RECEIVED, to_status=RS.INVITED
    )
    ResponseEvent.objects.create(
        response=data.responses["A-F2"], from_status=RS.INVITED, to_status=RS.DECLINED
    )
    data.responses["B-F3"] = _response(b, firms["F3"], days_after=4)
    _response(opportunities["D"], firms["F1"], days_after=1, status=RS.SELECTED, controlled=True)
    _response(opportunities["E"], firms["F1"], days_after=1, status=RS.SELECTED)
    make_request(
        firms["F2"], agency, opportunity=a, status=WS.APPROVED,
        expires_on=timezone.localdate() + timedelta(days=200),
    )  # fmt: skip
    # An expired authorization and one of another firm do not release F1's attachment.
    make_request(
        firms["F1"], agency, opportunity=a, status=WS.APPROVED,
        expires_on=timezone.localdate() - timedelta(days=30),
    )  # fmt: skip
    make_request(
        firms["F1"], agency, opportunity=a, status=WS.APPROVED, conditions="Marked copies only.",
        expires_on=timezone.localdate() + timedelta(days=200),
    )  # fmt: skip
    return data


def make_request(firm, agency, *, status=WS.SUBMITTED, **fields):
    from tests.factories import UserFactory

    capability = CapabilityFactory(organization=firm, areas=["satellites"])
    return WaiverRequest.objects.create(
        firm=firm,
        capability=capability,
        receiving_agency=agency,
        consignee="Program office",
        end_user="US Space Force",
        end_use="Evaluation.",
        technology="Design data.",
        classification=fields.pop("classification", WaiverRequest.Classification.LISTED),
        control_list_item="2(12)",
        status=status,
        created_by=UserFactory(),
        **fields,
    )


def event(request, action, to_status, *, at, from_status=""):
    return WaiverEvent.objects.create(
        request=request,
        kind=WaiverEvent.Kind.TRANSITION,
        action=action,
        from_status=from_status,
        to_status=to_status,
        created_at=at,
    )


@dataclass
class ReviewData:
    now: object
    requests: dict


@pytest.fixture
def review_data(db):
    """Decisions (first submission → decision): R1 listed, approved after 20 days; R2 not
    listed, denied after 40 days (resubmitted between); R3 listed, approved after 95 days;
    R4 listed, denied after 38 days. Days sorted: 20, 38, 40, 95: median 39, 90th
    percentile 40 + 0.7 × (95 − 40) = 78.5. R5 was decided 400 days ago: outside.

    The authority holds S1 (submitted 100 days ago: 10 days past the 90-day target), S2
    (under review, 80 days: due in 10 days, within the 14-day reminder window) and S3
    (resubmitted 10 days ago: on track); S4 waits on the firm (information requested)."""
    now = timezone.now()
    agency = AgencyFactory()
    firm = OrganizationFactory()

    def ago(days):
        return now - timedelta(days=days)

    requests = {}
    r1 = requests["R1"] = make_request(firm, agency, status=WS.APPROVED)
    event(r1, "submit", WS.SUBMITTED, at=ago(30))
    event(r1, "assign", WS.UNDER_REVIEW, at=ago(25))
    event(r1, "approve", WS.AWAITING_CONFIRMATION, at=ago(12))
    event(r1, "confirm", WS.APPROVED, at=ago(10))
    r2 = requests["R2"] = make_request(
        firm, agency, status=WS.DENIED,
        classification=WaiverRequest.Classification.NOT_LISTED,
    )  # fmt: skip
    event(r2, "submit", WS.SUBMITTED, at=ago(50))
    event(r2, "return", WS.RETURNED, at=ago(45))
    event(r2, "resubmit", WS.RESUBMITTED, at=ago(30))
    event(r2, "deny", WS.DENIED, at=ago(10))
    r3 = requests["R3"] = make_request(firm, agency, status=WS.APPROVED)
    event(r3, "submit", WS.SUBMITTED, at=ago(100))
    event(r3, "confirm", WS.APPROVED, at=ago(5))
    r4 = requests["R4"] = make_request(firm, agency, status=WS.DENIED)
    event(r4, "submit", WS.SUBMITTED, at=ago(40))
    event(r4, "deny", WS.DENIED, at=ago(2))
    r5 = requests["R5"] = make_request(firm, agency, status=WS.DENIED)
    event(r5, "submit", WS.SUBMITTED, at=ago(430))
    event(r5, "deny", WS.DENIED, at=ago(400))

    requests["S1"] = make_request(firm, agency, status=WS.SUBMITTED, submitted_at=ago(100))
    requests["S2"] = make_request(firm, agency, status=WS.UNDER_REVIEW, submitted_at=ago(80))
    requests["S3"] = make_request(firm, agency, status=WS.RESUBMITTED, submitted_at=ago(10))
    requests["S4"] = make_request(
        firm, agency, status=WS.INFORMATION_REQUESTED, submitted_at=ago(200)
    )
    return ReviewData(now=now, requests=requests)
