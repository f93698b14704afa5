"""An agency posts an opportunity with a PDF and targets it at a technology area; a firm
with capabilities there sees it targeted, follows it and asks a question; the agency
answers; the firm submits a solution brief (with the keyboard alone) and is invited to
pitch."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.opportunities.models import Opportunity, Question, Response
from apps.taxonomy.models import TechnologyArea
from tests.e2e.helpers import Keyboard, exactly, pdf_file, shown, tr
from tests.e2e.people import agency_staff, space_firm

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TEXTS = {
    "en": {
        "question": "May a Japanese subcontractor build the antenna?",
        "answer": "Yes, if it is named in the solution brief.",
        "brief": "Our 60 kg SAR payload flew in 2025 and meets the 1 m resolution sought.",
        "invitation": "Please pitch to the program office on 10 December, 09:00 EST.",
    },
    "ja": {
        "question": "アンテナの製造を日本の協力会社に委託してもよいですか。",
        "answer": "Yes, if it is named in the solution brief.",
        "brief": (
            "当社の60 kg級SARペイロードは2025年に軌道実証済みで、求められる分解能1 mを満たします。"
        ),
        "invitation": "Please pitch to the program office on 10 December, 09:00 EST.",
    },
}


def test_an_agency_posts_and_targets_and_a_firm_responds_and_is_invited_to_pitch(
    as_user, site, journey, lang
):
    texts = TEXTS[lang]
    agency, agency_user = agency_staff(lang)
    firm, firm_user = space_firm(lang)
    satellites = TechnologyArea.objects.get(slug="satellites")

    # The agency posts the opportunity from its dashboard.
    desk = as_user(agency_user)
    desk.goto(site + "/dashboard/")
    journey.step(desk, "agency dashboard")
    desk.get_by_role("link", name=tr(lang, "Post an opportunity")).click()
    journey.step(desk, "new opportunity form")
    deadline = timezone.localtime(timezone.now() + timedelta(days=30), ZoneInfo(agency.time_zone))
    desk.fill("[name=reference_number]", "SSPO-26-SAR-01")
    desk.check("[name=vehicle][value=ota_prototype]")
    desk.fill("[name=title_en]", "Small-satellite SAR payload prototype")
    desk.fill("[name=title_ja]", "小型衛星用SARペイロードの試作")
    desk.fill("[name=summary_en]", "A synthetic-aperture radar payload for a 100 kg satellite.")
    desk.fill("[name=summary_ja]", "100 kg級衛星に搭載する合成開口レーダペイロード。")
    desk.check(f"[name=areas][value='{satellites.pk}']")
    desk.fill("[name=trl_min]", "5")
    desk.fill("[name=trl_max]", "7")
    desk.fill("[name=funding_max]", "2500000")
    desk.fill("[name=response_deadline]", deadline.strftime("%Y-%m-%dT17:00"))
    desk.check("[name=foreign_participation][value=with_authorization]")
    desk.fill("[name=points_of_contact]", "Maria Lopez, agreements officer")
    desk.locator("main form button[type=submit]").first.click()

    opportunity = Opportunity.objects.get(reference_number="SSPO-26-SAR-01")
    expect(desk).to_have_url(f"{site}/opportunities/{opportunity.pk}/")
    journey.step(desk, "draft opportunity")

    desk.get_by_role("link", name=tr(lang, "Add an attachment")).click()
    journey.step(desk, "attachment form")
    desk.fill("[name=title]", "Statement of need")
    desk.set_input_files("[name=file]", pdf_file("statement-of-need.pdf"))
    desk.locator("main form button[type=submit]").click()
    expect(desk.get_by_role("link", name="Statement of need")).to_be_visible()

    desk.get_by_role("link", name=tr(lang, "Target firms")).first.click()
    journey.step(desk, "targeting form")
    desk.check(f"[name=areas][value='{satellites.pk}']")
    desk.fill("[name=note_en]", "Firms with flight-proven SAR payloads.")
    desk.get_by_role("button", name=exactly(tr(lang, "Target"))).click()
    expect(desk.locator(".messages")).to_be_visible()
    journey.step(desk, "targeted at an area")
    desk.get_by_role("link", name=tr(lang, "Back to the opportunity")).click()
    desk.get_by_role("button", name=tr(lang, "Publish")).click()
    expect(desk.locator(".badge-verified").first).to_be_visible()
    journey.step(desk, "published opportunity")

    # The firm finds it on its dashboard, marked as targeted, and follows it.
    office = as_user(firm_user)
    office.goto(site + "/dashboard/")
    targeted = office.locator(".targeted")
    expect(targeted).to_contain_text(tr(lang, "Targeted at you"))
    journey.step(office, "firm dashboard with a targeted opportunity")
    targeted.get_by_role("link", name=shown(opportunity, "title", lang)).click()
    expect(office.locator(".badge-target")).to_have_text(tr(lang, "Targeted at you"))
    journey.step(office, "targeted opportunity")
    office.get_by_role("button", name=tr(lang, "Follow")).click()
    expect(office.get_by_role("button", name=tr(lang, "Following"))).to_have_attribute(
        "aria-pressed", "true"
    )
    with office.expect_download() as download:
        office.get_by_role("link", name="Statement of need").click()
    assert download.value.suggested_filename.endswith(".pdf")

    office.fill("#id_question_text", texts["question"])
    office.get_by_role("button", name=tr(lang, "Send the question")).click()
    expect(office.locator("#questions")).to_contain_text(texts["question"])
    expect(office.locator("#questions")).to_contain_text(tr(lang, "Awaiting an answer"))
    journey.step(office, "question asked")

    # The agency answers publicly.
    desk.reload()
    question = Question.objects.get(opportunity=opportunity)
    desk.fill(f"#id_answer_{question.pk}", texts["answer"])
    desk.get_by_role("button", name=tr(lang, "Send the answer")).click()
    expect(desk.locator(f"#question-{question.pk}")).to_contain_text(texts["answer"])
    journey.step(desk, "question answered")

    # The firm reads the answer and sends a solution brief with the keyboard alone.
    office.reload()
    expect(office.locator(f"#question-{question.pk}")).to_contain_text(texts["answer"])
    office.get_by_role("link", name=exactly(tr(lang, "Respond"))).click()
    journey.step(office, "response form")
    keys = Keyboard(office)
    keys.choose_radio("kind", "solution_brief")
    keys.type_into(office.locator("[name=body]"), texts["brief"])
    keys.press(office.locator("main form.response-form button[type=submit]"))
    expect(office).to_have_url(re.compile(r"/opportunities/responses/\d+/$"))
    response = Response.objects.get(opportunity=opportunity, organization=firm)
    expect(office.locator("main")).to_contain_text(tr(lang, "Received"))
    journey.step(office, "response received")
    assert response.kind == Response.Kind.SOLUTION_BRIEF

    # The agency reviews it from the inbox and invites the firm to pitch.
    desk.goto(f"{site}/opportunities/{opportunity.pk}/responses/")
    journey.step(desk, "responses inbox")
    desk.get_by_role("link", name=shown(firm, "name", lang)).first.click()
    journey.step(desk, "response as the agency sees it")
    desk.check("[name=to][value=invited]")
    desk.fill("[name=message]", texts["invitation"])
    desk.locator("main form button[type=submit]").last.click()
    expect(desk.locator(".messages")).to_be_visible()
    journey.step(desk, "invited to pitch")

    office.reload()
    expect(office.locator("main")).to_contain_text(tr(lang, "Invited to pitch"))
    expect(office.locator("main")).to_contain_text(texts["invitation"])
    journey.step(office, "firm sees the invitation")
    response.refresh_from_db()
    assert response.status == Response.Status.INVITED

    # The agency's charts count the response and the invitation.
    desk.goto(site + "/opportunities/agency/")
    desk.get_by_role("link", name=tr(lang, "Charts and figures")).click()
    funnel = desk.locator("#chart-funnel")
    expect(funnel.locator("svg")).to_be_visible()
    funnel.locator("summary").click()
    expect(funnel.locator("tr", has_text=tr(lang, "Invited to pitch"))).to_contain_text("1")
    journey.step(desk, "agency charts")
