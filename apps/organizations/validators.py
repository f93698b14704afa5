"""Validation of the identifiers organizations register with."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.core.text import normalize_digits


def corporate_number_check_digit(base12: str) -> int:
    """Check digit of a Japanese Corporate Number (法人番号) over its last twelve digits.

    With P(n) the n-th digit counted from the right of the twelve and Q(n) = 1 for odd n,
    2 for even n: check digit = 9 - (sum of P(n) * Q(n) mod 9).
    """
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - (total % 9)


def normalize_corporate_number(value: str) -> str:
    """Full-width digits from a Japanese keyboard become ASCII; spaces and hyphens go."""
    return normalize_digits(value)


def validate_corporate_number(value: str) -> None:
    number = normalize_corporate_number(value)
    if number and (not number.isascii() or not number.isdigit()):
        raise ValidationError(
            _("A Corporate Number has digits only (you typed “%(value)s”)."),
            code="not_digits",
            params={"value": value},
        )
    if len(number) != 13:
        raise ValidationError(
            _("A Corporate Number has exactly 13 digits; this one has %(count)d."),
            code="length",
            params={"count": len(number)},
        )
    if int(number[0]) != corporate_number_check_digit(number[1:]):
        raise ValidationError(
            _(
                "This is not a valid Corporate Number: its check digit does not match. "
                "Please copy it again from the National Tax Agency's Corporate Number "
                "site or your registration certificate."
            ),
            code="check_digit",
        )


_UEI = re.compile(r"^[A-HJ-NP-Z1-9][A-HJ-NP-Z0-9]{11}$")
_CAGE = re.compile(r"^[A-Z0-9]{5}$")


def validate_uei(value: str) -> None:
    """SAM.gov Unique Entity ID: 12 characters, letters (no I or O) and digits, not
    starting with 0."""
    if value and not _UEI.match(value.upper()):
        raise ValidationError(
            _("A Unique Entity ID (UEI) has 12 letters and digits (no I or O)."), code="uei"
        )


def validate_cage(value: str) -> None:
    if value and not _CAGE.match(value.upper()):
        raise ValidationError(_("A CAGE or NCAGE code has 5 letters and digits."), code="cage")
