"""Browser journeys: Playwright (pytest-playwright's fixtures) drives Debian's Chromium
against pytest-django's live server. Every page a journey shows is checked with axe-core
and saved as a full-page screenshot under var/e2e-screenshots/<journey>/."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require_service

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "e2e-screenshots"
LANGUAGES = ["en", "ja"]
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Browser journeys run last: Playwright's synchronous API keeps an event loop running
    in the main thread from the first journey to the end of the session, and Django
    treats such a thread as asynchronous code (it refuses the ORM there, and keeps other
    database connections for it)."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_service(
        "Chromium",
        os.path.exists(CHROMIUM),
        f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)",
    )
    args = ["--disable-dev-shm-usage"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox itself as root
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


def _new_page(context):
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    """The test thread also runs Playwright's event loop, from the first journey to the
    end of the session; its ORM calls are synchronous and safe (the live server answers
    from threads of its own)."""
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if saved is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="session", autouse=True)
def _same_database_connections_beside_playwright(django_db_setup, browser):
    """Inside a running event loop (Playwright's), Django looks its connections up in a
    context variable instead of the thread's storage. When the test databases were set
    up before the browser started, hand the thread's connections (which carry what
    serialized_rollback restores) to that lookup, so that the journeys use them too."""
    from django.db import connections

    per_thread = connections._connections._storage
    for alias in connections:
        prepared = getattr(per_thread, alias, None)
        if prepared is not None and not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias] = prepared


@pytest.fixture(autouse=True)
def _expect_timeouts(browser):
    """Fail fast: a page of this portal loads in well under a second."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)


@pytest.fixture(params=LANGUAGES)
def lang(request):
    return request.param


@pytest.fixture
def site(live_server, settings):
    """The live server's address, also used for links in e-mails."""
    settings.SITE_URL = live_server.url
    return live_server.url


# The innermost elements that stick out past the right edge of the viewport.
WIDEST_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll('body *')].filter(
    el => el.getBoundingClientRect().right > width + 1
  );
  return out.filter(el => !out.some(other => other !== el && el.contains(other)))
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (typeof el.className === 'string' && el.className.trim()
         ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
}"""


# Cards stacked one above the other with (almost) no space between them.
TOUCHING_CARDS = """() => {
  const cards = [...document.querySelectorAll('.card')].filter(el => el.offsetHeight > 0);
  const name = el => (el.querySelector('h1, h2, h3') || el).textContent.trim().slice(0, 40);
  const pairs = [];
  for (const upper of cards) {
    for (const lower of cards) {
      const a = upper.getBoundingClientRect(), b = lower.getBoundingClientRect();
      const side = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const gap = b.top - a.bottom;
      if (upper !== lower && side > 0 && gap > -1 && gap < 4) {
        pairs.push(`${name(upper)} / ${name(lower)}`);
      }
    }
  }
  return pairs;
}"""


class Journey:
    """Walks through pages, checking each with axe-core and saving a screenshot."""

    def __init__(self, name: str, lang: str):
        self.name = name
        self.lang = lang
        self.folder = SCREENSHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob(f"{lang}-*.png"):
            old.unlink()
        self.count = 0
        self.problems: list[str] = []
        self.findings: list[str] = []

    def step(self, page, label: str, *, lang: str | None = None) -> None:
        """Checks the page as shown now and saves it as <lang>-<nn>-<label>.png."""
        from axe_playwright_python.sync_playwright import Axe

        page.wait_for_load_state("load")
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        where = f"{self.lang}-{self.count:02d}-{slug} ({page.url})"
        expected_lang = lang or self.lang
        html_lang = page.locator("html").get_attribute("lang") or ""
        if not html_lang.startswith(expected_lang):
            self.problems.append(f"{where}: <html lang={html_lang!r}>, expected {expected_lang}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            culprits = page.evaluate(WIDEST_ELEMENTS)
            self.problems.append(
                f"{where}: the page scrolls sideways by {overflow}px ({', '.join(culprits)})"
            )
        touching = page.evaluate(TOUCHING_CARDS)
        if touching:
            self.problems.append(f"{where}: cards touch each other: {'; '.join(touching)}")
        results = Axe().run(page)
        for violation in results.response["violations"]:
            nodes = "; ".join(
                f"{', '.join(map(str, node['target']))}: {node['html'][:160]}"
                for node in violation["nodes"][:5]
            )
            finding = (
                f"{where}: axe {violation['id']} ({violation['impact']}): "
                f"{violation['help']} — {nodes}"
            )
            self.findings.append(finding)
            if violation["impact"] in BLOCKING_IMPACTS:
                self.problems.append(finding)
        page.screenshot(
            path=self.folder / f"{self.lang}-{self.count:02d}-{slug}.png", full_page=True
        )

    def write_report(self) -> None:
        """Every axe finding, minor and moderate ones included, for a person to read."""
        report = self.folder / f"{self.lang}-axe.txt"
        report.write_text("\n".join(self.findings) + "\n" if self.findings else "")

    def finish(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def journey(request, lang):
    """A Journey named after the test module (test_<name>.py), in the test's language.
    Accessibility and layout problems are gathered over the whole journey and reported
    together at its end."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    walk = Journey(name, lang)
    yield walk
    walk.write_report()
    if not hasattr(request.node, "rep_call") or request.node.rep_call.passed:
        walk.finish()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


@pytest.fixture
def as_user(new_context, site, lang):
    """A browser context of its own per person, signed in without the login form (the
    journeys that are about signing in use the form): a session made by Django's test
    client, handed to the browser as its cookie."""
    from django.test import Client

    def sign_in(user, **context_args):
        client = Client()
        client.force_login(user)
        context = new_context(**{"locale": _locale(lang), **context_args})
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])
        return _new_page(context)

    return sign_in


@pytest.fixture
def anonymous(new_context, lang):
    def open_page(**context_args):
        return _new_page(new_context(**{"locale": _locale(lang), **context_args}))

    return open_page


def _locale(lang: str) -> str:
    return {"en": "en-US", "ja": "ja-JP"}[lang]
