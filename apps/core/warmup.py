"""Work done once in gunicorn's master process (deploy/gunicorn.conf.py, with
preload_app), so that every worker forked from it, including the ones that replace
workers retired after `max_requests`, starts with it done: templates compiled into the
cached loader, the URL resolver built, the translation catalogues loaded. Nothing here
opens a database or cache connection, which forked workers must not share."""

from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation


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
    get_resolver().url_patterns  # noqa: B018 — builds the resolver
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Opportunities")
    engine = engines["django"]
    compiled = 0
    for name in _template_names():
        try:
            engine.get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
            continue  # a partial that only parses in context, or not a template
        compiled += 1
    return compiled
