"""What the journeys share: the catalogue's wording in the journey's language, keyboard-only
form filling, and small documents to upload."""

import re

from django.utils import translation

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)


def pdf_file(name: str) -> dict:
    """A file for Playwright's set_input_files."""
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def tr(lang: str, text: str) -> str:
    """The portal's wording of `text` in `lang`, from its own catalogue."""
    with translation.override(lang):
        return translation.gettext(text)


def shown(obj, field: str, lang: str) -> str:
    """A bilingual field as a reader of `lang` sees it: their language, else the other."""
    ours, other = (
        getattr(obj, f"{field}_{lang}"),
        getattr(obj, f"{field}_{'en' if lang == 'ja' else 'ja'}"),
    )
    return ours or other


def exactly(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def link_in(body: str, path_prefix: str) -> str:
    """The first absolute link in an e-mail body whose path starts with `path_prefix`."""
    match = re.search(rf"https?://[^/\s\"<>]+{re.escape(path_prefix)}[^\s\"<>]*", body)
    assert match, f"no link to {path_prefix} in:\n{body}"
    return match.group(0)


def mail_part(message, content_type: str) -> str:
    """The decoded text of an e-mail's part of this type (text/plain or text/html)."""
    part = next(p for p in message.walk() if p.get_content_type() == content_type)
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


FOCUS_IS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return outline || style.boxShadow !== 'none';
}"""


class Keyboard:
    """Completes a form with the keyboard alone, as a person who does not use a mouse:
    Tab (never a click) moves from field to field, and every stop shows where focus is."""

    MAX_TABS = 60

    def __init__(self, page):
        self.page = page

    def tab_to(self, locator) -> None:
        handle = locator.element_handle()
        for _ in range(self.MAX_TABS):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("el => document.activeElement === el", handle):
                assert self.page.evaluate(FOCUS_IS_VISIBLE), f"focus is not visible on {locator}"
                return
        raise AssertionError(f"{locator} cannot be reached with the Tab key")

    def type_into(self, locator, text: str) -> None:
        self.tab_to(locator)
        self.page.keyboard.type(text)

    def check(self, locator) -> None:
        self.tab_to(locator)
        self.page.keyboard.press("Space")

    def choose(self, locator, option_text: str) -> None:
        """A <select>: typing the start of an option's text selects it, as in every
        browser."""
        self.tab_to(locator)
        self.page.keyboard.type(option_text)

    def press(self, locator) -> None:
        self.tab_to(locator)
        self.page.keyboard.press("Enter")

    def choose_radio(self, name: str, value: str) -> None:
        """A radio group is one Tab stop; the arrow keys move the choice within it."""
        for _ in range(self.MAX_TABS):
            self.page.keyboard.press("Tab")
            if self.page.evaluate(f"document.activeElement.name === {name!r}"):
                break
        else:
            raise AssertionError(f"the {name} choices cannot be reached with the Tab key")
        assert self.page.evaluate(FOCUS_IS_VISIBLE), f"focus is not visible on the {name} choices"
        target = self.page.locator(f"input[name={name}][value={value}]")
        for _ in range(10):
            if target.is_checked():
                return
            on_target = self.page.evaluate(
                "el => document.activeElement === el", target.element_handle()
            )
            self.page.keyboard.press("Space" if on_target else "ArrowDown")
        raise AssertionError(f"the arrow keys do not reach {name}={value}")


def trp(lang: str, context: str, text: str) -> str:
    """tr() for a string marked with a context (pgettext)."""
    with translation.override(lang):
        return translation.pgettext(context, text)


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for this secret (RFC 6238). Close to the
    end of a period it waits for the next one, as a person would: the server accepts only
    the current period's code, and the form takes a moment to arrive."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 3:
        time.sleep(left + 0.2)

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
