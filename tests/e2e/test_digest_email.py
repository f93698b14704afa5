"""A firm member asks for a daily digest; the digest task runs on a real Celery worker;
the e-mail, caught by an SMTP server on loopback, reads well in the member's language
and its link opens the right opportunity."""

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.notifications.models import Subscription
from apps.notifications.tasks import enqueue_due_digests
from tests.e2e.helpers import mail_part, shown, tr
from tests.e2e.people import agency_staff, space_firm
from tests.opportunities.factories import OpportunityFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TOKYO = ZoneInfo("Asia/Tokyo")


def wait_for(predicate, timeout=30.0):
    """Polls for what another process does (the worker, the SMTP server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def digest_time() -> datetime:
    """A moment at which the Tokyo member's daily digest is due: now if 08:00 has passed
    in Tokyo, otherwise 08:30 today in Tokyo."""
    now = timezone.now()
    morning = timezone.localtime(now, TOKYO).replace(hour=8, minute=30, second=0, microsecond=0)
    return max(now, morning)


def test_the_digest_email_links_back_to_the_right_opportunity(
    as_user, site, celery_worker_on_redis, smtp_settings, journey, lang
):
    agency, _ = agency_staff(lang)
    _, member = space_firm(lang)
    OpportunityFactory(
        organization=agency,
        reference_number="SSPO-26-RF-07",
        title_en="Radiation-tolerant FPGA boards",
        title_ja="耐放射線FPGAボード",
        areas=["hypersonics"],
        published_at=timezone.now() - timedelta(hours=2),
    )
    sar = OpportunityFactory(
        organization=agency,
        reference_number="SSPO-26-SAR-02",
        title_en="On-board SAR image processing",
        title_ja="衛星搭載SAR画像処理",
        summary_en="Form images on the satellite and downlink only what matters.",
        summary_ja="画像を衛星上で生成し、必要なものだけを地上へ送る技術。",
        areas=["satellites"],
        published_at=timezone.now() - timedelta(hours=1),
    )

    # The member chooses a daily digest.
    page = as_user(member)
    page.goto(site + "/notifications/")
    journey.step(page, "e-mail settings")
    page.check("[name=frequency][value=daily]")
    page.get_by_role("button", name=tr(lang, "Save settings")).click()
    expect(page.locator(".messages")).to_be_visible()
    journey.step(page, "daily digest chosen")
    assert Subscription.objects.get(user=member).frequency == "daily"

    # The beat's task runs on the worker; the digest goes out over SMTP.
    enqueue_due_digests.delay(as_of=digest_time().isoformat())
    assert wait_for(lambda: smtp_settings.messages), "no digest arrived"
    message = smtp_settings.messages[-1]
    assert message["To"] == member.email
    html = mail_part(message, "text/html")
    expected_title = shown(sar, "title", lang)
    assert expected_title in html
    assert "耐放射線FPGA" not in html and "FPGA boards" not in html  # not in the firm's areas

    # Read as the member's mail program shows it, then follow its link.
    mail = page.context.new_page()  # about:blank: no portal page's CSP on the e-mail
    mail.set_content(html)
    journey.step(mail, "digest e-mail")
    mail.get_by_role("link", name=expected_title).first.click()
    page = mail
    expect(page).to_have_url(re.compile(rf"^{re.escape(site)}/opportunities/{sar.pk}/(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(expected_title)
    journey.step(page, "opportunity from the e-mail")
