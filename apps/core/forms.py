"""Form fields shared by several apps."""

from django import forms
from django.core.exceptions import ValidationError

BIGINT = range(-(2**63), 2**63)


class IntegerPkMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A choice of rows by integer primary key that refuses, as an invalid value, a number
    no database column holds. Django checks the range of `pk=…` but not of the `pk__in=…`
    it then runs, and SQLite raises OverflowError on such a number there."""

    def _check_values(self, value):
        try:
            values = frozenset(value)
        except TypeError:
            values = frozenset()  # the parent refuses a list that is not one
        for pk in values:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number at all: the parent refuses it
            if number not in BIGINT:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)
