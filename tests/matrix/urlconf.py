"""Every URL pattern of the project, read from the root URLconf (get_resolver()), so that
the matrix notices a view nobody listed.

A pattern's key is its namespaced name (`waivers:detail`, `admin:index`) or, for an
unnamed pattern, its full route (`favicon.ico`); a name declared twice is one key."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# The admin's generated views. They have no row each: the matrix checks every one of them
# against the rule "the admin is for staff with an authenticator app" (ADMIN_RULE in
# tests/test_permission_matrix.py), and what each model admin lets staff see on a sample
# (ADMIN). A view a project app adds to the admin has its callback in apps.* and needs a
# row of its own.
ADMIN_SITE_VIEWS = frozenset(
    {
        "admin:index",
        "admin:login",
        "admin:logout",
        "admin:password_change",
        "admin:password_change_done",
        "admin:autocomplete",
        "admin:jsi18n",
        "admin:view_on_site",
        "admin:app_list",
        "admin:auth_user_password_change",
    }
)
ADMIN_MODEL_VIEW = re.compile(r"^admin:[a-z0-9]+_[a-z0-9]+_(changelist|add|history|delete|change)$")
# Unnamed: the redirect of admin/<app>/<model>/<id>/ to …/change/, and the catch-all.
ADMIN_UNNAMED_ROUTE = re.compile(
    r"^admin/([a-z0-9]+/[a-z0-9]+/<path:object_id>/|\(\?P<url>\.\*\)\$)$"
)


@dataclass(frozen=True)
class Pattern:
    key: str
    name: str | None
    route: str
    callback: str
    # The URLconf module that declares it (the nearest include given by module name).
    declared_in: str
    csrf_exempt: bool = False

    @property
    def is_project_view(self) -> bool:
        return self.callback.startswith("apps.")

    @property
    def is_project_pattern(self) -> bool:
        """A view of the project, or a pattern one of its URLconfs declares (the favicon's
        redirect); the others come with a third-party package (allauth's pages)."""
        return self.is_project_view or self.declared_in.startswith(("apps.", "portal."))

    @property
    def is_generated_admin_view(self) -> bool:
        """One of django.contrib.admin's own views, covered by the admin rule."""
        if self.is_project_view:
            return False
        if self.name is None:
            return bool(ADMIN_UNNAMED_ROUTE.match(self.route))
        return self.key in ADMIN_SITE_VIEWS or bool(ADMIN_MODEL_VIEW.match(self.key))

    @property
    def is_api(self) -> bool:
        return self.key.startswith("api:")


def _callback_path(callback) -> str:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    module = getattr(view, "__module__", "") or type(view).__module__
    name = getattr(view, "__qualname__", None) or type(view).__qualname__
    return f"{module}.{name}"


def _module_name(urlconf) -> str | None:
    """include() hands over a module (or a name); the admin and routers, a list."""
    if isinstance(urlconf, str):
        return urlconf
    return getattr(urlconf, "__name__", None)


def _walk(patterns, prefix: str, namespaces: tuple[str, ...], module: str):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            declared_in = _module_name(entry.urlconf_name) or module
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner, declared_in)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield Pattern(
                key=name or route,
                name=name,
                route=route,
                callback=_callback_path(entry.callback),
                declared_in=module,
                csrf_exempt=getattr(entry.callback, "csrf_exempt", False),
            )


def url_patterns() -> list[Pattern]:
    """Every pattern of the root URLconf, includes followed (the admin's, allauth's, the
    API router's), in declaration order, one per key."""
    seen: dict[str, Pattern] = {}
    resolver = get_resolver()
    for pattern in _walk(resolver.url_patterns, "", (), _module_name(resolver.urlconf_name)):
        seen.setdefault(pattern.key, pattern)
    return list(seen.values())
