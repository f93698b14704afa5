"""A firm's own view of how it is found: counters of its appearances in matched-firms
lists, in digests, and of agency-side views of its pages, per day, never who."""

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.capabilities import selectors, services
from apps.capabilities.models import Exposure
from apps.notifications import services as notification_services
from apps.notifications.models import Subscription
from apps.taxonomy.models import TechnologyArea
from tests.capabilities.factories import CapabilityFactory
from tests.factories import (
    AgencyFactory,
    IntermediaryFactory,
    MembershipFactory,
    OrganizationFactory,
    RegulatorFactory,
)
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def counted(firm, kind, capability=None, day=None) -> int:
    """The firm's counter of that kind, capability (None: the firm as a whole) and day
    (default today); 0 when there is no row."""
    row = Exposure.objects.filter(
        firm=firm, capability=capability, kind=kind, day=day or Exposure.today()
    ).first()
    return row.count if row else 0


def total(firm, kind) -> int:
    return sum(Exposure.objects.filter(firm=firm, kind=kind).values_list("count", flat=True))


def exposure_inserts(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("INSERT") and Exposure._meta.db_table in q["sql"]
    ]


@pytest.fixture
def capability(firm):
    return CapabilityFactory(organization=firm, areas=["satellites"], trl=6, title_en="SAR bus")


@pytest.fixture
def agency_staff(agency):
    return MembershipFactory(organization=agency).user


# The counters ---------------------------------------------------------------------------


def test_counters_add_up_per_firm_capability_kind_and_day(firm, capability):
    other = CapabilityFactory(organization=firm)
    yesterday = Exposure.today() - timedelta(days=1)
    match = Exposure.Kind.MATCH

    services.exposures_record(kind=match, hits=[(firm.pk, capability.pk), (firm.pk, other.pk)])
    services.exposures_record(kind=match, hits=[(firm.pk, capability.pk)] * 3)
    services.exposures_record(kind=match, hits=[(firm.pk, capability.pk)], day=yesterday)
    services.exposures_record(kind=match, hits=[(firm.pk, None), (firm.pk, None)])
    services.exposures_record(kind=match, hits=[(firm.pk, None)])
    services.exposures_record(kind=Exposure.Kind.DIGEST, hits=[(firm.pk, None)])
    services.exposures_record(kind=match, hits=[])

    assert counted(firm, match, capability) == 4
    assert counted(firm, match, other) == 1
    assert counted(firm, match, capability, day=yesterday) == 1
    assert counted(firm, match) == 3  # the firm as a whole: its own row
    assert counted(firm, Exposure.Kind.DIGEST) == 1
    assert Exposure.objects.count() == 5


def test_a_list_longer_than_a_batch_is_counted_in_full(firm, capability, monkeypatch):
    monkeypatch.setattr(services, "EXPOSURE_BATCH_SIZE", 2)
    firms = [OrganizationFactory() for _ in range(4)]
    hits = [(f.pk, CapabilityFactory(organization=f).pk) for f in firms]

    with CaptureQueriesContext(connection) as queries:
        services.exposures_record(kind=Exposure.Kind.MATCH, hits=hits + hits[:1])

    assert len(exposure_inserts(queries)) == 2
    assert [total(f, Exposure.Kind.MATCH) for f in firms] == [2, 1, 1, 1]


def test_a_failed_write_is_logged_and_leaves_the_transaction_usable(
    firm, capability, monkeypatch, caplog
):
    def broken(rows, kind, day):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_for_exposure")

    monkeypatch.setattr(services, "_exposure_upsert", broken)
    with caplog.at_level(logging.WARNING, logger="apps.capabilities.services"):
        services.exposures_record(kind=Exposure.Kind.MATCH, hits=[(firm.pk, capability.pk)])

    assert "Exposure counters not recorded" in caplog.text
    assert Exposure.objects.count() == 0  # and the database still answers


# Profile views --------------------------------------------------------------------------


def test_verified_agency_staff_viewing_a_capability_counts_once_a_day(
    client, firm, capability, agency_staff
):
    client.force_login(agency_staff)

    assert client.get(capability.get_absolute_url()).status_code == 200
    assert client.get(capability.get_absolute_url()).status_code == 200  # a reload

    assert counted(firm, Exposure.Kind.PROFILE_VIEW, capability) == 1
    assert counted(firm, Exposure.Kind.PROFILE_VIEW) == 0  # the profile page was not seen


