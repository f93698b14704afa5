"""Who may see export-control requests and open their documents.

A firm's members see their firm's requests; reviewers see all of them in the admin. The
documents are controlled: only the firm's members and reviewers who use an authenticator
app open them. Portal operators who are not reviewers cannot, superusers included."""

from django.db.models import QuerySet

from apps.core.admin_site import user_has_mfa
from apps.opportunities.permissions import firms_of  # noqa: F401 — the one definition
from apps.organizations import permissions as org_permissions
from apps.organizations.models import Organization
from apps.waivers.models import WaiverRequest


def requests_of_user_firms(user) -> QuerySet[WaiverRequest]:
    """The requests of the firms the user belongs to; nothing for anyone else, reviewers
    and operators included (they work in the admin)."""
    if user is None or not user.is_authenticated:
        return WaiverRequest.objects.none()
    return WaiverRequest.objects.filter(
        firm__memberships__user=user, firm__kind=Organization.Kind.FIRM
    )


def is_firm_member(user, request: WaiverRequest) -> bool:
    return org_permissions.is_member(user, request.firm)


def reaches_the_authority(request: WaiverRequest) -> bool:
    """A request the firm has never submitted is its own working copy: the authority's
    reviewers see a request, its history and its documents only once it is filed."""
    return request.submitted_at is not None


def can_view(user, request: WaiverRequest) -> bool:
    return is_firm_member(user, request) or (
        reaches_the_authority(request) and org_permissions.is_waiver_reviewer(user)
    )


class DocumentAccess:
    """The answer to "may this user open this request's documents?", with the reason."""

    ALLOWED = "allowed"
    NEEDS_MFA = "needs_mfa"
    REFUSED = "refused"


def document_access(user, request: WaiverRequest) -> str:
    if is_firm_member(user, request):
        return DocumentAccess.ALLOWED
    if reaches_the_authority(request) and org_permissions.is_waiver_reviewer(user):
        return DocumentAccess.ALLOWED if user_has_mfa(user) else DocumentAccess.NEEDS_MFA
    return DocumentAccess.REFUSED
