"""The whole story on the demo data, over HTTP as its people would live it: the demo firm
files a request in Japanese, the demo reviewer asks for more information in the admin,
the firm answers, the reviewer approves with conditions and a second reviewer confirms,
the firm acknowledges the conditions, the agency opens the withheld attachment, and the
firm downloads the decision letter; the audit trail and its CSV tell all of it."""

import csv
import io
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from apps.capabilities.models import Capability
from apps.opportunities.models import Response
from apps.waivers.models import WaiverRequest, tokyo_today
from tests.waivers.conftest import pdf

pytestmark = pytest.mark.django_db
S = WaiverRequest.Status
ACTION_COLUMN = 5


def admin_action(waiver, action):
    return reverse("admin:waivers_waiverrequest_transition", args=[waiver.pk, action])


def test_the_demo_story_from_filing_to_the_agency_opening_the_attachment(client):
    call_command("seed_demo", stdout=StringIO())
    users = get_user_model().objects
    officer = users.get(email="export@tsubasa-aero.example")
    reviewer = users.get(email="reviewer@meti-demo.example")
    second = users.get(email="reviewer2@meti-demo.example")
    agency_user = users.get(email="agency@diu-demo.example")
    response = Response.objects.get(opportunity__reference_number="DIU-26-SPACE-014")
    firm = response.organization
    attachment_url = reverse("opportunities:response_attachment", args=[response.pk])

    client.force_login(agency_user)
    assert client.get(attachment_url).status_code == 403  # held

    # The firm files in Japanese, from its response.
    client.force_login(officer)
    officer.preferred_language = "ja"
    officer.save()
    detail = client.get(response.get_absolute_url()).content.decode()
    assert reverse("waivers:create") in detail
    capability = Capability.objects.filter(organization=firm).first()
    created = client.post(
        reverse("waivers:create"),
        {
            "firm": firm.pk,
            "capability": capability.pk,
            "technology": "Xバンド合成開口レーダのペイロード設計データ",
            "opportunity": response.opportunity_id,
            "response": response.pk,
            "classification": "listed",
            "control_list_item": "2(12)",
            "receiving_agency": response.opportunity.organization_id,
            "consignee": "Defense Innovation Unit",
            "end_user": "米国宇宙軍",
            "end_use": "試作機の評価のみ",
            "destination_country": "US",
            "authorization_kind": "individual",
            "validity_months": "12",
        },
    )
    assert created.status_code == 302
    waiver = WaiverRequest.objects.get(firm=firm)
    assert "申請" in client.get(waiver.get_absolute_url()).content.decode()
    client.post(
        reverse("waivers:document_add", args=[waiver.pk]),
        {"kind": "technical", "file": pdf("技術説明書.pdf")},
    )
    client.post(
        reverse("waivers:action", args=[waiver.pk]),
        {"action": "submit", "version": waiver.version},
    )
    waiver.refresh_from_db()
    assert waiver.status == S.SUBMITTED

    # The reviewer asks for more information in the admin.
    client.force_login(reviewer)
    client.post(reverse("admin:waivers_waiverrequest_declare", args=[waiver.pk]), {"confirm": "on"})
    client.post(
        admin_action(waiver, "assign"), {"version": waiver.version, "reviewer": reviewer.pk}
    )
    waiver.refresh_from_db()
    client.post(
        admin_action(waiver, "request_information"),
        {"version": waiver.version, "comment": "Attach the end-use statement signed by DIU."},
    )
    waiver.refresh_from_db()
    assert waiver.status == S.INFORMATION_REQUESTED

    # The firm answers with the statement.
    client.force_login(officer)
    assert (
        "Attach the end-use statement signed by DIU."
        in client.get(waiver.get_absolute_url()).content.decode()
    )
    answered = client.post(
        reverse("waivers:answer", args=[waiver.pk]),
        {
            "version": waiver.version,
            "message": "DIUの署名入り最終用途証明書を添付しました。",
            "kind": "end_use",
            "file": pdf("end-use-statement.pdf"),
        },
    )
    assert answered.status_code == 302
    waiver.refresh_from_db()
    assert waiver.status == S.RESUBMITTED

    # The reviewer approves with conditions; a second reviewer confirms.
    client.force_login(reviewer)
    client.post(
        admin_action(waiver, "assign"), {"version": waiver.version, "reviewer": reviewer.pk}
    )
    waiver.refresh_from_db()
    expires = tokyo_today() + timedelta(days=365)
    client.post(
        admin_action(waiver, "approve"),
        {
            "version": waiver.version,
            "comment": "Civil evaluation only; end user verified.",
            "permit_number": "METI-2026-0815",
            "permit_date": tokyo_today().isoformat(),
            "expires_on": expires.isoformat(),
            "conditions": "No re-export; share only with the named program office.",
        },
    )
    waiver.refresh_from_db()
    assert waiver.status == S.AWAITING_CONFIRMATION
    client.force_login(second)
    client.post(reverse("admin:waivers_waiverrequest_declare", args=[waiver.pk]), {"confirm": "on"})
    client.post(admin_action(waiver, "confirm"), {"version": waiver.version, "comment": "Agreed."})
    waiver.refresh_from_db()
    assert waiver.status == S.APPROVED

    # Still closed until the firm acknowledges the conditions.
    client.force_login(agency_user)
    assert client.get(attachment_url).status_code == 403
    client.force_login(officer)
    client.post(
        reverse("waivers:action", args=[waiver.pk]),
        {"action": "acknowledge_conditions", "version": waiver.version},
    )
    waiver.refresh_from_db()
    assert waiver.is_in_effect

    client.force_login(agency_user)  # the demo agency account has an authenticator
    opened = client.get(attachment_url)
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content).startswith(b"%PDF")

    client.force_login(officer)
    letter = client.get(reverse("waivers:letter", args=[waiver.pk]))
    assert letter.status_code == 200
    assert "METI-2026-0815" in letter.content.decode()

    exported = client.get(reverse("waivers:history_csv", args=[waiver.pk]))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    actions = [row[ACTION_COLUMN] for row in rows[1:]]  # headers are in the reader's language
    for step in (
        "submit",
        "assign",
        "request_information",
        "resubmit",
        "approve",
        "confirm",
        "acknowledge_conditions",
    ):
        assert step in actions
    assert any("DIUの署名入り最終用途証明書" in cell for row in rows for cell in row)
