"""Widgets for the filter forms of the busiest pages, rendered in Python.

Django renders every widget, and every <option> of a select, through its template
engine: a filter form with a 56-area tree and 47 prefectures costs more than the rows of
the page it filters. These widgets give the same markup as Django's templates (the same
attributes in the same order, `aria-*` included, and the same escaping), built in Python;
tests/core/test_pagination_and_widgets.py compares them.
"""

import html

from django import forms
from django.utils import translation
from django.utils.safestring import mark_safe


class FastInputMixin:
    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        value_attr = f' value="{escape_text(value)}"' if value is not None else ""
        # Every part is escaped.
        return mark_safe(
            f'<input type="{escape_text(self.input_type)}" name="{escape_text(name)}"{value_attr}'
            f"{_attributes(final)}>"
        )


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastSearchInput(FastTextInput):
    input_type = "search"


class FastNumberInput(FastInputMixin, forms.NumberInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    input_type = "date"


def _attributes(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: in order, True as a bare name, False left out
    (django.forms.utils.flatatt would move the bare names to the end)."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape_text(value)}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


def escape_text(value) -> str:
    """Django's `conditional_escape`, as plain string work (a select has many options):
    what is marked safe as it is, anything else (lazy translations too) as escaped text."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value), quote=True)


# Options rendered without a selection, by the list they came from (see FastSelect);
# emptied when full (lists made afresh for each form come and go).
_OPTIONS: dict = {}
_OPTIONS_KEPT = 256


class FastSelect(forms.Select):
    """`unlisted`: values the field still accepts (from older links) but no longer offers.

    The options are rendered once per list of choices, language and blank label, and kept
    per process by the list's identity (with the list itself, so that a new list never
    takes an old one's place): a filter's choices are module-level lists or lists kept
    for as long as their data hold (taxonomy's `area_choices`), so a page only marks the
    selected options in markup it already has."""

    def __init__(self, attrs=None, choices=(), *, unlisted=()):
        super().__init__(attrs, choices)
        self.unlisted = frozenset(unlisted)

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        body = self._options()
        # As Django's Select: a single select marks only the first matching option.
        count = -1 if self.allow_multiple_selected else 1
        for option_value in dict.fromkeys(str(v) for v in self.format_value(value)):
            tag = f'<option value="{escape_text(option_value)}">'
            body = body.replace(tag, tag[:-1] + " selected>", count)
        # Every part is escaped.
        return mark_safe(f'<select name="{escape_text(name)}"{_attributes(final)}>{body}</select>')

    def _options(self) -> str:
        choices = self.choices
        source = getattr(choices, "choices", choices)  # django-filter wraps the list
        field = getattr(choices, "field", None)
        extras = (
            str(getattr(field, "empty_label", None)),
            str(getattr(field, "null_label", None)),
        )
        key = (id(source), translation.get_language(), extras, self.unlisted)
        kept = _OPTIONS.get(key)
        if kept is not None and kept[0] is source:
            return kept[1]
        body = "".join(self._render_options(choices))
        if len(_OPTIONS) >= _OPTIONS_KEPT:
            _OPTIONS.clear()
        _OPTIONS[key] = (source, body)
        return body

    def _render_options(self, choices):
        for option_value, label in choices:
            if isinstance(label, list | tuple):  # an <optgroup>
                yield f'<optgroup label="{escape_text(option_value)}">'
                yield from self._render_options(label)
                yield "</optgroup>"
                continue
            option_value = "" if option_value is None else str(option_value)
            if option_value in self.unlisted:
                continue
            yield f'<option value="{escape_text(option_value)}">{escape_text(label)}</option>'
