"""Fixtures of the fuzz suite, and its Hypothesis profiles.

HYPOTHESIS_PROFILE=ci (the default) runs a few examples per test so that the whole suite
stays well inside CI's time limit; HYPOTHESIS_PROFILE=deep runs hundreds, on demand.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from apps.opportunities import services as opportunity_services
from apps.opportunities.models import Opportunity, Response
from apps.organizations import services as organization_services
from apps.organizations.models import Membership
from apps.waivers import services as waiver_services
from apps.waivers.models import WaiverRequest
from tests.capabilities.factories import CapabilityFactory
from tests.factories import (
    AgencyFactory,
    IntermediaryFactory,
    MembershipFactory,
    OrganizationFactory,
    RegulatorFactory,
    UserFactory,
)
from tests.opportunities.factories import OpportunityFactory

# --- Hypothesis profiles ---------------------------------------------------------------
FUZZ_HEALTH_CHECKS = [
    HealthCheck.function_scoped_fixture,  # one set of users and rows serves every example
    HealthCheck.too_slow,  # each example is a request or two through the whole stack
    HealthCheck.data_too_large,  # inputs of 100 kB and more are the point
    HealthCheck.large_base_example,
]
settings.register_profile(
    "ci",
    max_examples=10,
    deadline=None,
    derandomize=True,  # the same examples on every run: a red build is reproducible
    database=None,
    print_blob=True,
    suppress_health_check=FUZZ_HEALTH_CHECKS,
)
settings.register_profile(
    "deep",
    max_examples=300,
    deadline=None,
    print_blob=True,
    suppress_health_check=FUZZ_HEALTH_CHECKS,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
# ----------------------------------------------------------------------------------------


class World:
    """The rows the forms act on, created on first use so that each test pays only for
    what it touches: a firm with its owner (also its export-control officer) and a
    published capability, a verified agency with its staff and an open opportunity, the
    firm's response and question, a waiver request, a newcomer without any organization."""

    def __init__(self):
        self._made = {}

    def _once(self, name, make):
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    @property
    def firm(self):
        return self._once(
            "firm",
            lambda: OrganizationFactory(
                name_en="Tsubasa Aerospace K.K.",
                name_ja="翼エアロスペース株式会社",
                email_domain="tsubasa-aero.example",
            ),
        )

    @property
    def firm_owner(self):
        return self._once(
            "firm_owner",
            lambda: (
                MembershipFactory(
                    organization=self.firm,
                    role=Membership.Role.OWNER,
                    is_export_control_officer=True,
                    user=UserFactory(email="owner@tsubasa-aero.example"),
                ).user
            ),
        )

    @property
    def firm_membership(self):
        """A second member of the firm, whose role the owner may change."""
        return self._once("firm_membership", lambda: MembershipFactory(organization=self.firm))

    @property
    def newcomer(self):
        """Signed up, no organization yet, at the firm's e-mail domain."""
        return self._once("newcomer", lambda: UserFactory(email="new@tsubasa-aero.example"))

    @property
    def capability(self):
        return self._once(
            "capability",
            lambda: CapabilityFactory(organization=self.firm, areas=["space-technologies"]),
        )

    @property
    def agency(self):
        return self._once("agency", lambda: AgencyFactory(name_en="Space Systems Program Office"))

    @property
    def agency_staff(self):
        return self._once(
            "agency_staff",
            lambda: MembershipFactory(organization=self.agency, role=Membership.Role.OWNER).user,
        )

    @property
    def intermediary(self):
        return self._once("intermediary", lambda: IntermediaryFactory(name_en="JDTC"))

    @property
    def intermediary_staff(self):
        return self._once(
            "intermediary_staff", lambda: MembershipFactory(organization=self.intermediary).user
        )

    @property
    def opportunity(self):
        self.capability  # noqa: B018 - a published capability to match and target
        return self._once(
            "opportunity",
            lambda: OpportunityFactory(organization=self.agency, areas=["space-technologies"]),
        )

    @property
    def draft_opportunity(self):
        return self._once(
            "draft_opportunity",
            lambda: OpportunityFactory(organization=self.agency, status=Opportunity.Status.DRAFT),
        )

    @property
    def response(self):
        return self._once(
            "response",
            lambda: opportunity_services.response_submit(
                opportunity=self.opportunity,
                actor=self.firm_owner,
                firm=self.firm,
                kind=Response.Kind.INTEREST,
                body="Our SAR payload fits your bus.",
            ),
        )

    @property
    def question(self):
        return self._once(
            "question",
            lambda: opportunity_services.question_ask(
                opportunity=self.opportunity,
                actor=self.firm_owner,
                firm=self.firm,
                text="Is a 30 kg payload acceptable?",
            ),
        )

    @property
    def waiver(self):
        def make():
            waiver = waiver_services.waiver_create(
                actor=self.firm_owner,
                firm=self.firm,
                data={
                    "capability": self.capability,
                    "receiving_agency": self.agency,
                    "consignee": "Space Systems Program Office",
                    "end_user": "US Space Force",
                    "end_use": "Evaluation of a SAR payload prototype.",
                    "destination_country": "US",
                    "technology": "SAR payload design data",
                    "classification": WaiverRequest.Classification.LISTED,
                    "control_list_item": "2(12)",
                },
            )
            waiver_services.document_add(
                actor=self.firm_owner, request=waiver, kind="technical", upload=pdf_upload()
            )
            return waiver

        return self._once("waiver", make)

    @property
    def waiver_awaiting_answer(self):
        """A request the reviewer asked more information about: the firm's turn."""

        def make():
            from tests.waivers.conftest import make_reviewer

            waiver = self.waiver
            reviewer = make_reviewer(RegulatorFactory())
            waiver_services.waiver_transition(
                actor=self.firm_owner, request=waiver, action="submit"
            )
            waiver_services.declare_no_conflict(actor=reviewer, request=waiver)
            waiver_services.waiver_transition(actor=reviewer, request=waiver, action="assign")
            return waiver_services.waiver_transition(
                actor=reviewer,
                request=waiver,
                action="request_information",
                comment="Please add the signed end-use statement.",
            )

        return self._once("waiver_awaiting_answer", make)

    @property
    def join_request(self):
        return self._once(
            "join_request",
            lambda: organization_services.join_request_create(
                user=self.newcomer, organization=self.firm, message="Hello"
            ),
        )


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf_upload(name="technical.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def world(db):
    return World()
