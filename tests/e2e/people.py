"""The people of the journeys, with the names and texts of a real deployment (screenshots
should read like the product, not like fixtures)."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from apps.organizations.permissions import waiver_reviewers_group
from tests.capabilities.factories import CapabilityFactory
from tests.factories import (
    AgencyFactory,
    IntermediaryFactory,
    MembershipFactory,
    OrganizationFactory,
    RegulatorFactory,
    UserFactory,
)

NAMES = {
    "agency": {"en": "Maria Lopez", "ja": "Maria Lopez"},
    "firm": {"en": "Kenji Watanabe", "ja": "渡辺 健二"},
    "officer": {"en": "Yuko Kobayashi", "ja": "小林 優子"},
    "intermediary": {"en": "Daniel Brooks", "ja": "Daniel Brooks"},
    "reviewer": {"en": "Hiroshi Tanaka", "ja": "田中 浩"},
    "second_reviewer": {"en": "Akiko Mori", "ja": "森 明子"},
}


def person(role: str, lang: str, *, email: str, time_zone: str, **extra):
    return UserFactory(
        email=email,
        display_name=NAMES[role][lang],
        preferred_language=lang,
        time_zone=time_zone,
        **extra,
    )


def agency_staff(lang: str):
    agency = AgencyFactory(
        name_en="Space Systems Program Office", time_zone="America/New_York", country="US"
    )
    user = person("agency", lang, email="maria.lopez@sspo.example", time_zone="America/New_York")
    MembershipFactory(organization=agency, user=user, role="owner")
    return agency, user


def space_firm(lang: str, *, role: str = "firm", officer: bool = False):
    """Tsubasa Aerospace, a Tokyo firm with a published SAR capability, and one member."""
    firm = OrganizationFactory(
        name_en="Tsubasa Aerospace K.K.",
        name_ja="つばさエアロスペース株式会社",
        name_kana="ツバサエアロスペース",
        prefecture="13",
        city="Tokyo" if lang == "en" else "東京都江東区",
        corporate_number="7010401022916",
        email_domain="tsubasa-aero.example",
    )
    CapabilityFactory(
        organization=firm,
        title_en="X-band SAR payload for small satellites",
        title_ja="小型衛星向けXバンドSARペイロード",
        summary_en="A 60 kg synthetic-aperture radar payload with 1 m resolution.",
        summary_ja="分解能1 mの60 kg級合成開口レーダペイロード。",
        trl=6,
        areas=["satellites"],
    )
    user = person(
        role,
        lang,
        email=f"{'export' if officer else 'kenji'}@tsubasa-aero.example",
        time_zone="Asia/Tokyo",
    )
    MembershipFactory(organization=firm, user=user, role="owner", is_export_control_officer=officer)
    return firm, user


def intermediary_staff(lang: str):
    intermediary = IntermediaryFactory(
        name_en="Japan Defense Technology Council", time_zone="Asia/Tokyo", country="JP"
    )
    user = person("intermediary", lang, email="daniel.brooks@jdtc.example", time_zone="Asia/Tokyo")
    MembershipFactory(organization=intermediary, user=user)
    return intermediary, user


def regulator():
    return RegulatorFactory(
        name_en="Security Export Control Policy Division",
        name_ja="安全保障貿易管理課",
        time_zone="Asia/Tokyo",
    )


def reviewer(lang: str, office, *, role: str = "reviewer"):
    """A waiver reviewer with an authenticator app; returns the user and its secret."""
    email = {"reviewer": "h.tanaka@meti.example", "second_reviewer": "a.mori@meti.example"}[role]
    user = person(role, lang, email=email, time_zone="Asia/Tokyo", is_staff=True)
    MembershipFactory(organization=office, user=user)
    user.groups.add(waiver_reviewers_group())
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret
