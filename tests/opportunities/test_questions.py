"""Questions and answers: firms ask until the question deadline; the agency answers publicly
(without the firm's name) or privately; followers hear of answers through a signal."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.opportunities import permissions, selectors, services, signals
from apps.opportunities.models import Follow, Opportunity, Question
from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

QUESTION = "Is a 30 kg payload acceptable? 30kgでも可能ですか。"


@pytest.fixture
def opportunity(agency):
    return OpportunityFactory(organization=agency)


@pytest.fixture
def agency_staff(agency):
    return MembershipFactory(organization=agency).user


@pytest.fixture
def other_agency_staff(db):
    return MembershipFactory(organization=AgencyFactory()).user


@pytest.fixture
def other_firm(db):
    return OrganizationFactory()


@pytest.fixture
def other_firm_member(other_firm):
    return MembershipFactory(organization=other_firm).user


@pytest.fixture
def question(opportunity, firm, firm_member):
    """A question as question_ask writes it (made directly, to set up a state quickly)."""
    return Question.objects.create(
        opportunity=opportunity, organization=firm, asked_by=firm_member, text=QUESTION
    )


def ask_url(opportunity):
    return reverse("opportunities:ask", args=[opportunity.pk])


def answer_url(question):
    return reverse("opportunities:answer", args=[question.pk])


def questions_section(page) -> str:
    content = page.content.decode()
    start = content.index('id="questions"')
    return content[start : content.index("</section>", start)]


def close_questions(opportunity):
    Opportunity.objects.filter(pk=opportunity.pk).update(
        question_deadline=timezone.now() - timedelta(minutes=1)
    )
    opportunity.refresh_from_db()


def test_a_firm_member_asks_before_the_question_deadline(client, opportunity, firm, firm_member):
    client.force_login(firm_member)
    page = client.get(opportunity.get_absolute_url())
    assert f'action="{ask_url(opportunity)}"' in questions_section(page)

    reply = client.post(ask_url(opportunity), {"text": f"  {QUESTION}  "})

    assert reply.status_code == 302
    assert reply.url == f"{opportunity.get_absolute_url()}#questions"
    question = Question.objects.get()
    assert (question.organization, question.asked_by, question.text) == (
        firm,
        firm_member,
        QUESTION,
    )
    assert not question.answered_at
    assert Follow.objects.filter(user=firm_member, opportunity=opportunity).exists()
    own = questions_section(client.get(opportunity.get_absolute_url()))
    assert "30kgでも可能ですか。" in own and "Awaiting an answer" in own


def test_an_empty_or_overlong_question_gets_an_error_and_keeps_the_text(
    client, opportunity, firm_member
):
    client.force_login(firm_member)
    empty = client.post(ask_url(opportunity), {"text": "   "})
    assert empty.status_code == 200 and 'id="id_text_error"' in empty.content.decode()
    long_text = "長" * 4001
    too_long = client.post(ask_url(opportunity), {"text": long_text})
    assert "at most 4000 characters" in " ".join(too_long.context["form"].errors["text"])
    assert long_text in too_long.content.decode()
    assert not Question.objects.exists()


def test_the_ask_form_closes_after_the_question_deadline(client, opportunity, firm_member):
    close_questions(opportunity)
    client.force_login(firm_member)
    section = questions_section(client.get(opportunity.get_absolute_url()))
    assert "The question period of this opportunity has ended." in section
    assert 'name="text"' not in section

    late = client.post(ask_url(opportunity), {"text": QUESTION})
    assert late.status_code == 403
    assert "The question period of this opportunity has ended." in late.content.decode()
    assert "30kgでも可能ですか。" in late.content.decode()
    assert not Question.objects.exists()


def test_people_outside_firms_cannot_ask(client, opportunity, agency_staff):
    client.force_login(agency_staff)
    assert client.post(ask_url(opportunity), {"text": QUESTION}).status_code == 403
    client.logout()
    anonymous = client.post(ask_url(opportunity), {"text": QUESTION})
    assert anonymous.status_code == 302 and "login" in anonymous.url
    section = questions_section(client.get(opportunity.get_absolute_url()))
    assert "Sign in to ask a question" in section
    assert not Question.objects.exists()


def test_a_public_answer_appears_without_the_asking_firm(
    client, question, firm, agency_staff, other_firm_member
):
    client.force_login(agency_staff)
    form = questions_section(client.get(question.opportunity.get_absolute_url()))
    assert f'action="{answer_url(question)}"' in form and firm.name_en in form

    reply = client.post(answer_url(question), {"answer": "Yes, up to 35 kg.", "is_public": "on"})
    assert reply.status_code == 302
    question.refresh_from_db()
    assert question.is_public and question.answered_by == agency_staff

    for viewer in (None, other_firm_member):
        client.logout()
        if viewer:
            client.force_login(viewer)
        section = questions_section(client.get(question.opportunity.get_absolute_url()))
        assert "30kgでも可能ですか。" in section and "Yes, up to 35 kg." in section
        assert firm.name_en not in section and firm.name_ja not in section
        assert "Asked by your firm" not in section


def test_a_private_answer_reaches_only_the_asking_firm(
    client, question, firm_member, agency_staff, other_firm_member
):
    client.force_login(agency_staff)
    client.post(answer_url(question), {"answer": "Only for you: yes."})  # box unticked
    question.refresh_from_db()
    assert not question.is_public and question.answered_at

    client.force_login(firm_member)
    own = questions_section(client.get(question.opportunity.get_absolute_url()))
    assert "Only for you: yes." in own and "Answered privately to your firm" in own

    client.force_login(other_firm_member)
    other = questions_section(client.get(question.opportunity.get_absolute_url()))
    assert "Only for you: yes." not in other and "30kgでも可能ですか。" not in other
    client.logout()
    public = questions_section(client.get(question.opportunity.get_absolute_url()))
    assert "Only for you: yes." not in public


def test_only_the_owning_agency_answers(
    client, question, firm_member, other_agency_staff, agency_staff
):
    for outsider in (firm_member, other_agency_staff):
        client.force_login(outsider)
        assert client.post(answer_url(question), {"answer": "No."}).status_code == 403
    client.force_login(agency_staff)
    empty = client.post(answer_url(question), {"answer": "  ", "is_public": "on"})
    assert empty.status_code == 200 and "Write the answer." in empty.content.decode()
    question.refresh_from_db()
    assert not question.answered_at


def test_an_answer_is_signalled_after_commit(
    client, question, agency_staff, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.question_answered.connect(receiver)
    try:
        client.force_login(agency_staff)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(answer_url(question), {"answer": "Yes.", "is_public": "on"})
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        signals.question_answered.disconnect(receiver)
    assert [(k["opportunity_id"], k["question_id"]) for k in received] == [
        (question.opportunity_id, question.pk)
    ]


def render_box(opportunity, user, template):
    """The includes on their own, as the detail page renders them."""
    request = RequestFactory().get(opportunity.get_absolute_url())
    request.user = user
    return render_to_string(
        template,
        {
            "opportunity": opportunity,
            "questions": selectors.public_questions_of(opportunity, user),
            "my_response": None,
            "can_manage": False,
            "user_firms": permissions.firms_of(user),
        },
        request=request,
    )


def test_the_respond_box_says_sign_in_respond_or_closed(opportunity, firm_member, firm):
    box = "opportunities/includes/respond_box.html"
    assert "Sign in to respond" in render_box(opportunity, AnonymousUser(), box)
    assert reverse("opportunities:respond", args=[opportunity.pk]) in render_box(
        opportunity, firm_member, box
    )
    services.response_submit(
        opportunity=opportunity, actor=firm_member, firm=firm, kind="interest", body="Hi"
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(response_deadline=timezone.now())
    opportunity.refresh_from_db()
    closed = render_box(opportunity, AnonymousUser(), box)
    assert "responses are closed" in closed and "Sign in to respond" not in closed


def test_the_questions_include_never_names_the_firm_to_others(
    question, agency_staff, other_firm_member
):
    services.question_answer(question=question, actor=agency_staff, answer="Yes.", is_public=True)
    html = render_box(
        question.opportunity, other_firm_member, "opportunities/includes/questions.html"
    )
    assert "30kgでも可能ですか。" in html
    assert question.organization.name_en not in html and question.organization.name_ja not in html
