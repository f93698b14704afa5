"""The text normalisation every form and search input goes through (apps.core.text)."""

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from apps.core.text import CONTROL_CHARACTERS, normalize_digits, normalize_text
from tests.fuzz import strategies as fz

KEPT_CONTROLS = {"\t", "\n", "\r"}


@given(value=fz.hostile_text)
@example(value="\x00")
@example(value="Vertical\x0btab and\x1b[31m escape\x7f")
@example(value="ＡＢＣ１２３ ｶﾞｷﾞ")
def test_normalised_text_holds_no_control_characters_and_is_stable(value):
    text = normalize_text(value)
    assert not any(ord(character) in CONTROL_CHARACTERS for character in text)
    assert text == text.strip()
    assert normalize_text(text) == text
    if not any(ord(c) in CONTROL_CHARACTERS for c in value):
        assert text == unicodedata.normalize("NFKC", value).strip()


@given(value=st.text(alphabet="０１２３４５６７８９0123456789 -−ー", max_size=30))
def test_digits_typed_any_way_normalise_to_ascii_digits(value):
    assert set(normalize_digits(value)) <= set("0123456789")


def test_tab_and_line_breaks_are_kept_inside_text():
    assert normalize_text(" a\tb\r\nc ") == "a\tb\r\nc"
    assert KEPT_CONTROLS.isdisjoint(chr(code) for code in CONTROL_CHARACTERS)
