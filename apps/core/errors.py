"""Error types shared by the apps' services."""


class PortalError(Exception):
    """Base class of expected, user-explainable failures raised by services."""


class PermissionDeniedError(PortalError):
    """The actor may not do this to this object."""


class TransitionNotAllowed(PortalError):
    """A workflow was asked to move to a state it cannot reach from where it is."""
