"""{% memo %} (apps/core/templatetags/fragments.py) and the page chrome built with it."""

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation

from apps.core.templatetags import fragments
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_fragments():
    fragments.forget_all()
    yield
    fragments.forget_all()


def render(source: str, **context) -> str:
    return Template("{% load i18n fragments %}" + source).render(Context(context))


def test_a_fragment_sees_only_the_variables_it_names():
    source = '{% memo "t" shown=a %}[{{ shown }}|{{ b }}]{% endmemo %}'
    assert render(source, a="one", b="secret") == "[one|]"


def test_a_fragment_is_kept_per_value_of_its_variables():
    source = '{% memo "t" shown=a %}[{{ shown }}]{% endmemo %}'
    assert render(source, a="one") == "[one]"
    assert render(source, a="two") == "[two]"  # another key, not the first one's markup
    assert render(source, a="one") == "[one]"


def test_a_fragment_is_kept_per_language():
    source = '{% memo "t" %}{% translate "Opportunities" %}{% endmemo %}'
    assert render(source) == "Opportunities"
    with translation.override("ja"):
        japanese = render(source)
    assert japanese and japanese != "Opportunities"
    assert render(source) == "Opportunities"


def test_a_kept_fragment_is_handed_out_without_rendering_it_again():
    source = '{% memo "t" shown=a %}[{{ shown }}]{% endmemo %}'
    assert render(source, a="one") == "[one]"
    [key] = fragments._KEPT
    fragments._KEPT[key] = "kept"
    assert render(source, a="one") == "kept"


def test_a_fragment_escapes_as_the_page_does():
    source = '{% memo "t" shown=a %}{{ shown }}{% endmemo %}'
    assert render(source, a="<b>") == "&lt;b&gt;"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% memo %}{% endmemo %}", "needs a name"),
        ("{% memo name %}{% endmemo %}", "quoted string"),
        ('{% memo "t" a %}{% endmemo %}', "name=value"),
    ],
)
def test_a_malformed_memo_is_refused_with_a_clear_message(source, message):
    with pytest.raises(TemplateSyntaxError, match=message):
        render(source)


def test_an_unhashable_variable_is_refused_with_a_clear_message():
    with pytest.raises(TemplateSyntaxError, match="hashable"):
        render('{% memo "t" shown=a %}{{ shown }}{% endmemo %}', a=["a", "list"])


def _in_japanese(text: str) -> str:
    with translation.override("ja"):
        return translation.gettext(text)


def _current(page: str) -> list[str]:
    """The navigation entries marked as the current page."""
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', page)


@pytest.mark.django_db
def test_the_navigation_follows_the_page_and_the_visitor(client):
    """The chrome is kept per process: each page, language and kind of visitor must
    still get its own navigation."""
    opportunities = client.get(reverse("opportunities:list")).content.decode()
    directory = client.get(reverse("capabilities:directory")).content.decode()
    assert _current(opportunities) == ["Opportunities"]
    assert _current(directory) == ["Capabilities"]
    assert "Sign in" in opportunities and "Sign out" not in opportunities

    japanese = client.get(reverse("opportunities:list"), HTTP_ACCEPT_LANGUAGE="ja")
    japanese = japanese.content.decode()
    assert '<html lang="ja">' in japanese and "Sign in" not in japanese
    assert _current(japanese) == [_in_japanese("Opportunities")]

    member = UserFactory()
    client.force_login(member)
    signed_in = client.get(reverse("opportunities:list")).content.decode()
    assert "Sign out" in signed_in and "Sign in" not in signed_in
    assert reverse("organizations:dashboard") in signed_in
    assert reverse("admin:index") not in signed_in
    # The sign-out form carries this visitor's own CSRF token, outside the kept markup.
    sign_out = re.search(r'action="/accounts/logout/"[^>]*>\s*<input[^>]*name="(\w+)"', signed_in)
    assert sign_out and sign_out.group(1) == "csrfmiddlewaretoken"

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert reverse("admin:index") in client.get(reverse("opportunities:list")).content.decode()
