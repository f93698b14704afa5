"""`{% memo %}`: a fragment of a page rendered once per process and language.

Every page carries the same chrome (the head's links, the navigation, the footer): a few
dozen translated strings, reversed URLs and static paths that Django's template engine
would look up again at every request, although for a given language they only change
with a new release (a new process). A memo renders its fragment the first time and hands
out the same markup after that:

    {% load fragments %}
    {% memo "site-nav" signed_in=user.is_authenticated app=request.resolver_match.app_name %}
      … {% if signed_in %}…{% endif %} …
    {% endmemo %}

The fragment sees nothing of the page's context but the variables given to the tag (and
the active language): it cannot show a value that its key does not name. Those values
must be hashable (strings, numbers, booleans, None). Nothing per request belongs inside
(a CSRF token, the request's path): it would render empty. Block tags cannot be inside a
memo either.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import token_kwargs
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# (name, language, variables) -> markup; emptied when full, which with a few fragments
# and their handful of variants only a change of release would bring about.
_KEPT: dict[tuple, SafeString] = {}
_KEPT_MAX = 512


class MemoNode(template.Node):
    def __init__(self, name: str, variables: dict, nodelist):
        self.name = name
        self.variables = variables
        self.nodelist = nodelist

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.variables.items()}
        key = (self.name, translation.get_language(), tuple(values.items()))
        try:
            found = _KEPT.get(key)
        except TypeError as error:
            raise template.TemplateSyntaxError(
                f"memo {self.name!r}: its variables must be hashable ({error})"
            ) from error
        if found is None:
            own = template.Context(
                values,
                autoescape=context.autoescape,
                use_l10n=context.use_l10n,
                use_tz=context.use_tz,
            )
            own.template = context.template  # for {% include %}
            # Rendered by the template engine, which escaped what it shows.
            found = mark_safe(self.nodelist.render(own))
            if len(_KEPT) >= _KEPT_MAX:
                _KEPT.clear()
            _KEPT[key] = found
        return found


@register.tag
def memo(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('memo needs a name: {% memo "name" var=value %}')
    name = bits[1]
    if not (name[0] == name[-1] and name[0] in "\"'"):
        raise template.TemplateSyntaxError("memo's name is a quoted string")
    remaining = bits[2:]
    variables = token_kwargs(remaining, parser, support_legacy=False)
    if remaining:
        raise template.TemplateSyntaxError(
            f"memo {name}: variables are given as name=value, not {remaining[0]!r}"
        )
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(name[1:-1], variables, nodelist)


# What a fragment may read besides its variables (translations, URLs, static paths).
_READS = {"ROOT_URLCONF", "STATIC_URL", "STORAGES", "LANGUAGES", "LOCALE_PATHS", "INSTALLED_APPS"}


@receiver(setting_changed)
def forget_all(*, setting=None, **kwargs) -> None:
    """A test that changes what fragments read starts afresh."""
    if setting is None or setting in _READS:
        _KEPT.clear()
