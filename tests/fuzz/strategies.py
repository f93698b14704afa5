"""Hypothesis strategies for hostile input: what a browser, a script or an attacker may send
to a form or a query string.

Text may hold lone surrogates (invalid Unicode): `encode_form` and `encode_query` turn them
into the bytes a careless client sends (UTF-8 of the surrogate, which is not valid UTF-8),
and Django decodes the body with replacement characters, as it does in production.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, quote_from_bytes

from hypothesis import strategies as st

HUGE = 100_000  # characters: well past every max_length and the usual proxy limits

HTML_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "{{ request.user }}{% debug %}",
    "<!--",
    "]]><![CDATA[",
    "&lt;script&gt;",
    "＜script＞alert(1)＜/script＞",  # full-width: NFKC turns it into real markup
    "\u003cscript\u003e",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "<style>*{display:none}</style>",
]

SQL_PAYLOADS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "1; DROP TABLE opportunities_opportunity; --",
    '" OR ""="',
    "1' UNION SELECT password FROM accounts_user --",
    "%' AND 1=0 UNION SELECT NULL --",
    "\\'; SELECT pg_sleep(0); --",
    "$$; SELECT 1; $$",
    "1/**/OR/**/1=1",
    "%",
    "_",
    "\\",
    "'",
    "&",
    "|",
    "!",
    ":*",
    "a & !b | c:*",  # tsquery operators
]

FORMAT_STRINGS = [
    "%(x)s",
    "%(name)s %(count)d",
    "%s%s%s%n",
    "%d",
    "{0}",
    "{}",
    "{name}",
    "{0.__class__}",
    "{{}}",
    "%",
    "%%",
    "${jndi:ldap://x}",
    "#{7*7}",
]

SPECIAL_CHARACTERS = [
    "\x00",
    "\x01",
    "\x07",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b[31m",
    "\x1f",
    "\x7f",
    "\x85",
    "\u00a0",
    "\u200b",  # zero-width space
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2066",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffd",
    "\ufffe",
    "\uffff",
    "\ud800",  # lone surrogates
    "\udfff",
    "\U0001f600",
    "e\u0301",  # combining accent
    "Ａｂｃ１２３",  # full-width Latin and digits
    "ｶﾞｷﾞ",  # half-width katakana
    "㍻",  # compatibility character that NFKC expands
    "ﷺ",  # expands to 18 characters under NFKC
    "\r\n",
    "\r",
    "\t",
    " ",
]

DATE_STRINGS = [
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "-2026-01-01",
    "+002026-01-01",
    "2026-W01",
    "2026-1-1",
    "2026/12/31",
    "31/12/2026",
    "12/31/2026",
    "31.12.2026",
    "2026年12月31日",
    "２０２６－１２－３１",
    "2026-12-31T25:61",
    "2026-12-31T23:59",
    "2026-12-31 23:59",
    "9999-12-31T23:59",
    "9999-12-31 23:59",
    "0001-01-01T00:00",
    "0001-01-01 00:00",
    "1970-01-01T00:00:00Z",
    "2026-12-31T23:59:59.999999+14:00",
    "now",
    "today",
    "1e10",
    "",
]

NUMBER_STRINGS = [
    "0",
    "-1",
    "10",
    "1.5",
    "4.0",
    "-0",
    "+5",
    " 5 ",
    "1e3",
    "1e309",
    "1e-999999",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "0x10",
    "1_000",
    "²",  # superscript two: str.isdigit() says yes, int() says no
    "①",
    "٣",  # Arabic-Indic digit: int() accepts it
    "５",  # full-width digit
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999999999",
    "9" * 5000,  # more digits than int() converts
]


def _repeat_to(unit: str, size: int) -> str:
    unit = unit or "a"
    return (unit * (size // len(unit) + 1))[:size]


#: Any Unicode text, surrogates and control characters included.
arbitrary_text = st.text(st.characters(exclude_categories=()), max_size=80)

control_text = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from(["\x7f", "\x85"]),
    min_size=1,
    max_size=8,
)

special_text = st.sampled_from(SPECIAL_CHARACTERS)
html_payloads = st.sampled_from(HTML_PAYLOADS)
sql_payloads = st.sampled_from(SQL_PAYLOADS)
format_strings = st.sampled_from(FORMAT_STRINGS)
number_strings = st.sampled_from(NUMBER_STRINGS) | st.integers().map(str)
date_strings = (
    st.sampled_from(DATE_STRINGS)
    | st.dates().map(date.isoformat)
    | st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M"))
    | st.builds(
        lambda day, pattern: day.strftime(pattern),
        st.dates(min_value=date(1000, 1, 1)),
        st.sampled_from(["%d/%m/%Y", "%m/%d/%Y", "%Y%m%d", "%d %B %Y", "%Y-%j", "%G-W%V-%u"]),
    )
)

#: 100 kB and more of one repeated unit (markup, Japanese, a payload).
huge_text = st.builds(
    _repeat_to,
    st.sampled_from(["a", "語", "<b>", "ｱ", "\u202e", "' OR 1=1 --", "x" * 7 + "\u0301"]),
    st.integers(min_value=HUGE, max_value=HUGE + 50_000),
)

hostile_piece = st.one_of(
    arbitrary_text,
    special_text,
    control_text,
    html_payloads,
    sql_payloads,
    format_strings,
    number_strings,
    date_strings,
)

#: What a form field may receive: mixtures of the above, now and then huge.
hostile_text = st.one_of(
    hostile_piece,
    st.lists(hostile_piece, min_size=2, max_size=4).map("".join),
    huge_text,
)

#: The same without surrogates, for clients (the test client's multipart encoder) that
#: can only send valid UTF-8.
hostile_valid_text = hostile_text.map(
    lambda value: (
        value.encode("utf-8", "replace").decode("utf-8")
        if any("\ud800" <= c <= "\udfff" for c in value)
        else value
    )
)

#: Raw bytes for a query string: invalid UTF-8, percent signs, NULs.
raw_query_bytes = st.binary(max_size=40) | st.sampled_from(
    [b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\xaf", b"%", b"%zz", b"%00", b"%ff", b"\x00", b"+"]
)


def markup_marker(tag: str) -> str:
    """A payload whose raw form cannot appear in a page unless it was rendered unescaped:
    a made-up element with an event handler, behind a quote that would end an attribute."""
    return f'"><x-fuzz-{tag} onerror="alert(1)">'


marker_tags = st.from_regex(r"[a-z]{8}", fullmatch=True)

#: Text that passes the usual validation (no NUL, no surrogates, short) around a marker.
benign_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Cn", "Co")), min_size=0, max_size=20
)


def with_marker(tag: str, prefix: str, suffix: str) -> str:
    return f"{prefix}{markup_marker(tag)}{suffix}"


def form_values(fields: list[str], *, strategy=hostile_text) -> st.SearchStrategy[dict]:
    """A value (or several, or none) for each field, hostile or absent."""
    value = strategy | st.lists(strategy, max_size=3)
    return st.fixed_dictionaries({}, optional={name: value for name in fields})


def encode_form(data: dict) -> bytes:
    """application/x-www-form-urlencoded, with surrogates sent as the invalid bytes a
    client produces with errors="surrogatepass"."""
    parts = []
    for key, values in data.items():
        for value in values if isinstance(values, list) else [values]:
            parts.append(f"{_quote_text(str(key))}={_quote_text(str(value))}")
    return "&".join(parts).encode("ascii")


def encode_query(data: dict) -> str:
    """A QUERY_STRING for the WSGI environ (percent-encoded, so ASCII)."""
    return encode_form(data).decode("ascii")


def raw_query(data: dict[str, bytes]) -> str:
    """A QUERY_STRING carrying raw bytes as a server hands them over (latin-1 str)."""
    return "&".join(f"{quote(key)}={value.decode('latin-1')}" for key, value in data.items())


def _quote_text(value: str) -> str:
    return quote_from_bytes(value.encode("utf-8", "surrogatepass"), safe="")
