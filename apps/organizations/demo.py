"""Demo organizations and accounts: one verified organization of each kind and a verified
account for every role (run by `manage.py seed_demo`, idempotent)."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.accounts.models import User
from apps.organizations.models import Membership, Organization
from apps.organizations.permissions import WAIVER_REVIEWERS_GROUP
from apps.organizations.validators import corporate_number_check_digit

DEMO_PASSWORD = "kakehashi-demo-2026"  # noqa: S105 - published demo password, refused in production
# Fixed base32 secrets so that an authenticator app set up once keeps working after a re-seed.
DEMO_TOTP_SECRETS = {
    "reviewer@meti-demo.example": "JBSWY3DPEHPK3PXPKAKEHASHIREVIEW2",
    "reviewer2@meti-demo.example": "JBSWY3DPEHPK3PXPKAKEHASHIREVIEW3",
    # Agency staff open export-controlled attachments only with two-factor authentication.
    "agency@diu-demo.example": "JBSWY3DPEHPK3PXPKAKEHASHIAGENCY2",
    "admin@kakehashi.example": "JBSWY3DPEHPK3PXPKAKEHASHIADMIN23",
}


def _corporate_number(base12: str) -> str:
    return f"{corporate_number_check_digit(base12)}{base12}"


ORGANIZATIONS = {
    "firm": {
        "kind": Organization.Kind.FIRM,
        "name_en": "Tsubasa Aerospace K.K.",
        "name_ja": "つばさ航空宇宙株式会社",
        "name_kana": "ツバサコウクウウチュウ",
        "country": "JP",
        "prefecture": "23",
        "city": "Nagoya",
        "postal_code": "460-0008",
        "website": "https://tsubasa-aero.example",
        "email_domain": "tsubasa-aero.example",
        "corporate_number": _corporate_number("180001099999"),
        "time_zone": "Asia/Tokyo",
        "verification_status": Organization.Verification.NOT_REQUIRED,
    },
    "agency": {
        "kind": Organization.Kind.AGENCY,
        "name_en": "Demo Innovation Unit (OTA program office)",
        "name_ja": "デモ・イノベーション・ユニット（OTA プログラム室）",
        "country": "US",
        "city": "Mountain View, CA",
        "website": "https://diu-demo.example",
        "email_domain": "diu-demo.example",
        "time_zone": "America/Los_Angeles",
        "uei": "DEMOUEI12345",
        "cage_code": "1DEMO",
        "verification_status": Organization.Verification.VERIFIED,
    },
    "intermediary": {
        "kind": Organization.Kind.INTERMEDIARY,
        "name_en": "Japan Dual-Use Technology Council",
        "name_ja": "日本デュアルユース技術協議会",
        "country": "JP",
        "prefecture": "13",
        "city": "Chiyoda-ku",
        "email_domain": "jdtc-demo.example",
        "time_zone": "Asia/Tokyo",
        "verification_status": Organization.Verification.VERIFIED,
    },
    "regulator": {
        "kind": Organization.Kind.REGULATOR,
        "name_en": "Export Control Review Office (demo)",
        "name_ja": "安全保障貿易審査室（デモ）",
        "country": "JP",
        "prefecture": "13",
        "city": "Chiyoda-ku",
        "email_domain": "meti-demo.example",
        "time_zone": "Asia/Tokyo",
        "verification_status": Organization.Verification.VERIFIED,
    },
}

# email, display name, organization key, role, export-control officer, staff, superuser
ACCOUNTS = [
    ("member@tsubasa-aero.example", "Hanako Sato", "firm", "member", False, False, False),
    ("export@tsubasa-aero.example", "Taro Yamada", "firm", "owner", True, False, False),
    ("agency@diu-demo.example", "Alex Morgan", "agency", "owner", False, False, False),
    ("partner@jdtc-demo.example", "Keiko Tanaka", "intermediary", "owner", False, False, False),
    ("reviewer@meti-demo.example", "Jiro Suzuki", "regulator", "member", False, True, False),
    ("reviewer2@meti-demo.example", "Mai Kobayashi", "regulator", "member", False, True, False),
    ("admin@kakehashi.example", "Portal Operator", None, None, False, True, True),
]

ROLE_LABELS = {
    "member@tsubasa-aero.example": "firm member",
    "export@tsubasa-aero.example": "firm owner, export-control officer",
    "agency@diu-demo.example": "agency staff (verified)",
    "partner@jdtc-demo.example": "intermediary staff (verified)",
    "reviewer@meti-demo.example": "waiver reviewer (regulator, admin with MFA)",
    "reviewer2@meti-demo.example": "second reviewer, confirms approvals (four eyes)",
    "admin@kakehashi.example": "portal operator (superuser, admin with MFA)",
}


def seed(*, stdout) -> list[str]:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    operator = _user("admin@kakehashi.example", "Portal Operator", True, True)
    organizations = {}
    for key, fields in ORGANIZATIONS.items():
        fields = dict(fields)
        defaults = {**fields}
        if fields["verification_status"] == Organization.Verification.VERIFIED:
            defaults.update(verified_by=operator, verified_at=timezone.now())
        lookup = (
            {"corporate_number": fields["corporate_number"]}
            if fields.get("corporate_number")
            else {"kind": fields["kind"], "email_domain": fields["email_domain"]}
        )
        organization, created = Organization.objects.get_or_create(**lookup, defaults=defaults)
        if not created and not organization.is_verified:
            organization.verification_status = fields["verification_status"]
            organization.verified_by = defaults.get("verified_by")
            organization.verified_at = defaults.get("verified_at")
            # A save, not an update: the list of agencies and cached pages follow it.
            organization.save(update_fields=["verification_status", "verified_by", "verified_at"])
        organizations[key] = organization

    reviewers = Group.objects.get_or_create(name=WAIVER_REVIEWERS_GROUP)[0]
    for email, name, org_key, role, eco, staff, superuser in ACCOUNTS:
        user = _user(email, name, staff, superuser)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if org_key:
            Membership.objects.update_or_create(
                user=user,
                organization=organizations[org_key],
                defaults={"role": role, "is_export_control_officer": eco},
            )
            if role == "owner":
                Organization.objects.filter(
                    pk=organizations[org_key].pk, primary_contact__isnull=True
                ).update(primary_contact=user)
        if org_key == "regulator":
            user.groups.add(reviewers)
        secret = DEMO_TOTP_SECRETS.get(email)
        if (
            secret
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, secret)

    lines = ["Accounts:"]
    for email, *_ in ACCOUNTS:
        lines.append(f"  {email:<30} {ROLE_LABELS[email]}")
        if email in DEMO_TOTP_SECRETS:
            lines.append(f"  {'':<30} TOTP secret: {DEMO_TOTP_SECRETS[email]}")
    lines.append(f"Password for every demo account: {DEMO_PASSWORD}")
    lines.append(f"Open {settings.SITE_URL}/ and sign in.")
    return lines


def _user(email, name, staff, superuser):
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "display_name": name,
            "is_staff": staff,
            "is_superuser": superuser,
            "terms_accepted_at": timezone.now(),
            "terms_version": settings.TERMS_VERSION,
        },
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user
