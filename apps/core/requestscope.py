"""A dict that lives for one request: made when Django's request starts, dropped when it
finishes (None outside requests, e.g. in tasks and shells, where nothing is kept)."""

from contextvars import ContextVar

from django.core.signals import request_finished, request_started


class RequestDict:
    def __init__(self, name: str):
        self._var: ContextVar[dict | None] = ContextVar(name, default=None)
        request_started.connect(self._start, dispatch_uid=f"{name}-start", weak=False)
        request_finished.connect(self._finish, dispatch_uid=f"{name}-finish", weak=False)

    def _start(self, **kwargs) -> None:
        self._var.set({})

    def _finish(self, **kwargs) -> None:
        self._var.set(None)

    def get(self) -> dict | None:
        """This request's dict, or None outside requests."""
        return self._var.get()

    def set(self, value: dict | None):
        """For tests: returns a token for `reset`."""
        return self._var.set(value)

    def reset(self, token) -> None:
        self._var.reset(token)
