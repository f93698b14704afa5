"""The world the permission matrix visits: one user per role and objects owned by each,
built once per test module through the factories and the services.

Roles (the matrix's columns):

    anon    nobody signed in
    a_mem   a member of firm A
    a_eco   firm A's owner and export-control officer
    b_mem   a member of firm B
    ag_1    staff of verified agency 1 (with an authenticator app), which owns the opportunity
    ag_2    staff of verified agency 2
    inter   staff of a verified intermediary
    revwr   a waiver reviewer: staff of a verified regulator, in the reviewers group, with an
            authenticator app
    super   the portal operator: a superuser with an authenticator app, not a reviewer
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from apps.notifications import services as notification_services
from apps.opportunities import services as opportunity_services
from apps.opportunities.models import Opportunity
from apps.organizations import services as organization_services
from apps.organizations.models import JoinRequest, Membership
from apps.waivers import services as waiver_services
from apps.waivers.models import ScreeningListEntry, ScreeningMatch, WaiverRequest
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
from tests.waivers.conftest import PDF, make_reviewer, request_data

ROLES = ("anon", "a_mem", "a_eco", "b_mem", "ag_1", "ag_2", "inter", "revwr", "super")


def marker(name: str) -> str:
    """Text written into the private object `name` (a title, a body), so that the matrix
    can tell whether a page shows it (LEAKS in tests/test_permission_matrix.py)."""
    return f"[mk:{name}]"


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _with_totp(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)

    def client(self, role: str, **kwargs) -> Client:
        """A client signed in as `role` through the session made when the world was built,
        rather than a sign-in per cell (sessions live in the database, within the world's
        transaction); anonymous for "anon"."""
        client = Client(**kwargs)
        if role != "anon":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client

    def user_id(self, role: str) -> int | None:
        user = self.users.get(role)
        return user.pk if user is not None else None

    def kwargs_for(self, reference: str, wanted: list[str]) -> dict:
        """The URL kwargs named in `wanted`, from a reference of the table's object column:
        an object's name (`waiver_a`), `key=value` pairs, or both, comma-separated
        (`waiver_a,action=assign`). An object gives its pk to `pk`, `object_id` and
        `match_id`, and its token to `token`; a string object is a token."""
        values: dict = {}
        for part in filter(None, reference.split(",")):
            if "=" in part:
                name, value = part.split("=", 1)
                values[name] = value
                continue
            obj = self.objects[part]
            if isinstance(obj, str):
                values.setdefault("token", obj)
                continue
            values.setdefault("pk", obj.pk)
            values.setdefault("object_id", obj.pk)
            values.setdefault("match_id", obj.pk)
            if hasattr(obj, "token"):
                values.setdefault("token", obj.token)
        missing = [name for name in wanted if name not in values]
        if missing:
            raise LookupError(f"the object column {reference!r} gives no value for {missing}")
        return {name: values[name] for name in wanted}


def build_world(tag: str = "") -> World:
    """`tag` tells a second world's fixed e-mail domain from the first's."""
    world = World()
    users, objects = world.users, world.objects

    # Organizations and the people of each role.
    firm_a = OrganizationFactory(name_en="Firm A K.K.", email_domain=f"firm-a{tag}.example")
    firm_b = OrganizationFactory(name_en="Firm B K.K.")
    agency_1 = AgencyFactory(name_en="Agency One")
    agency_2 = AgencyFactory(name_en="Agency Two")
    intermediary = IntermediaryFactory(name_en="Intermediary")
    regulator = RegulatorFactory(name_en="Export-control authority")
    objects.update(
        firm_a=firm_a,
        firm_b=firm_b,
        agency_1=agency_1,
        agency_2=agency_2,
        intermediary=intermediary,
        regulator=regulator,
    )

    users["a_eco"] = MembershipFactory(
        organization=firm_a,
        role=Membership.Role.OWNER,
        is_export_control_officer=True,
        user=UserFactory(email=f"officer@firm-a{tag}.example"),
    ).user
    membership_a = MembershipFactory(
        organization=firm_a, user=UserFactory(email=f"member@firm-a{tag}.example")
    )
    users["a_mem"] = membership_a.user
    b_owner = MembershipFactory(
        organization=firm_b, role=Membership.Role.OWNER, is_export_control_officer=True
    ).user
    users["b_mem"] = MembershipFactory(organization=firm_b).user
    users["ag_1"] = _with_totp(MembershipFactory(organization=agency_1).user)
    users["ag_2"] = MembershipFactory(organization=agency_2).user
    users["inter"] = MembershipFactory(organization=intermediary).user
    users["revwr"] = make_reviewer(regulator)
    users["super"] = _with_totp(UserFactory(is_staff=True, is_superuser=True))
    objects.update(membership_a_mem=membership_a, user_a_mem=users["a_mem"])

    # Capabilities: firm A's draft (with a brochure), public and agencies-only ones.
    objects["cap_a_draft"] = CapabilityFactory(
        organization=firm_a,
        title_en=f"Draft capability {marker('cap_a_draft')}",
        status="draft",
        published_at=None,
        brochure=pdf("draft-brochure.pdf"),
    )
    objects["cap_a_public"] = CapabilityFactory(organization=firm_a, brochure=pdf("brochure.pdf"))
    objects["cap_a_agencies"] = CapabilityFactory(
        organization=firm_a,
        title_en=f"Capability for agencies {marker('cap_a_agencies')}",
        visibility="agencies",
        brochure=pdf("agencies-brochure.pdf"),
    )
    objects["cap_b_public"] = CapabilityFactory(organization=firm_b)

    # Agency 1's opportunities: a published one that needs an export authorization, with
    # a public and a controlled attachment; a draft with an attachment of its own; and a
    # draft that was cancelled without ever being published.
    opportunity = OpportunityFactory(
        organization=agency_1,
        export_authorization_required=True,
        response_deadline=timezone.now() + timedelta(days=30),
        areas=["satellites"],
    )
    draft = OpportunityFactory(
        organization=agency_1,
        title_en=f"Draft opportunity {marker('opp_1_draft')}",
        status=Opportunity.Status.DRAFT,
    )
    objects.update(opp_1=opportunity, opp_1_draft=draft)
    objects["opp_1_cancelled"] = opportunity_services.opportunity_transition(
        opportunity=OpportunityFactory(
            organization=agency_1,
            title_en=f"Cancelled draft {marker('opp_1_cancelled')}",
            status=Opportunity.Status.DRAFT,
        ),
        actor=users["ag_1"],
        to=Opportunity.Status.CANCELLED,
    )
    objects["opp_2"] = OpportunityFactory(organization=agency_2)
    objects["att_public"] = opportunity_services.attachment_add(
        opportunity=opportunity, actor=users["ag_1"], title="Statement", file=pdf("spec.pdf")
    )
    objects["att_controlled"] = opportunity_services.attachment_add(
        opportunity=opportunity,
        actor=users["ag_1"],
        title="Technical data",
        file=pdf("technical-data.pdf"),
        is_controlled=True,
    )
    objects["att_draft"] = opportunity_services.attachment_add(
        opportunity=draft,
        actor=users["ag_1"],
        title=f"Draft statement {marker('att_draft')}",
        file=pdf("draft.pdf"),
    )

    # Outreach: the agency's own targeting of firm A, and the intermediary's of firm B.
    objects["target_ag_1"] = opportunity_services.target_add(
        opportunity=opportunity,
        actor=users["ag_1"],
        on_behalf_of=agency_1,
        firm=firm_a,
        note_en=f"Strong SAR fit {marker('target_ag_1')}",
    )
    objects["target_inter"] = opportunity_services.target_add(
        opportunity=opportunity,
        actor=users["inter"],
        on_behalf_of=intermediary,
        firm=firm_b,
        note_en=f"A member of our network {marker('target_inter')}",
    )

    # The intermediary's partner network (firm B, on the portal), an uploaded file of
    # partners waiting for its preview, and firm A's member's tracked e-mail link.
    objects["partner_inter"] = organization_services.partner_add(
        intermediary=intermediary,
        actor=users["inter"],
        name=f"Firm B {marker('partner_inter')}",
        email=f"contact@firm-b{tag}.example",
        corporate_number=firm_b.corporate_number,
    )
    objects["import_inter"], _errors = organization_services.partner_import_upload(
        intermediary=intermediary,
        actor=users["inter"],
        filename="partners.csv",
        data=f"name,email,corporate_number\nFirm A,a@firm-a{tag}.example,"
        f"{firm_a.corporate_number}\n".encode(),
    )
    objects["link_a"] = notification_services.link_token(users["a_mem"].pk, opportunity.pk)

    # Responses: firm A's solution brief with a controlled attachment (held from the
    # agency: no authorization is in effect), and firm B's expression of interest.
    objects["resp_a"] = opportunity_services.response_submit(
        opportunity=opportunity,
        actor=users["a_eco"],
        firm=firm_a,
        kind="solution_brief",
        body=f"Our SAR payload. {marker('resp_a')}",
        attachment=pdf("brief.pdf"),
        attachment_is_controlled=True,
    )
    objects["resp_b"] = opportunity_services.response_submit(
        opportunity=opportunity,
        actor=users["b_mem"],
        firm=firm_b,
        kind="interest",
        body=f"We are interested. {marker('resp_b')}",
        attachment=pdf("interest.pdf"),
    )
    objects["question_a"] = opportunity_services.question_ask(
        opportunity=opportunity,
        actor=users["a_mem"],
        firm=firm_a,
        text=f"Is ITAR data involved? {marker('question_a')}",
    )

    # Notifications of firm A's member.
    notification_services.subscription_update(
        user=users["a_mem"], frequency="daily", areas=[], include_followed_deadlines=True
    )
    objects["search_a"] = notification_services.saved_search_create(
        user=users["a_mem"], name=f"Space {marker('search_a')}", query="q=space"
    )
    objects["unsubscribe_a"] = notification_services.unsubscribe_token(users["a_mem"])

    # Firm A's invitation (to firm B's member) and a pending request to join it.
    objects["invitation_a"] = organization_services.invitation_create(
        organization=firm_a, actor=users["a_eco"], email=users["b_mem"].email
    )
    joiner = UserFactory(email=f"newcomer@firm-a{tag}.example")
    objects["join_request_a"] = JoinRequest.objects.create(
        user=joiner, organization=firm_a, message="Hello"
    )

    # Export-control requests: firm A's draft and submitted ones (each with a document),
    # a denied one (it has a decision letter), and firm B's draft.
    officer = users["a_eco"]
    objects["waiver_a"] = waiver_services.waiver_create(
        actor=officer,
        firm=firm_a,
        data=request_data(
            firm_a,
            agency_1,
            opportunity=opportunity,
            response=objects["resp_a"],
            technology=f"SAR payload design data {marker('waiver_a')}",
        ),
    )
    objects["doc_a"] = waiver_services.document_add(
        actor=officer, request=objects["waiver_a"], kind="technical", upload=pdf("tech.pdf")
    )
    submitted = waiver_services.waiver_create(
        actor=officer,
        firm=firm_a,
        data=request_data(firm_a, agency_1, technology=f"Data {marker('waiver_a_submitted')}"),
    )
    objects["doc_a_submitted"] = waiver_services.document_add(
        actor=officer, request=submitted, kind="technical", upload=pdf("submitted.pdf")
    )
    objects["waiver_a_submitted"] = waiver_services.waiver_transition(
        actor=officer, request=submitted, action="submit"
    )
    denied = waiver_services.waiver_create(
        actor=officer, firm=firm_a, data=request_data(firm_a, agency_2)
    )
    WaiverRequest.objects.filter(pk=denied.pk).update(
        status=WaiverRequest.Status.DENIED, submitted_at=timezone.now(), decided_at=timezone.now()
    )
    objects["waiver_a_denied"] = denied
    objects["waiver_b"] = waiver_services.waiver_create(
        actor=b_owner,
        firm=firm_b,
        data=request_data(firm_b, agency_1, technology=f"Data {marker('waiver_b')}"),
    )
    objects["doc_b"] = waiver_services.document_add(
        actor=b_owner, request=objects["waiver_b"], kind="technical", upload=pdf("b.pdf")
    )
    entry = ScreeningListEntry.objects.create(
        source=ScreeningListEntry.Source.CSL,
        name="Orion Dynamics Trading Co., Ltd.",
        normalized_name="orion dynamics trading",
    )
    objects["match_a"] = ScreeningMatch.objects.create(
        request=objects["waiver_a_submitted"],
        field=ScreeningMatch.Field.END_USER,
        screened_name="Orion Dynamics Trading (HK)",
        entry=entry,
        matched_name=entry.name,
        listed_name=entry.name,
        source=entry.source,
        score=0.9,
    )

    for role, user in users.items():
        client = Client()
        client.force_login(user)
        world.sessions[role] = client.session.session_key
    users["anon"] = None
    assert set(users) == set(ROLES), sorted(set(ROLES) ^ set(users))
    return world


@contextmanager
def kept_for_a_module(django_db_blocker, build: Callable[[], object]) -> Iterator[object]:
    """What `build()` makes, inside a transaction that is rolled back when the block ends:
    for module-scoped fixtures, whose tests each ask for `db` as well and so run in a
    savepoint of that transaction."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
