"""Demo opportunities from two agencies in space, hypersonics, trusted microelectronics and
additive manufacturing (run by `seed_demo`, idempotent by agency and reference number)."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.accounts.models import User
from apps.opportunities.models import Opportunity, Response, ResponseEvent, Target
from apps.opportunities.services import _refresh_search
from apps.organizations.models import Membership, Organization
from apps.taxonomy.models import TechnologyArea

# A one-page PDF standing in for the firm's controlled technical brief.
DEMO_BRIEF_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 74>>stream\nBT /F1 18 Tf 72 760 Td "
    b"(Demo: X-band SAR payload design data) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

SECOND_AGENCY = {
    "name_en": "Demo Hypersonics Prototyping Office",
    "name_ja": "デモ極超音速プロトタイプ室",
    "country": "US",
    "city": "Huntsville, AL",
    "email_domain": "hpo-demo.example",
    "time_zone": "America/Chicago",
}

OPPORTUNITIES = [
    {
        "agency": "diu-demo.example",
        "reference_number": "DIU-26-SPACE-014",
        "title_en": "Commercial SAR constellation data for maritime awareness",
        "title_ja": "海洋状況把握のための商用SAR衛星コンステレーションデータ",
        "summary_en": "Prototype a tasking and delivery service for synthetic-aperture radar imagery over the Pacific, within 30 minutes of collection.",
        "summary_ja": "太平洋上の合成開口レーダ画像を、撮像後30分以内にタスキング・配信するサービスのプロトタイプを求めます。",
        "vehicle": "ota_prototype",
        "areas": ["satellites", "space-situational-awareness"],
        "trl": (5, 8),
        "funding": (500000, 3000000),
        "days": 5,
        "place_of_performance": "Remote; demonstrations in Hawaii",
        "foreign_participation": "with_authorization",
        "export_authorization_required": True,
        "target_area": "satellites",
    },
    {
        "agency": "diu-demo.example",
        "reference_number": "DIU-26-AM-007",
        "title_en": "Expeditionary metal additive manufacturing of spare parts",
        "title_ja": "前線における金属積層造形による補用部品の製造",
        "summary_en": "Containerised metal printing with in-situ qualification for aircraft spare parts at forward locations.",
        "summary_ja": "前方拠点で航空機の補用部品を製造する、品質保証機能付きコンテナ型金属3Dプリンタ。",
        "vehicle": "ota_prototype",
        "areas": ["additive-manufacturing"],
        "trl": (4, 7),
        "funding": (250000, 1500000),
        "days": 30,
        "place_of_performance": "Japan and Guam",
        "foreign_participation": "allowed",
        "export_authorization_required": False,
    },
    {
        "agency": "hpo-demo.example",
        "reference_number": "HPO-26-TPS-002",
        "title_en": "Reusable thermal protection materials for hypersonic test vehicles",
        "title_ja": "極超音速試験機向け再使用型熱防護材料",
        "summary_en": "Materials surviving repeated exposure above 1,500 °C with coupon and arc-jet test data.",
        "summary_ja": "1,500℃以上への繰り返し曝露に耐える材料。クーポン試験およびアークジェット試験データを含むこと。",
        "vehicle": "ota_research",
        "areas": ["hypersonics", "advanced-engineering-materials"],
        "trl": (3, 6),
        "funding": (100000, 800000),
        "days": 45,
        "place_of_performance": "Huntsville, AL",
        "foreign_participation": "with_authorization",
        "export_authorization_required": True,
        "target_area": "hypersonics",
    },
    {
        "agency": "hpo-demo.example",
        "reference_number": "HPO-26-ME-005",
        "title_en": "Radiation-tolerant power electronics from trusted sources",
        "summary_en": "Gallium-nitride power stages with supply-chain assurance for flight avionics.",
        "vehicle": "ota_research",
        "areas": ["trusted-microelectronics"],
        "trl": (4, 7),
        "funding": (None, 2000000),
        "days": 60,
        "place_of_performance": "",
        "foreign_participation": "with_authorization",
        "export_authorization_required": False,
    },
]


def seed(*, stdout) -> list[str]:
    from apps.organizations.demo import DEMO_PASSWORD

    now = timezone.now()
    areas = {area.slug: area for area in TechnologyArea.objects.all()}
    operator = User.objects.filter(is_superuser=True).order_by("pk").first()
    second, _ = Organization.objects.get_or_create(
        kind=Organization.Kind.AGENCY,
        email_domain=SECOND_AGENCY["email_domain"],
        defaults={
            **SECOND_AGENCY,
            "verification_status": Organization.Verification.VERIFIED,
            "verified_at": now,
            "verified_by": operator,
        },
    )
    staff, created = User.objects.get_or_create(
        email="staff@hpo-demo.example",
        defaults={
            "display_name": "Jordan Lee",
            "terms_accepted_at": now,
            "time_zone": "America/Chicago",
        },
    )
    if created:
        staff.set_password(DEMO_PASSWORD)
        staff.save(update_fields=["password"])
    Membership.objects.get_or_create(user=staff, organization=second, defaults={"role": "owner"})
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=staff, email=staff.email, defaults={"verified": True, "primary": True}
    )

    agencies = {
        org.email_domain: org for org in Organization.objects.filter(kind=Organization.Kind.AGENCY)
    }
    count = 0
    for spec in OPPORTUNITIES:
        spec = dict(spec)
        agency = agencies.get(spec.pop("agency"))
        if agency is None:
            continue
        slugs = spec.pop("areas")
        trl_min, trl_max = spec.pop("trl")
        funding_min, funding_max = spec.pop("funding")
        days = spec.pop("days")
        target_area = spec.pop("target_area", None)
        author = agency.memberships.order_by("pk").first()
        opportunity, created = Opportunity.objects.get_or_create(
            organization=agency,
            reference_number=spec["reference_number"],
            defaults={
                **spec,
                "trl_min": trl_min,
                "trl_max": trl_max,
                "funding_min": funding_min,
                "funding_max": funding_max,
                "response_deadline": now + timedelta(days=days),
                "question_deadline": now + timedelta(days=max(days - 3, 1)),
                "status": Opportunity.Status.PUBLISHED,
                "published_at": now - timedelta(days=3),
                "created_by": author.user if author else None,
                "points_of_contact": "Program manager — pm@" + agency.email_domain,
            },
        )
        if created:
            opportunity.areas.set([areas[s] for s in slugs if s in areas])
            _refresh_search(opportunity)
            if target_area and target_area in areas:
                Target.objects.create(
                    opportunity=opportunity,
                    area=areas[target_area],
                    targeted_by=author.user if author else None,
                    targeted_by_organization=agency,
                )
        count += 1

    # One response from the demo firm, already invited to pitch.
    firm = Organization.objects.filter(email_domain="tsubasa-aero.example").first()
    sar = Opportunity.objects.filter(reference_number="DIU-26-SPACE-014").first()
    if firm and sar:
        officer = User.objects.filter(email="export@tsubasa-aero.example").first()
        response, created = Response.objects.get_or_create(
            opportunity=sar,
            organization=firm,
            defaults={
                "kind": Response.Kind.SOLUTION_BRIEF,
                "body": "Our 25 kg X-band SAR payload is flight-proven; we propose a 12-month prototype.",
                "is_proprietary": True,
                "attachment": ContentFile(DEMO_BRIEF_PDF, name="sar-payload-brief.pdf"),
                "attachment_is_controlled": True,
                "submitted_by": officer,
                "status": Response.Status.RECEIVED,
            },
        )
        if created:
            ResponseEvent.objects.create(response=response, actor=officer, to_status="received")
    partners = _seed_network(sar)
    return [
        f"Opportunities: {count} demo opportunities from {len(agencies)} agencies "
        "(second agency login: staff@hpo-demo.example).",
        f"Network: {partners} partner firms of the demo intermediary "
        "(partner@jdtc-demo.example), one opportunity targeted at them.",
    ]


# Firms the intermediary invited that have not registered yet (valid, fictitious numbers).
INVITED_PARTNERS = [
    ("Kumo Photonics K.K.", "ceo@kumo-photonics.example", "010001033333"),
    ("株式会社ミナト無人機", "info@minato-uav.example", "120001044444"),
]


def _seed_network(opportunity) -> int:
    """The demo intermediary's partner network: the demo firms on the portal and two
    invited firms, with the SAR opportunity targeted at the network's space slice."""
    from apps.organizations.demo import _corporate_number
    from apps.organizations.models import Partnership

    intermediary = Organization.objects.filter(
        kind=Organization.Kind.INTERMEDIARY, email_domain="jdtc-demo.example"
    ).first()
    if intermediary is None:
        return 0
    staff = User.objects.filter(email="partner@jdtc-demo.example").first()
    now = timezone.now()
    firms = Organization.objects.filter(
        kind=Organization.Kind.FIRM, capabilities__isnull=False
    ).distinct()
    for firm in firms:
        contact = firm.primary_contact.email if firm.primary_contact else f"info@{firm.pk}.example"
        Partnership.objects.get_or_create(
            intermediary=intermediary,
            corporate_number=firm.corporate_number,
            defaults={
                "firm": firm,
                "name": firm.name_en or firm.name_ja,
                "email": contact,
                "invited_by": staff,
                "sent_at": now - timedelta(days=20),
                "joined_at": now - timedelta(days=20),
            },
        )
    for name, email, base12 in INVITED_PARTNERS:
        Partnership.objects.get_or_create(
            intermediary=intermediary,
            corporate_number=_corporate_number(base12),
            defaults={"name": name, "email": email, "invited_by": staff, "sent_at": now},
        )
    if opportunity is not None and opportunity.status == Opportunity.Status.PUBLISHED:
        for firm in firms.filter(capabilities__areas__path__startswith="space-technologies/"):
            Target.objects.get_or_create(
                opportunity=opportunity,
                firm=firm,
                targeted_by_organization=intermediary,
                defaults={
                    "targeted_by": staff,
                    "via_network": True,
                    "note_en": "A close fit for the SAR payloads of our members.",
                    "note_ja": "会員企業のSARペイロードに合致する案件です。",
                },
            )
    return Partnership.objects.filter(intermediary=intermediary).count()
