from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User


@transaction.atomic
def user_accept_terms(*, user: User, version: str | None = None) -> User:
    """Record that the user consented to the terms of use and the privacy policy (which
    covers showing firms' contact details to US agencies, as Japan's APPI requires)."""
    user.terms_accepted_at = timezone.now()
    user.terms_version = version or settings.TERMS_VERSION
    user.save(update_fields=["terms_accepted_at", "terms_version", "updated_at"])
    return user


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    display_name: str,
    display_name_kana: str,
    preferred_language: str,
    time_zone: str,
) -> User:
    user.display_name = display_name
    user.display_name_kana = display_name_kana
    user.preferred_language = preferred_language
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(
        update_fields=[
            "display_name",
            "display_name_kana",
            "preferred_language",
            "time_zone",
            "updated_at",
        ]
    )
    return user


def user_set_language(*, user: User, language: str) -> User:
    if language not in dict(settings.LANGUAGES) or user.preferred_language == language:
        return user
    user.preferred_language = language
    user.save(update_fields=["preferred_language", "updated_at"])
    return user
