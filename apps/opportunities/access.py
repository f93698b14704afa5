"""The export-control gate on controlled attachments (DESIGN.md): before serving an
attachment marked controlled, this app asks the registered access policies. The waivers
app registers its policy in its AppConfig.ready(); with none registered, a controlled
attachment reaches only the owning agency's staff."""

from collections.abc import Callable

from apps.opportunities import permissions
from apps.opportunities.models import Attachment, Response

AttachmentPolicy = Callable[[object, Attachment], bool]
_policies: list[AttachmentPolicy] = []


def register_attachment_policy(policy: AttachmentPolicy) -> None:
    if policy not in _policies:
        _policies.append(policy)


ResponsePolicy = Callable[[object, Response], bool]
_response_policies: list[ResponsePolicy] = []


def register_response_attachment_policy(policy: ResponsePolicy) -> None:
    if policy not in _response_policies:
        _response_policies.append(policy)


def response_attachment_is_held(response: Response) -> bool:
    """A controlled attachment of a response to an opportunity that requires an export
    authorization is held from the agency until a policy (the waivers app's) allows."""
    return (
        bool(response.attachment)
        and response.attachment_is_controlled
        and response.opportunity.export_authorization_required
    )


def can_download_response_attachment(user, response: Response) -> bool:
    """The caller has already checked that the user may see the response. The firm always
    may; the agency only when nothing holds it, or a registered policy allows."""
    from apps.organizations import permissions as org_permissions

    if org_permissions.is_member(user, response.organization):
        return True
    if not response_attachment_is_held(response):
        return True
    return any(policy(user, response) for policy in _response_policies)


def needs_mfa_for_response_attachment(user, response: Response) -> bool:
    """Controlled material opens only for accounts with an authenticator app; the firm's
    own members excepted (it is their material)."""
    from apps.core.admin_site import user_has_mfa
    from apps.organizations import permissions as org_permissions

    if not response_attachment_is_held(response):
        return False
    if org_permissions.is_member(user, response.organization):
        return False
    return not user_has_mfa(user)


def can_download_attachment(user, attachment: Attachment) -> bool:
    """The caller has already checked that the user may see the opportunity."""
    if permissions.can_manage(user, attachment.opportunity):
        return True
    if not attachment.is_controlled:
        return True
    return any(policy(user, attachment) for policy in _policies)
