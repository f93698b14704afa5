"""The export-control gate on controlled attachments (DESIGN.md): before serving an
attachment marked controlled, this app asks the registered access policies. The waivers
app registers its policy in its AppConfig.ready(); with none registered, a controlled
attachment reaches only the owning agency's staff."""

from collections.abc import Callable

from apps.opportunities import permissions
from apps.opportunities.models import Attachment

AttachmentPolicy = Callable[[object, Attachment], bool]
_policies: list[AttachmentPolicy] = []


def register_attachment_policy(policy: AttachmentPolicy) -> None:
    if policy not in _policies:
        _policies.append(policy)


def can_download_attachment(user, attachment: Attachment) -> bool:
    """The caller has already checked that the user may see the opportunity."""
    if permissions.can_manage(user, attachment.opportunity):
        return True
    if not attachment.is_controlled:
        return True
    return any(policy(user, attachment) for policy in _policies)
