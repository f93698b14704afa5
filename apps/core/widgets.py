"""Widgets for the filter forms of the busiest pages, rendered in Python.

Django renders every widget, and every <option> of a select, through its template
engine: a filter form with a 56-area tree and 47 prefectures costs more than the rows of
the page it filters. These widgets give the same markup as Django's templates (the same
attributes in the same order, `aria-*` included, and the same escaping), built in Python;
tests/core/test_pagination_and_widgets.py compares them.
"""

import html

from django import forms
from django.utils.safestring import mark_safe


class FastInputMixin:
    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        value_attr = f' value="{_escape(value)}"' if value is not None else ""
        # Every part is escaped.
        return mark_safe(
            f'<input type="{_escape(self.input_type)}" name="{_escape(name)}"{value_attr}'
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
        f" {name}" if value is True else f' {name}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


def _escape(value) -> str:
    """Django's `conditional_escape`, as plain string work (a select has many options)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value), quote=True)


class FastSelect(forms.Select):
    """`unlisted`: values the field still accepts (from older links) but no longer offers."""

    def __init__(self, attrs=None, choices=(), *, unlisted=()):
        super().__init__(attrs, choices)
        self.unlisted = frozenset(unlisted)

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        selected = {str(v) for v in self.format_value(value)}

        def options(choices):
            for option_value, label in choices:
                if isinstance(label, list | tuple):  # an <optgroup>
                    yield f'<optgroup label="{_escape(option_value)}">'
                    yield from options(label)
                    yield "</optgroup>"
                    continue
                option_value = "" if option_value is None else str(option_value)
                if option_value in self.unlisted:
                    continue
                mark = " selected" if option_value in selected else ""
                yield f'<option value="{_escape(option_value)}"{mark}>{_escape(label)}</option>'

        body = "".join(options(self.choices))
        # Every part above is escaped.
        return mark_safe(f'<select name="{_escape(name)}"{_attributes(final)}>{body}</select>')
