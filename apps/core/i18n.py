"""Bilingual content (DESIGN.md): a text others read has an English and a Japanese field;
pages show the viewer's language and fall back to the other."""

from django.utils.translation import get_language


def localized(obj, name: str) -> tuple[str, bool]:
    """`obj.<name>_en` or `obj.<name>_ja` in the active language, else the other one, and
    whether it fell back."""
    ja = (get_language() or "en").startswith("ja")
    first, second = ("ja", "en") if ja else ("en", "ja")
    value = getattr(obj, f"{name}_{first}")
    if value:
        return value, False
    return getattr(obj, f"{name}_{second}"), True


def choice_label(choices, value) -> str:
    """The label of `value` in a TextChoices class, in the active language; the value
    itself when it is not one of them. Unlike get_FOO_display(), which hashes every
    label (translating each) at every call, this looks up one: lists call it per row."""
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