def test_each_agency_viewer_counts(client, firm, capability, agency, agency_staff):
    colleague = MembershipFactory(organization=agency).user
    intermediary_staff = MembershipFactory(organization=IntermediaryFactory()).user
    for viewer in (agency_staff, colleague, intermediary_staff):
        client.force_login(viewer)
        client.get(capability.get_absolute_url())

    assert counted(firm, Exposure.Kind.PROFILE_VIEW, capability) == 3


def test_a_view_of_the_firm_profile_counts_for_the_firm(client, firm, capability, agency_staff):
    client.force_login(agency_staff)

    assert client.get(reverse("capabilities:firm", args=[firm.pk])).status_code == 200
    client.get(reverse("capabilities:firm", args=[firm.pk]))

    assert counted(firm, Exposure.Kind.PROFILE_VIEW) == 1
    assert counted(firm, Exposure.Kind.PROFILE_VIEW, capability) == 0


@pytest.mark.parametrize(
    "who", ["anonymous", "same_firm", "other_firm", "unverified_agency", "regulator"]
)
def test_views_by_anyone_but_verified_agency_side_staff_count_nothing(
    client, firm, capability, firm_member, who
):
    viewers = {
        "anonymous": None,
        "same_firm": firm_member,
        "other_firm": MembershipFactory().user,
        "unverified_agency": MembershipFactory(
            organization=AgencyFactory(verification_status="pending")
        ).user,
        "regulator": MembershipFactory(organization=RegulatorFactory()).user,
    }
    if viewers[who] is not None:
        client.force_login(viewers[who])

    assert client.get(capability.get_absolute_url()).status_code == 200
    assert client.get(reverse("capabilities:firm", args=[firm.pk])).status_code == 200

    assert Exposure.objects.count() == 0


def test_agency_staff_who_are_also_members_of_the_firm_count_nothing(
    client, firm, capability, agency_staff
):
    MembershipFactory(organization=firm, user=agency_staff)
    client.force_login(agency_staff)

    client.get(capability.get_absolute_url())
    client.get(reverse("capabilities:firm", args=[firm.pk]))

    assert Exposure.objects.count() == 0


def test_a_view_is_shown_even_when_counting_fails(
    client, firm, capability, agency_staff, monkeypatch
):
    def broken(rows, kind, day):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_for_exposure")

    monkeypatch.setattr(services, "_exposure_upsert", broken)
    client.force_login(agency_staff)

    response = client.get(capability.get_absolute_url())

    assert response.status_code == 200
    assert "SAR bus" in response.content.decode()


def test_without_the_cache_a_view_is_shown_and_not_counted(
    client, firm, capability, agency_staff, monkeypatch, caplog
):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(services.cache, "get_many", down)
    client.force_login(agency_staff)

    with caplog.at_level(logging.WARNING, logger="apps.capabilities.services"):
        assert client.get(capability.get_absolute_url()).status_code == 200

    assert "the cache did not answer" in caplog.text
    assert Exposure.objects.count() == 0


# Matched-firms lists ----------------------------------------------------------------------


def test_the_matched_firms_page_counts_each_listed_firm_in_one_statement(
    client, agency, agency_staff, firm, capability
):
    opportunity = OpportunityFactory(organization=agency, areas=["satellites"], trl_min=5)
    second = OrganizationFactory()
    CapabilityFactory(organization=second, areas=["satellites"], trl=2, title_en="Weak")
    best = CapabilityFactory(organization=second, areas=["satellites"], trl=6, title_en="Best")
    OrganizationFactory()  # no capability: not listed
    unrelated = CapabilityFactory(areas=["hypersonics"]).organization
    client.force_login(agency_staff)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("matching:opportunity", args=[opportunity.pk]))

    assert response.status_code == 200
    assert {row.firm for row in response.context["rows"]} == {firm, second}
    assert len(exposure_inserts(queries)) == 1
    assert counted(firm, Exposure.Kind.MATCH, capability) == 1
    assert counted(second, Exposure.Kind.MATCH, best) == 1  # the capability it was shown for
    assert total(second, Exposure.Kind.MATCH) == 1
    assert total(unrelated, Exposure.Kind.MATCH) == 0

    client.get(reverse("matching:opportunity", args=[opportunity.pk]))  # a reload
    assert total(firm, Exposure.Kind.MATCH) == 1

    client.force_login(MembershipFactory(organization=agency).user)  # a colleague
    client.get(reverse("matching:opportunity", args=[opportunity.pk]))
    other = OpportunityFactory(organization=agency, areas=["satellites"])
    client.get(reverse("matching:opportunity", args=[other.pk]))  # another opportunity
    assert counted(firm, Exposure.Kind.MATCH, capability) == 3


