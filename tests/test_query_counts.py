"""The standing check that no list costs a query per row: every paginated page, the API's
list and every admin changelist is fetched with one row per page and with many, and must
cost no more queries with many (a first page that holds the whole list may even spare the
count). A new list page joins LIST_PAGES; a new admin
model is checked as soon as it is registered.

The data are the permission matrix's world (tests/matrix/world.py), built twice, so that
every list has at least two rows of every kind it shows.
"""

from contextlib import contextmanager

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.capabilities import views as capability_views
from apps.core.pagination import CappedPageNumberPagination
from apps.opportunities import views as opportunity_views
from apps.opportunities import views_responses
from apps.waivers import views as waiver_views
from tests.matrix.world import build_world, kept_for_a_module

FEW, MANY = 1, 100

# (name, role, url name, the object whose pk the URL takes, module, page-size attribute)
LIST_PAGES = [
    ("opportunities", "anon", "opportunities:list", None, opportunity_views, "PAGE_SIZE"),
    ("opportunities (open and past)", "a_mem", "opportunities:list", None, opportunity_views,
     "PAGE_SIZE"),
    ("capability directory", "ag_1", "capabilities:directory", None, capability_views,
     "PAGE_SIZE"),
    ("capability directory, public", "anon", "capabilities:directory", None, capability_views,
     "PAGE_SIZE"),
    ("response inbox", "ag_1", "opportunities:inbox", "opp_1", views_responses,
     "INBOX_PAGE_SIZE"),
    ("a firm's waiver requests", "a_eco", "waivers:list", None, waiver_views, "PAGE_SIZE"),
]  # fmt: skip
QUERY = {"opportunities (open and past)": "?status=any"}


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker):
    def build():
        built = [build_world(), build_world("-2")]
        _more_of_what_one_world_has_once(built)
        return built

    with kept_for_a_module(django_db_blocker, build) as built:
        yield built


def _more_of_what_one_world_has_once(worlds):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.notifications.models import Delivery

    Group.objects.get_or_create(name="Operators")
    for role in ("a_mem", "b_mem"):
        Delivery.objects.create(
            recipient=User.objects.get(pk=worlds[0].user_id(role)), as_of=timezone.now()
        )


@contextmanager
def counted():
    cache.clear()  # every request starts cold: no cached page, no cached area tree
    with CaptureQueriesContext(connection) as context:
        yield context


def fetch(client, url):
    with counted() as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, len(queries)


def shown(response) -> int:
    page = response.context["page"]
    return len(page.object_list)


@pytest.mark.parametrize(
    ("name", "role", "url_name", "obj", "module", "attribute"),
    LIST_PAGES,
    ids=[page[0] for page in LIST_PAGES],
)
def test_a_list_page_costs_the_same_queries_for_one_row_or_many(
    worlds, db, monkeypatch, name, role, url_name, obj, module, attribute
):
    world = worlds[0]
    kwargs = {"pk": world.objects[obj].pk} if obj else {}
    url = reverse(url_name, kwargs=kwargs) + QUERY.get(name, "")
    client = world.client(role)
    monkeypatch.setattr(module, attribute, FEW)
    few_response, few = fetch(client, url)
    monkeypatch.setattr(module, attribute, MANY)
    many_response, many = fetch(client, url)
    assert shown(few_response) == 1
    assert shown(many_response) >= 2, f"{name}: the data give one row only; the check is void"
    assert many <= few, f"{name}: {few} queries for one row, {many} for {shown(many_response)}"


def test_the_api_list_costs_the_same_queries_for_one_row_or_many(worlds, db, monkeypatch):
    client = worlds[0].client("anon")
    url = "/api/v1/opportunities/?status=any"
    monkeypatch.setattr(CappedPageNumberPagination, "page_size", FEW)
    few_response, few = fetch(client, url)
    monkeypatch.setattr(CappedPageNumberPagination, "page_size", MANY)
    many_response, many = fetch(client, url)
    assert len(few_response.json()["results"]) == 1
    assert len(many_response.json()["results"]) >= 2
    assert many <= few


CHANGELISTS = sorted(
    (f"{model._meta.app_label}_{model._meta.model_name}", model_admin)
    for model, model_admin in admin.site._registry.items()
)


@pytest.mark.parametrize(
    ("name", "model_admin"), CHANGELISTS, ids=[name for name, _ in CHANGELISTS]
)
def test_an_admin_changelist_costs_the_same_queries_for_one_row_or_many(
    worlds, db, monkeypatch, name, model_admin
):
    client = worlds[0].client("super")
    url = reverse(f"admin:{name}_changelist")
    monkeypatch.setattr(model_admin, "list_per_page", FEW)
    few_response, few = fetch(client, url)
    monkeypatch.setattr(model_admin, "list_per_page", MANY)
    many_response, many = fetch(client, url)
    rows = len(many_response.context["cl"].result_list)
    assert len(few_response.context["cl"].result_list) == 1
    assert rows >= 2, f"{name}: the data give {rows} row(s); the check is void"
    assert many <= few, f"{name}: {few} queries for one row, {many} for {rows}"


