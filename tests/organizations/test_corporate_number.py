import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from apps.organizations.validators import (
    corporate_number_check_digit,
    normalize_corporate_number,
    validate_corporate_number,
)

TOYOTA = "1180301018771"


def test_toyota_motor_corporate_number_is_valid():
    validate_corporate_number(TOYOTA)


@pytest.mark.parametrize("first", [d for d in "0123456789" if d != "1"])
def test_same_number_with_another_check_digit_is_rejected(first):
    with pytest.raises(ValidationError) as error:
        validate_corporate_number(first + TOYOTA[1:])
    assert error.value.code == "check_digit"


@pytest.mark.parametrize("value", ["118030101877", "11803010187711", ""])
def test_wrong_length_is_rejected_with_the_count(value):
    with pytest.raises(ValidationError) as error:
        validate_corporate_number(value)
    assert error.value.code == "length"


@pytest.mark.parametrize(
    "value", ["11803O1018771", "1180301O18771", "abcdefghijklm", "１１８０３０１O１８７７１"]
)
def test_non_digits_are_rejected(value):
    with pytest.raises(ValidationError) as error:
        validate_corporate_number(value)
    assert error.value.code == "not_digits"


@pytest.mark.parametrize(
    "value",
    ["１１８０３０１０１８７７１", "1180-3010-18771", " 1180301018771 ", "1 1803 0101 8771"],
)
def test_full_width_digits_and_separators_are_normalised(value):
    assert normalize_corporate_number(value) == TOYOTA
    validate_corporate_number(value)


def test_non_ascii_digits_other_than_full_width_are_refused():
    # Arabic-Indic digits pass str.isdigit() but are not a Corporate Number.
    with pytest.raises(ValidationError):
        validate_corporate_number("١١٨٠٣٠١٠١٨٧٧١")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_every_twelve_digit_base_has_exactly_one_valid_check_digit(base):
    valid = [d for d in range(10) if _valid(f"{d}{base}")]
    assert valid == [corporate_number_check_digit(base)]
    assert 1 <= valid[0] <= 9


def _valid(number):
    try:
        validate_corporate_number(number)
    except ValidationError:
        return False
    return True
