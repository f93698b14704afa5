"""Text normalisation shared by every form and search input (DESIGN.md, "Text
normalisation"): NFKC folds full-width letters and digits typed on a Japanese keyboard
into their ASCII forms and half-width katakana into full-width, so both spellings match.
Control characters nobody types (NUL, escape sequences, …) are dropped."""

import unicodedata

from django import forms

# C0 control characters other than tab, line feed and carriage return, and DEL. Nobody
# types them; PostgreSQL refuses NUL in text and XML 1.0 (the Atom feed) the rest.
CONTROL_CHARACTERS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def strip_control_characters(value: str) -> str:
    return value.translate(CONTROL_CHARACTERS)


def csv_safe(value) -> str:
    """Spreadsheets run cells that start with = + - @ (or a tab or carriage return) as
    formulas; defuse them for every CSV the portal writes."""
    value = "" if value is None else str(value)
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def normalize_text(value: str | None) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", strip_control_characters(str(value))).strip()


def normalize_digits(value: str | None) -> str:
    """NFKC-normalise and drop the separators people type inside numbers (spaces, hyphens)."""
    text = normalize_text(value)
    for separator in (" ", "-", "\u2212", "\u30fc"):
        text = text.replace(separator, "")
    return text


class NormalizedCharField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return normalize_text(value) if value else value


class NormalizingFormMixin:
    """NFKC-normalises and trims every text value a bound form receives, before any field
    validates it. Passwords are left exactly as typed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            return
        secret = {
            self.add_prefix(name)
            for name, field in self.fields.items()
            if isinstance(field.widget, forms.PasswordInput)
        }
        data = self.data.copy()
        if hasattr(data, "setlist"):
            for key in list(data.keys()):
                if key not in secret and "password" not in key:
                    data.setlist(key, [_normalize_value(v) for v in data.getlist(key)])
        else:
            for key, value in list(data.items()):
                if key not in secret and "password" not in key:
                    data[key] = _normalize_value(value)
        self.data = data


def _normalize_value(value):
    return normalize_text(value) if isinstance(value, str) else value
