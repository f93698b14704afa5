"""Who may see and change capabilities. The directory's row filter is
selectors.capabilities_visible_to(); these answer for one capability."""

from django.db import connections, router

from apps.capabilities.models import Capability
from apps.organizations import permissions as org_permissions
from apps.organizations.models import Membership, Organization


def can_edit(user, capability: Capability) -> bool:
    return org_permissions.is_member(user, capability.organization)


def can_create_for(user, organization) -> bool:
    return organization.kind == "firm" and org_permissions.is_member(user, organization)


def can_moderate(user) -> bool:
    """Portal operators may withdraw a published capability from the directory."""
    return org_permissions.is_operator(user)


def sees_agency_only(user) -> bool:
    """Verified agency, intermediary and regulator staff see capabilities marked for
    agencies, export-control details and the CSV export."""
    return org_permissions.is_verified_government_side(user)


def sees_agency_only_on(request) -> bool:
    """`sees_agency_only` for the request's user, asked of the database once per request
    (the directory's rows, filters and columns all depend on it)."""
    if not hasattr(request, "_sees_agency_only"):
        request._sees_agency_only = sees_agency_only(getattr(request, "user", None))
    return request._sees_agency_only


def _memberships_sql() -> str:
    membership, organization = Membership._meta, Organization._meta
    firm = membership.get_field("organization").column
    user = membership.get_field("user").column
    kind = organization.get_field("kind").column
    status = organization.get_field("verification_status").column
    return (
        f"SELECT m.{firm}, o.{kind}, o.{status} FROM {membership.db_table} m"  # noqa: S608 — our own tables
        f" JOIN {organization.db_table} o ON o.{organization.pk.column} = m.{firm}"
        f" WHERE m.{user} = %s"
    )


# In plain SQL, as the content generations (apps.core.pagecache): it is read on every
# signed-in directory request, where the ORM took about 0.5 ms to build the statement (its
# joins, and the ordering of memberships, which the database then had to sort by), four
# times what the database spent answering it.
_MEMBERSHIPS_SQL = _memberships_sql()


def directory_viewer(request) -> tuple[bool, list[int]]:
    """(`sees_agency_only_on(request)`, the ids of the user's own firms), from one query
    of the user's memberships: what the directory's rows depend on."""
    user = getattr(request, "user", None)
    rows = []
    if user is not None and user.is_authenticated:
        with connections[router.db_for_read(Membership)].cursor() as cursor:
            cursor.execute(_MEMBERSHIPS_SQL, [user.pk])
            rows = cursor.fetchall()
    request._sees_agency_only = any(
        kind in Organization.VETTED_KINDS and status == Organization.Verification.VERIFIED
        for _, kind, status in rows
    )  # as org_permissions.is_verified_government_side
    own_firms = sorted(pk for pk, kind, _ in rows if kind == Organization.Kind.FIRM)
    return request._sees_agency_only, own_firms


def can_view(user, capability: Capability) -> bool:
    if can_edit(user, capability):
        return True
    if capability.status != Capability.Status.PUBLISHED:
        return False
    return capability.visibility == Capability.Visibility.PUBLIC or sees_agency_only(user)


def can_view_export_control(user, capability: Capability) -> bool:
    return can_edit(user, capability) or sees_agency_only(user)


def counts_as_agency_view(user, firm, *, is_member: bool | None = None) -> bool:
    """Whether this user's view of a firm's profile or capability page counts in the
    firm's exposure: verified agency or intermediary staff, not members of the firm
    (colleagues looking at their own pages is not being found). Pass `is_member` when
    already known, to spare a query."""
    if user is None or not user.is_authenticated or is_member:
        return False
    if not org_permissions.has_verified_membership(
        user, Organization.Kind.AGENCY, Organization.Kind.INTERMEDIARY
    ):
        return False
    if is_member is None:
        is_member = org_permissions.is_member(user, firm)
    return not is_member