# The dashboards aggregate in the database: their cost does not grow with the rows behind
# them. Each is fetched on the worlds' data, then again after adding many opportunities,
# responses (with their events) and export-control requests (with their audit trail).
DASHBOARDS = [
    ("agency dashboard", "ag_1", "insights:agency", {}),
    ("agency CSV", "ag_1", "insights:agency_csv", {"chart": "funnel"}),
    ("review dashboard", "revwr", "insights:review", {}),
    ("review CSV", "super", "insights:review_csv", {"chart": "days-to-decision"}),
    # "@name": the pk of the world's object `name`.
    ("intermediary dashboard", "inter", "insights:intermediary", {"pk": "@intermediary"}),
    ("intermediary CSV", "inter", "insights:intermediary_csv",
     {"pk": "@intermediary", "chart": "reach-by-opportunity"}),
    ("partner network", "inter", "organizations:partners", {"pk": "@intermediary"}),
    ("partner import preview", "inter", "organizations:partner_import_preview",
     {"pk": "@import_inter"}),
]  # fmt: skip


def _much_more_data(world, count=25):
    from datetime import timedelta

    from django.utils import timezone

    from apps.notifications.models import LinkOpen
    from apps.opportunities.models import Follow, Response, ResponseEvent, Target
    from apps.organizations.models import PartnerImport, Partnership
    from apps.waivers.models import WaiverEvent, WaiverRequest
    from tests.capabilities.factories import CapabilityFactory
    from tests.factories import MembershipFactory, OrganizationFactory
    from tests.opportunities.factories import OpportunityFactory

    now = timezone.now()
    agency = world.objects["agency_1"]
    intermediary = world.objects["intermediary"]
    partner_import = world.objects["import_inter"]
    import_rows = list(partner_import.rows)
    template = world.objects["waiver_a_denied"]
    for i in range(count):
        firm = OrganizationFactory()
        CapabilityFactory(organization=firm, areas=["satellites" if i % 2 else "hypersonics"])
        opportunity = OpportunityFactory(
            organization=agency,
            areas=["satellites" if i % 2 else "hypersonics"],
            published_at=now - timedelta(days=i * 10),
            export_authorization_required=bool(i % 3),
        )
        response = Response.objects.create(
            opportunity=opportunity,
            organization=firm,
            body="More.",
            status="invited" if i % 2 else "received",
            attachment="responses/more.pdf" if i % 3 else "",
            attachment_is_controlled=bool(i % 3),
            submitted_at=opportunity.published_at + timedelta(days=i % 7 + 1),
        )
        ResponseEvent.objects.create(response=response, from_status="received", to_status="invited")
        # The intermediary's network grows, and it targets each new opportunity at it.
        Partnership.objects.create(
            intermediary=intermediary,
            firm=firm,
            name=f"Partner {i}",
            email=f"partner{i}@example.jp",
            corporate_number=firm.corporate_number,
        )
        Target.objects.create(
            opportunity=opportunity, firm=firm, targeted_by_organization=intermediary
        )
        member = MembershipFactory(organization=firm).user
        Follow.objects.create(user=member, opportunity=opportunity)
        LinkOpen.objects.create(user=member, opportunity=opportunity)
        import_rows.append(
            {
                "line": i + 2,
                "name": f"Imported {i}",
                "email": f"imported{i}@example.jp",
                "corporate_number": firm.corporate_number if i % 2 else f"{i}",
                "errors": [] if i % 2 else ["Not a number."],
            }
        )
        request = WaiverRequest.objects.create(
            firm=firm,
            capability=template.capability,
            receiving_agency=agency,
            consignee="c",
            end_user="u",
            end_use="e",
            technology="t",
            classification="listed" if i % 2 else "not_listed",
            status="submitted" if i % 4 else "denied",
            submitted_at=now - timedelta(days=i * 9),
            created_by=template.created_by,
        )
        WaiverEvent.objects.create(
            request=request,
            kind="transition",
            action="submit",
            to_status="submitted",
            created_at=now - timedelta(days=i * 9 + 30),
        )
        if not i % 4:
            WaiverEvent.objects.create(
                request=request,
                kind="transition",
                action="deny",
                to_status="denied",
                created_at=now - timedelta(days=i * 9),
            )
    PartnerImport.objects.filter(pk=partner_import.pk).update(rows=import_rows)


@pytest.mark.parametrize(
    ("name", "role", "url_name", "kwargs"), DASHBOARDS, ids=[d[0] for d in DASHBOARDS]
)
def test_a_dashboard_costs_the_same_queries_with_more_data(
    worlds, db, name, role, url_name, kwargs
):
    from django.db import transaction

    world = worlds[0]
    client = world.client(role)
    kwargs = {
        key: world.objects[value[1:]].pk if str(value).startswith("@") else value
        for key, value in kwargs.items()
    }
    url = reverse(url_name, kwargs=kwargs)
    _response, few = fetch(client, url)
    with transaction.atomic():
        _much_more_data(world)
        _response, many = fetch(client, url)
        transaction.set_rollback(True)
    assert many <= few, f"{name}: {few} queries, then {many} with more data"
