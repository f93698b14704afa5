"""Work done once in gunicorn's master process (deploy/gunicorn.conf.py, with
preload_app), so that every worker forked from it, including the ones that replace
workers retired after `max_requests`, starts with it done: templates compiled into the
cached loader, the URL resolver built (its regular expressions and reverse lookups, in
each language), the translation catalogues and date formats loaded, and the modules
that Django and its backends import only on first use (the Redis client, the context
processors, the message and session storage) imported. Without them a new worker's
first request to a list took about 0.09 s longer than the next. Nothing here opens a
database or cache connection, which forked workers must not share."""

import importlib
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import formats, translation
from django.utils.module_loading import import_string


def _template_names() -> list[str]:
    """The project's templates and the installed apps' (the admin's, allauth's)."""
    names = set()
    for directory in engines["django"].template_dirs:
        root = Path(directory)
        if root.is_dir():
            names.update(str(p.relative_to(root)) for p in root.rglob("*.html"))
    return sorted(names)


def warm() -> int:
    """Returns how many templates were compiled."""
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Opportunities")
            formats.get_format("DATE_FORMAT")  # the language's format module
            # Both are built per language on first use: the patterns' regular
            # expressions (resolving) and the reverse lookups ({% url %}).
            _compile_patterns(resolver.url_patterns)
            resolver.reverse_dict  # noqa: B018
    _import_what_first_use_would()
    engine = engines["django"]
    compiled = 0
    for name in _template_names():
        try:
            engine.get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
            continue  # a partial that only parses in context, or not a template
        compiled += 1
    return compiled


def _import_what_first_use_would() -> None:
    """Modules imported lazily on a request's first use of them: their classes only, no
    client or connection is made."""
    for path in (settings.MESSAGE_STORAGE, settings.SESSION_SERIALIZER):
        import_string(path)
    importlib.import_module(settings.SESSION_ENGINE)
    for cache in settings.CACHES.values():
        import_string(cache["BACKEND"])
        if "redis" in cache["BACKEND"].lower():
            importlib.import_module("redis")  # Django's Redis client imports it when made
    engines["django"].engine.template_context_processors  # noqa: B018 — imports them


def _compile_patterns(patterns) -> None:
    for pattern in patterns:
        pattern.pattern.regex  # noqa: B018 — compiled on first use, per language
        if hasattr(pattern, "url_patterns"):
            _compile_patterns(pattern.url_patterns)