def test_a_firm_that_joins_the_list_later_in_the_day_counts_then(
    client, agency, agency_staff, firm, capability
):
    opportunity = OpportunityFactory(organization=agency, areas=["satellites"], trl_min=5)
    client.force_login(agency_staff)
    client.get(reverse("matching:opportunity", args=[opportunity.pk]))
    newcomer = CapabilityFactory(areas=["satellites"], trl=6)

    client.get(reverse("matching:opportunity", args=[opportunity.pk]))

    assert counted(firm, Exposure.Kind.MATCH, capability) == 1
    assert counted(newcomer.organization, Exposure.Kind.MATCH, newcomer) == 1


def test_a_refused_matched_firms_page_counts_nothing(client, firm, capability):
    opportunity = OpportunityFactory(areas=["satellites"])
    client.force_login(MembershipFactory(organization=AgencyFactory()).user)  # not its agency

    assert client.get(reverse("matching:opportunity", args=[opportunity.pk])).status_code == 403
    assert Exposure.objects.count() == 0


# Digests ----------------------------------------------------------------------------------

# A Monday, 23:30 UTC: Tuesday 08:30 in Tokyo, past the digest hour.
AS_OF = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


def digest_reader(firm, *areas):
    user = MembershipFactory(organization=firm).user
    user.time_zone = "Asia/Tokyo"
    user.save()
    subscription = Subscription.objects.create(user=user, frequency="daily")
    if areas:
        subscription.areas.set(TechnologyArea.objects.filter(slug__in=areas))
    return user


def published(**kwargs):
    return OpportunityFactory(
        published_at=AS_OF - timedelta(hours=2),
        response_deadline=AS_OF + timedelta(days=20),
        question_deadline=None,
        **kwargs,
    )


def test_a_digest_item_matching_the_firms_capabilities_counts_for_the_firm(
    firm, capability, django_capture_on_commit_callbacks
):
    digest_reader(firm, "satellites", "hypersonics")  # also follows an area it has nothing in
    digest_reader(firm)  # follows its firm's areas
    other_firm = OrganizationFactory()
    digest_reader(other_firm, "satellites")  # the area, with no capability: no match
    published(title_en="SAR constellation", areas=["satellites"])
    published(title_en="Hypersonic tiles", areas=["hypersonics"])

    with django_capture_on_commit_callbacks(execute=True):
        notification_services.digests_enqueue(frequency="daily", as_of=AS_OF)
    with django_capture_on_commit_callbacks(execute=True):  # a second run sends nothing
        notification_services.digests_enqueue(frequency="daily", as_of=AS_OF)
        notification_services.deliveries_redispatch(now=AS_OF + timedelta(hours=1))

    # Two members each got the SAR item because it matched the firm's capability; the
    # hypersonics item was sent for the area alone.
    assert counted(firm, Exposure.Kind.DIGEST, day=AS_OF.date()) == 2
    assert total(firm, Exposure.Kind.DIGEST) == 2
    assert total(other_firm, Exposure.Kind.DIGEST) == 0


# What the firm sees -----------------------------------------------------------------------


def panel_row(page: str, kind: str) -> list[str]:
    row = re.search(rf'<tr class="exposure-{kind}">(.*?)</tr>', page, re.S)
    assert row, kind
    return re.findall(r"<td>\s*(\d+)\s*</td>", row.group(1))


