"""Demo firms and their capabilities, in English and Japanese (run by `seed_demo`)."""

from django.utils import timezone

from apps.accounts.models import User
from apps.capabilities.models import Capability
from apps.capabilities.services import _refresh_search
from apps.organizations.models import Membership, Organization
from apps.organizations.validators import corporate_number_check_digit
from apps.taxonomy.models import TechnologyArea


def _number(base12: str) -> str:
    return f"{corporate_number_check_digit(base12)}{base12}"


FIRMS = [
    {
        "name_en": "Tsubasa Aerospace K.K.",
        "corporate_number": _number("180001099999"),
        "capabilities": [
            {
                "title_en": "Compact X-band SAR payload for 100 kg small satellites",
                "title_ja": "100kg級小型衛星向けXバンド合成開口レーダ（SAR）ペイロード",
                "summary_en": "A 25 kg synthetic-aperture radar with 1 m resolution, flight-proven on two missions.",
                "summary_ja": "分解能1m、25kgの合成開口レーダ。2機の衛星で軌道上実証済みです。",
                "areas": ["satellites", "advanced-sensing-and-signature-management"],
                "trl": 7,
                "civil_application_en": "Disaster monitoring and infrastructure inspection.",
                "civil_application_ja": "災害監視およびインフラ点検。",
                "export_control_status": "listed",
                "control_list_item": "10(4)",
                "keywords": "SAR, 小型衛星, small-sat, radar, レーダ",
                "visibility": "public",
                "published": True,
            },
            {
                "title_en": "Ceramic-matrix thermal protection tiles",
                "title_ja": "セラミックス基複合材料による熱防護タイル",
                "summary_en": "Reusable CMC tiles rated to 1,600 °C for re-entry and hypersonic vehicles.",
                "summary_ja": "再突入機・極超音速機向け、耐熱1,600℃の再使用型CMCタイル。",
                "areas": ["hypersonics", "advanced-engineering-materials"],
                "trl": 5,
                "civil_application_en": "Furnace linings and turbine components.",
                "civil_application_ja": "工業炉の内張りおよびタービン部品。",
                "export_control_status": "unknown",
                "keywords": "CMC, 熱防護, thermal protection, 極超音速",
                "visibility": "agencies",
                "published": True,
            },
        ],
    },
    {
        "name_en": "Kaminari Semiconductor Co., Ltd.",
        "name_ja": "雷半導体株式会社",
        "name_kana": "カミナリハンドウタイ",
        "prefecture": "26",
        "city": "Kyoto",
        "email_domain": "kaminari-semi.example",
        "corporate_number": _number("130001077777"),
        "owner": ("owner@kaminari-semi.example", "Ken Ito"),
        "capabilities": [
            {
                "title_en": "Radiation-hardened GaN power transistors",
                "title_ja": "耐放射線GaNパワートランジスタ",
                "summary_en": "650 V gallium-nitride devices tested to 1 Mrad total ionizing dose.",
                "summary_ja": "総電離線量1Mradまで試験済みの650V窒化ガリウム素子。",
                "areas": ["trusted-microelectronics"],
                "trl": 6,
                "civil_application_en": "Power supplies for satellites and nuclear plants.",
                "civil_application_ja": "人工衛星・原子力発電所向け電源。",
                "export_control_status": "not_listed",
                "keywords": "GaN, 窒化ガリウム, rad-hard, 耐放射線",
                "visibility": "public",
                "published": True,
            },
        ],
    },
    {
        "name_en": "Hayate Additive Works K.K.",
        "name_ja": "株式会社ハヤテ・アディティブ",
        "name_kana": "ハヤテアディティブ",
        "prefecture": "14",
        "city": "Kawasaki",
        "email_domain": "hayate-am.example",
        "corporate_number": _number("020001055555"),
        "owner": ("owner@hayate-am.example", "Mika Kobayashi"),
        "capabilities": [
            {
                "title_ja": "チタン合金の金属積層造形と品質保証",
                "summary_ja": "航空機用Ti-6Al-4V部品の電子ビーム積層造形。CTによる全数検査に対応。",
                "areas": ["additive-manufacturing"],
                "trl": 8,
                "civil_application_ja": "航空機部品および医療用インプラント。",
                "export_control_status": "not_listed",
                "keywords": "金属積層, additive, titanium, チタン",
                "visibility": "public",
                "published": True,
            },
            {
                "title_en": "Field-deployable polymer printing for spare parts",
                "summary_en": "Containerised polymer printers producing qualified spare parts at the point of need.",
                "areas": ["additive-manufacturing"],
                "trl": 4,
                "civil_application_en": "Disaster-relief logistics.",
                "export_control_status": "unknown",
                "keywords": "expeditionary, polymer, 3D printing",
                "visibility": "agencies",
                "published": False,
            },
        ],
    },
]


def seed(*, stdout) -> list[str]:
    from apps.organizations.demo import DEMO_PASSWORD

    areas = {area.slug: area for area in TechnologyArea.objects.all()}
    total = 0
    for spec in FIRMS:
        spec = dict(spec)
        capabilities = spec.pop("capabilities")
        owner_spec = spec.pop("owner", None)
        firm, _ = Organization.objects.get_or_create(
            corporate_number=spec["corporate_number"],
            defaults={
                **spec,
                "kind": Organization.Kind.FIRM,
                "verification_status": Organization.Verification.NOT_REQUIRED,
            },
        )
        author = None
        if owner_spec:
            author, created = User.objects.get_or_create(
                email=owner_spec[0],
                defaults={"display_name": owner_spec[1], "terms_accepted_at": timezone.now()},
            )
            if created:
                author.set_password(DEMO_PASSWORD)
                author.save(update_fields=["password"])
            Membership.objects.get_or_create(
                user=author, organization=firm, defaults={"role": Membership.Role.OWNER}
            )
            Organization.objects.filter(pk=firm.pk, primary_contact__isnull=True).update(
                primary_contact=author
            )
        author = author or firm.memberships.order_by("pk").first().user
        for item in capabilities:
            item = dict(item)
            slugs = item.pop("areas")
            published = item.pop("published")
            lookup = {"organization": firm, "title_en": item.get("title_en", ""),
                      "title_ja": item.get("title_ja", "")}  # fmt: skip
            capability, created = Capability.objects.get_or_create(
                **lookup,
                defaults={
                    **item,
                    "is_dual_use": True,
                    "created_by": author,
                    "status": "published" if published else "draft",
                    "published_at": timezone.now() if published else None,
                },
            )
            if created:
                capability.areas.set([areas[s] for s in slugs if s in areas])
                _refresh_search(capability)
            total += 1
    return [f"Capabilities: {total} demo capabilities of {len(FIRMS)} firms."]
