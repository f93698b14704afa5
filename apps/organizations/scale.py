"""seed_scale: firms (one member each, an officer every tenth), agencies and a few
intermediaries, all verified where the kind needs it, keyed by the seed's e-mail domain."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.core.scale import Plan, in_batches
from apps.organizations.models import Membership, Organization, Prefecture
from apps.organizations.validators import corporate_number_check_digit

FIRM_WORDS_EN = ["Sora", "Kaze", "Hikari", "Tsubasa", "Hoshi", "Nami", "Yama", "Kawa", "Mirai"]
FIRM_WORDS_JA = ["ソラ", "カゼ", "ヒカリ", "ツバサ", "ホシ", "ナミ", "ヤマ", "カワ", "ミライ"]
FIRM_KINDS_EN = ["Aerospace", "Photonics", "Robotics", "Materials", "Devices", "Systems"]
FIRM_KINDS_JA = ["航空宇宙", "フォトニクス", "ロボティクス", "マテリアル", "デバイス", "システムズ"]
PREFECTURES = [p.value for p in Prefecture]
UNUSABLE = "!"  # Django's mark of an unusable password: these accounts never sign in


def _corporate_number(seed: int, index: int) -> str:
    base = f"{(seed % 90 + 10):02d}{index:010d}"
    return f"{corporate_number_check_digit(base)}{base}"


def organizations(plan: Plan, kind: str, count: int) -> list[int]:
    """Creates the missing organizations of this kind (with one member each) and returns
    the primary keys of all `count`, in index order."""
    User = get_user_model()
    prefix = plan.key(kind)
    domains = [f"{prefix}-{i}.example" for i in range(count)]
    existing = dict(
        Organization.objects.filter(email_domain__startswith=f"{prefix}-").values_list(
            "email_domain", "pk"
        )
    )
    missing = [i for i, domain in enumerate(domains) if domain not in existing]
    now = timezone.now()
    rng = plan.rng
    verified = kind != Organization.Kind.FIRM

    def make(start, stop):
        for i in missing[start:stop]:
            word = rng.randrange(len(FIRM_WORDS_EN))
            sort = rng.randrange(len(FIRM_KINDS_EN))
            if kind == Organization.Kind.FIRM:
                yield Organization(
                    kind=kind,
                    name_en=f"{FIRM_WORDS_EN[word]} {FIRM_KINDS_EN[sort]} {i} K.K.",
                    name_ja=f"株式会社{FIRM_WORDS_JA[word]}{FIRM_KINDS_JA[sort]}{i}",
                    country="JP",
                    prefecture=rng.choice(PREFECTURES),
                    corporate_number=_corporate_number(plan.seed, i),
                    email_domain=domains[i],
                    verification_status=Organization.Verification.NOT_REQUIRED,
                )
            else:
                yield Organization(
                    kind=kind,
                    name_en=f"{kind.title()} office {i} (seed {plan.seed})",
                    country="US" if kind == Organization.Kind.AGENCY else "JP",
                    email_domain=domains[i],
                    verification_status=Organization.Verification.VERIFIED,
                    verified_at=now if verified else None,
                )

    def write(rows):
        created = Organization.objects.bulk_create(rows, batch_size=1000)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"member@{org.email_domain}",
                    display_name=f"Member {org.email_domain}",
                    password=UNUSABLE,
                    terms_accepted_at=now,
                    preferred_language="ja" if kind == Organization.Kind.FIRM else "en",
                    time_zone="Asia/Tokyo" if kind == Organization.Kind.FIRM else "UTC",
                )
                for org in created
            ],
            batch_size=1000,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    user=user,
                    organization=org,
                    role=Membership.Role.OWNER,
                    is_export_control_officer=kind == Organization.Kind.FIRM and n % 10 == 0,
                )
                for n, (org, user) in enumerate(zip(created, users, strict=True))
            ],
            batch_size=1000,
        )

    in_batches(plan, f"{kind} organizations", len(missing), make, write)
    found = dict(
        Organization.objects.filter(email_domain__startswith=f"{prefix}-").values_list(
            "email_domain", "pk"
        )
    )
    return [found[d] for d in domains]


def seed(plan: Plan) -> dict:
    agencies = max(5, plan.opportunities // 2_000)
    return {
        "firms": organizations(plan, Organization.Kind.FIRM, plan.firms),
        "agencies": organizations(plan, Organization.Kind.AGENCY, agencies),
        "intermediaries": organizations(plan, Organization.Kind.INTERMEDIARY, 5),
    }