def test_the_dashboard_panel_shows_the_last_30_days_and_all_time(
    client, firm, capability, firm_member
):
    today = Exposure.today()
    services.exposures_record(kind=Exposure.Kind.MATCH, hits=[(firm.pk, capability.pk)] * 3)
    services.exposures_record(
        kind=Exposure.Kind.MATCH, hits=[(firm.pk, capability.pk)] * 2, day=today - timedelta(29)
    )
    services.exposures_record(
        kind=Exposure.Kind.MATCH, hits=[(firm.pk, capability.pk)] * 5, day=today - timedelta(30)
    )
    services.exposures_record(kind=Exposure.Kind.DIGEST, hits=[(firm.pk, None)] * 4)
    services.exposures_record(kind=Exposure.Kind.PROFILE_VIEW, hits=[(firm.pk, None)])
    services.exposures_record(
        kind=Exposure.Kind.PROFILE_VIEW,
        hits=[(firm.pk, capability.pk)] * 2,
        day=today - timedelta(100),
    )
    client.force_login(firm_member)

    page = client.get(reverse("organizations:dashboard")).content.decode()

    assert "How agencies find you" in page
    assert panel_row(page, "match") == ["5", "10"]
    assert panel_row(page, "digest") == ["4", "4"]
    assert panel_row(page, "profile_view") == ["1", "3"]


def test_another_firm_never_sees_these_counts(client, firm, capability):
    services.exposures_record(kind=Exposure.Kind.MATCH, hits=[(firm.pk, capability.pk)] * 7)
    other_firm = OrganizationFactory(name_en="Other Works K.K.")
    stranger = MembershipFactory(organization=other_firm).user
    client.force_login(stranger)

    page = client.get(reverse("organizations:dashboard")).content.decode()

    assert "Agencies have not found Other Works K.K. yet." in page  # its own, empty
    assert 'class="exposure-match"' not in page
    assert firm.name_en not in page
    assert [row["firm"] for row in selectors.exposure_for_user(stranger)] == [other_firm]


def test_a_user_of_two_firms_sees_each_firms_own_counts(client, firm, capability, firm_member):
    second = OrganizationFactory(name_en="Second Works K.K.")
    MembershipFactory(organization=second, user=firm_member)
    services.exposures_record(kind=Exposure.Kind.DIGEST, hits=[(firm.pk, None)] * 2)

    rows = {row["firm"]: row for row in selectors.exposure_for_user(firm_member)}

    assert {f: [c.total for c in row["counts"]] for f, row in rows.items()} == {
        firm: [0, 2, 0],
        second: [0, 0, 0],
    }
    assert rows[firm]["found"] and not rows[second]["found"]


def test_agency_staff_get_no_panel(client, agency_staff):
    client.force_login(agency_staff)

    page = client.get(reverse("organizations:dashboard")).content.decode()

    assert "How agencies find you" not in page


def test_the_panel_costs_two_queries_however_many_firms(
    firm, firm_member, django_assert_num_queries
):
    for _ in range(3):
        MembershipFactory(organization=OrganizationFactory(), user=firm_member)

    with django_assert_num_queries(2):
        rows = selectors.exposure_for_user(firm_member)

    assert len(rows) == 4


def test_your_capabilities_shows_each_capabilitys_counts(client, firm, capability, firm_member):
    quiet = CapabilityFactory(organization=firm, title_en="Quiet one")
    services.exposures_record(kind=Exposure.Kind.MATCH, hits=[(firm.pk, capability.pk)] * 2)
    services.exposures_record(
        kind=Exposure.Kind.PROFILE_VIEW,
        hits=[(firm.pk, capability.pk)],
        day=Exposure.today() - timedelta(days=60),
    )
    client.force_login(firm_member)

    response = client.get(reverse("capabilities:mine"))

    page = response.content.decode()
    by_title = {c.title: c.exposure for c in response.context["capabilities"]}
    assert by_title["SAR bus"]["match"].recent == 2
    assert by_title["SAR bus"]["profile_view"].total == 1
    assert by_title["Quiet one"]["match"].total == 0
    assert quiet.title in page
    assert "2 in 30 days, 2 in all" in page
    assert "0 in 30 days, 1 in all" in page
