import functools
import re
import string
import unicodedata
from collections import defaultdict
from itertools import pairwise

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_KANA = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3000 ]+$")


def validate_kana(value: str) -> None:
    if value and not _KANA.match(value):
        raise ValidationError(
            _("Use katakana or hiragana only, e.g. ヤマダ タロウ."), code="not_kana"
        )


# --- Passwords ------------------------------------------------------------------------
# Guessing tools and breach corpora try the same shapes first: a common word with digits
# or symbols around it or letters swapped for look-alike digits, keyboard walks, runs and
# repeats, and the person's own name, e-mail address or the site's name. These validators
# refuse those shapes offline, next to Django's length and common-password checks.

_LOOKALIKES = (
    str.maketrans("013456789@$!|+", "oieasbtbgasilt"),
    str.maketrans("013456789@$!|+", "oleasbtbgasilt"),
)


def _fold(text: str) -> str:
    """NFKC (full-width forms become ASCII, half-width kana full-width), case-folded,
    katakana as hiragana."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in text)


def _trim(text: str) -> str:
    """Drops the digits, symbols and spaces around the letters."""
    start, end = 0, len(text)
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return text[start:end]


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha())


def _variants(text: str) -> set[str]:
    """The password as typed and with look-alike digits and symbols read as letters."""
    return {text} | {text.translate(table) for table in _LOOKALIKES}


@functools.cache
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


class DecoratedCommonPasswordValidator:
    """Refuses a common password dressed up: digits or symbols before or after it or
    between its letters, look-alike substitutions (p@ssw0rd) or repetition
    (passwordpassword). Django's CommonPasswordValidator refuses the bare word."""

    def __init__(self, min_word_length: int = 3):
        self.min_word_length = min_word_length

    def validate(self, password, user=None):
        common = _common_passwords()
        if password.lower().strip() in common:
            return  # CommonPasswordValidator says so already
        text = _fold(password)
        cores = {text.strip()}
        for variant in _variants(text) | {_trim(v) for v in _variants(text)}:
            for core in (_trim(variant), _letters(variant)):
                cores.add(core)
                cores.add(_repeated_unit(core))
        if any(len(core) >= self.min_word_length and core in common for core in cores):
            raise ValidationError(
                _(
                    "This password is a common password with a few characters added or "
                    "changed, which guessing tools try first. A phrase of several unrelated "
                    "words is easier to remember and much harder to guess."
                ),
                code="password_decorated_common",
            )

    def get_help_text(self):
        return _(
            "Your password can't be a common password with digits or symbols added or "
            "letters swapped for look-alikes."
        )


def _repeated_unit(text: str) -> str:
    """'abcabcabc' -> 'abc'; text that is not a repetition comes back unchanged."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")
_KEYBOARD_COLUMNS = ("1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/")
_SHIFTED = str.maketrans('~!@#$%^&*()_+{}|:"<>?', "`1234567890-=[]\\;',./")
# Japanese: the kana in dictionary order and the rows of the JIS kana keyboard.
_GOJUON = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
)
_JIS_KANA_ROWS = (
    "ぬふあうえおやゆよわほへ",
    "たていすかんなにらせ",
    "ちとしはきくまのりれけむ",
    "つさそひこみもねるめろ",
)


@functools.cache
def _neighbours() -> dict[str, frozenset[str]]:
    sequences = (
        *_KEYBOARD_ROWS,
        *_KEYBOARD_COLUMNS,
        string.ascii_lowercase,
        string.digits,
        _GOJUON,
        *_JIS_KANA_ROWS,
    )
    pairs = defaultdict(set)
    for sequence in sequences:
        for a, b in pairwise(sequence):
            pairs[a].add(b)
            pairs[b].add(a)
    return {key: frozenset(value) for key, value in pairs.items()}


def patterned_share(password: str, min_run: int = 4) -> float:
    """The share of characters that belong to a keyboard walk, an alphabetical or numeric
    run or a repeat of at least `min_run` characters (qwerty, 1qaz2wsx, abcd, 4321, aaaa)."""
    text = _fold(password).translate(_SHIFTED)
    if not text:
        return 0.0
    neighbours = _neighbours()
    covered, run = 0, 1
    for previous, current in pairwise(text):
        if current == previous or current in neighbours.get(previous, ()):
            run += 1
            continue
        covered += run if run >= min_run else 0
        run = 1
    covered += run if run >= min_run else 0
    return covered / len(text)


class KeyboardPatternPasswordValidator:
    """Refuses a password made mostly of keyboard walks, runs and repeated characters."""

    def __init__(self, max_share: float = 0.5):
        self.max_share = max_share

    def validate(self, password, user=None):
        if patterned_share(password) >= self.max_share:
            raise ValidationError(
                _(
                    "This password is mostly a keyboard pattern, a sequence or repeated "
                    "characters (like “qwerty”, “1qaz2wsx”, “abcd1234” or “aaaa”), which "
                    "guessing tools try first."
                ),
                code="password_keyboard_pattern",
            )

    def get_help_text(self):
        return _(
            "Your password can't be mostly a keyboard pattern, a sequence or repeated characters."
        )


# Parts of an e-mail domain that say nothing about the person.
_GENERIC_DOMAIN_LABELS = frozenset(
    {"www", "mail", "co", "ne", "or", "ac", "go", "gr", "ed", "lg", "ad"}
    | {"com", "org", "net", "gov", "mil", "edu", "jp", "us", "example"}
)


class PersonalInformationPasswordValidator:
    """Refuses a password that is the person's name, e-mail address, firm domain or the
    portal's name with only digits, symbols or a few letters added: the first guesses of
    anyone who knows who the account belongs to. Django's UserAttributeSimilarityValidator
    compares the whole password with each attribute; this one finds them inside it."""

    def __init__(self, extra_words=("kakehashi",), min_other_letters: int = 4):
        self.extra_words = tuple(extra_words)
        self.min_other_letters = min_other_letters

    def validate(self, password, user=None):
        words = sorted(self._words(user), key=len, reverse=True)
        if not words:
            return
        for variant in _variants(_fold(password)):
            if not any(word in variant for word in words):
                continue
            rest = variant
            for word in words:
                rest = rest.replace(word, "")
            if len(_letters(rest)) < self.min_other_letters:
                raise ValidationError(
                    _(
                        "This password is built from your name, your e-mail address or the "
                        "portal's name, which anyone who knows you would try first."
                    ),
                    code="password_personal_information",
                )

    def get_help_text(self):
        return _(
            "Your password can't be your name, your e-mail address or the portal's name "
            "with only digits or symbols added."
        )

    def _words(self, user) -> set[str]:
        texts = [_fold(word) for word in self.extra_words]
        if user is not None:
            email = _fold(getattr(user, "email", "") or "")
            local, _at, domain = email.rpartition("@") if "@" in email else (email, "", "")
            texts.append(local)
            labels = domain.split(".")[:-1]
            texts.extend(label for label in labels if label not in _GENERIC_DOMAIN_LABELS)
            texts.append(_fold(getattr(user, "display_name", "") or ""))
            texts.append(_fold(getattr(user, "display_name_kana", "") or ""))
        words = set()
        for text in texts:
            parts = [part for part in re.split(r"[\W_]+", text) if part]
            pieces = [piece for part in parts for piece in re.findall(r"\d+|\D+", part)]
            words.update(parts)
            words.update(pieces)
            words.add("".join(parts))
        return {word for word in words if len(word) >= (3 if word.isascii() else 2)}
