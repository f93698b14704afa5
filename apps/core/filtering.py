"""A django-filter FilterSet for the busiest lists, without the deep copies.

django-filter deep-copies every declared filter for each request (their labels, choices
and widgets, lazy translations included), then builds a form class for that one request
whose form deep-copies the fields again, although they were made for it a moment before.
On a list page that was about a tenth of the request. Here each filter is copied shallowly
with its own `extra` (which the filter sets change per request, e.g. to set choices), and
the form keeps the fields it was built with.

The form class itself is kept per process and made again only when the filters differ:
another field set (the directory's export-control filter is for some viewers only) or
another object in a filter's arguments (the kept area and agency choices are new lists
after their data change, and are per language). Its fields are then shared by the forms
of many requests, which only read them: a form's data, cleaned values and errors live on
the form. Behaviour is otherwise django-filter's.
"""

import copy

import django_filters
from django import forms
from django.http import QueryDict


class FreshFieldsForm(forms.Form):
    """The base of a filter set's form classes (`LeanFilterSet.get_form_class`), whose
    forms use the class's fields as they are (see `_SharedFields`)."""


class _SharedFields(dict):
    """A filter form class's `base_fields`: Django deep-copies them for each form, in case
    the form changes its fields; a filter form's fields are built for it and nothing
    changes them after (the module docstring), so the copy is a shallow one. Nothing is
    changed on the class either, so that forms made at once in other threads are safe."""

    def __deepcopy__(self, memo):
        return dict(self)


class LeanFilterSet(django_filters.FilterSet):
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, declared in self.base_filters.items():
            filter_ = copy.copy(declared)
            filter_.__dict__.pop("_field", None)  # built per filter set, from its own extra
            filter_.extra = dict(declared.extra)
            if declared.method is not None:
                filter_.method = declared.method  # its FilterMethod must point at the copy
            filter_.model = queryset.model
            filter_.parent = self
            self.filters[name] = filter_

    def get_form_class(self):
        key = self._form_signature()
        kept = _FORM_CLASSES.get(key) if key is not None else None
        if kept is not None:
            return kept
        fields = {name: filter_.field for name, filter_ in self.filters.items()}
        base = self._meta.form
        if base is forms.Form:
            base = FreshFieldsForm
        form_class = type(f"{type(self).__name__}Form", (base,), fields)
        if base is FreshFieldsForm:
            form_class.base_fields = _SharedFields(form_class.base_fields)
        if key is not None:
            if len(_FORM_CLASSES) >= _FORM_CLASSES_KEPT:
                _FORM_CLASSES.clear()
            _FORM_CLASSES[key] = form_class
        return form_class

    def _form_signature(self):
        """What the form's fields are built from: each filter's class, label and `extra`,
        the objects among them by identity (the key holds them, so no other object can
        take an identity while it is kept). None when a field would hold a queryset, whose
        rows must be read afresh for each form, or when this filter set has its own form."""
        if self._meta.form is not forms.Form:
            return None
        parts = [type(self)]
        for name, filter_ in self.filters.items():
            if "queryset" in filter_.extra:
                return None
            parts.append((name, type(filter_), _Same(filter_.label)))
            parts.extend((key, _Same(value)) for key, value in filter_.extra.items())
        return tuple(parts)


# Filter form classes by what their fields are built from (LeanFilterSet.get_form_class);
# emptied when full, as lists made afresh come and go.
_FORM_CLASSES: dict = {}
_FORM_CLASSES_KEPT = 64


class _Same:
    """A key part equal only to the same object (values such as lists cannot be hashed,
    and two equal lists may be kept for different data); plain values by value."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __hash__(self):
        value = self.value
        return hash(value) if type(value) in _PLAIN else id(value)

    def __eq__(self, other):
        if not isinstance(other, _Same):
            return NotImplemented
        if type(self.value) in _PLAIN:
            return type(other.value) is type(self.value) and other.value == self.value
        return other.value is self.value


_PLAIN = frozenset({str, int, float, bool, type(None), type})
