"""Turning a delivery and its items into a multipart e-mail.

A digest is mostly the same items in the same words for everyone who reads the same
language in the same time zone; only the greeting and the links that are the recipient's
own differ. So an item is rendered once per language, time zone and reasons
(`Fragments`, which lives as long as one block of deliveries), and each message joins the
rendered items into its own short frame.
"""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from apps.notifications import periods
from apps.notifications.models import Delivery, DeliveryItem

JOINED_KEPT = 8  # recipients next to each other (one firm's members) share their lists


class Fragments:
    """Rendered items, keyed by what their text depends on: the template, the opportunity,
    the reasons, and the language and time zone in force."""

    def __init__(self):
        self._cache: dict[tuple, str] = {}  # one entry per item: bounded by the block
        self._joined: dict[tuple, str] = {}  # a few whole lists, the most recent ones
        self._unsubscribe = reverse("notifications:unsubscribe", args=["TOKEN"])
        self.settings_path = reverse("notifications:settings")
        # Links to opportunities, as the items render them, and the recipients' own links.
        sentinel = "987654321"
        self._detail = reverse("opportunities:detail", args=[int(sentinel)]).split(sentinel, 1)
        self._open = reverse("notifications:open", args=["TOKEN"]).split("TOKEN", 1)
        self._link_patterns: dict[str, re.Pattern] = {}

    def unsubscribe_path(self, token: str) -> str:
        """reverse() once per block; signed tokens are URL-safe as they are."""
        return self._unsubscribe.replace("TOKEN", token)

    def tracked_links(self, text: str, *, site: str, user_id: int, opportunity_ids) -> str:
        """The links to the given opportunities in `text` (as the shared fragments render
        them) replaced by the recipient's own signed links, which count the opening."""
        from apps.notifications.services import link_token

        wanted = {str(pk) for pk in opportunity_ids}
        if not wanted:
            return text
        pattern = self._link_patterns.get(site)
        if pattern is None:
            prefix, suffix = self._detail
            pattern = self._link_patterns[site] = re.compile(
                re.escape(site + prefix) + r"(\d+)" + re.escape(suffix) + r"(?=[\"'\s<)]|$)"
            )
        open_prefix, open_suffix = self._open

        def replace(match):
            if match.group(1) not in wanted:
                return match.group(0)
            token = link_token(user_id, int(match.group(1)))
            return f"{site}{open_prefix}{token}{open_suffix}"

        return pattern.sub(replace, text)

    def join(self, name: str, items, *, site_url: str, html: bool) -> str:
        """The items rendered with template `name`, one after the other. Recipients with
        the same items (say, the members of one firm) share the joined text as well."""
        locale = (translation.get_language(), timezone.get_current_timezone_name())
        signature = tuple((item.opportunity.id, tuple(item.reasons or ())) for item in items)
        whole = (name, locale, signature)
        if whole not in self._joined:
            template = get_template(name)  # cached by the cached template loader
            parts = []
            for item, (opportunity_id, reasons) in zip(items, signature, strict=True):
                key = (name, locale, opportunity_id, reasons)
                if key not in self._cache:
                    self._cache[key] = template.render(
                        {
                            "opportunity": item.opportunity,
                            "reasons": item.reasons,
                            "site_url": site_url,
                        }
                    )
                parts.append(self._cache[key])
            joined = "".join(parts)
            if len(self._joined) >= JOINED_KEPT:
                del self._joined[next(iter(self._joined))]  # the oldest
            self._joined[whole] = mark_safe(joined) if html else joined  # escaped by the template
        return self._joined[whole]


def message_id(delivery: Delivery) -> str:
    """Deterministic: the same delivery always carries the same Message-ID."""
    site = settings.SITE_URL.rstrip("/")
    domain = site.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "kakehashi"
    return f"<delivery-{delivery.pk}.{delivery.period.replace(':', '-')}@{domain}>"


def compose(
    delivery: Delivery,
    items: list[DeliveryItem],
    fragments: Fragments | None = None,
    *,
    track_links: bool = True,
) -> EmailMultiAlternatives:
    from apps.notifications.services import unsubscribe_token

    fragments = fragments or Fragments()
    user = delivery.recipient
    site = settings.SITE_URL.rstrip("/")
    unsubscribe_url = site + fragments.unsubscribe_path(unsubscribe_token(user))
    new_items = [i for i in items if i.section != "deadline"]
    deadline_items = [i for i in items if i.section == "deadline"]
    context = {
        "user": user,
        "delivery": delivery,
        "site_url": site,
        "unsubscribe_url": unsubscribe_url,
        "settings_url": site + fragments.settings_path,
    }
    with (
        translation.override(user.preferred_language or "en"),
        timezone.override(periods.local_now(delivery.as_of, user.time_zone).tzinfo),
    ):
        if delivery.kind == Delivery.Kind.DIGEST:
            prefix = "notifications/email/digest"

            def joined(name, chosen, html):
                return fragments.join(name, chosen, site_url=site, html=html)

            counts = {"new_items": new_items, "deadline_items": deadline_items}
            text_context = {
                **context,
                **counts,
                "new_html": joined(f"{prefix}_item.txt", new_items, False),
                "deadline_html": joined(f"{prefix}_deadline_item.txt", deadline_items, False),
            }
            html_context = {
                **context,
                **counts,
                "new_html": joined(f"{prefix}_item.html", new_items, True),
                "deadline_html": joined(f"{prefix}_deadline_item.html", deadline_items, True),
            }
        elif delivery.kind == Delivery.Kind.NOTICE:
            prefix = "notifications/email/notice"
            text_context = html_context = context
        else:
            prefix = "notifications/email/alert"
            text_context = html_context = {
                **context,
                "new_items": new_items,
                "deadline_items": deadline_items,
            }
        subject = " ".join(get_template(f"{prefix}_subject.txt").render(text_context).split())
        text = get_template(f"{prefix}.txt").render(text_context)
        html = get_template(f"{prefix}.html").render(html_context)
    if track_links and delivery.kind != Delivery.Kind.NOTICE:
        ids = {item.opportunity_id for item in items}
        text = fragments.tracked_links(text, site=site, user_id=user.pk, opportunity_ids=ids)
        html = fragments.tracked_links(html, site=site, user_id=user.pk, opportunity_ids=ids)
    message = EmailMultiAlternatives(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=text,
        to=[user.email],
        headers={
            "Message-ID": message_id(delivery),
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    if delivery.kind == Delivery.Kind.NOTICE:  # about the recipient's own record
        for header in ("List-Unsubscribe", "List-Unsubscribe-Post"):
            del message.extra_headers[header]
    message.attach_alternative(html, "text/html")
    return message
