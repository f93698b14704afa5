"""seed_scale: opportunities of the seeded agencies (mostly published; deadlines spread
over two years around today; areas with a realistic skew), then responses from the seeded
firms and follows by their members, all in bulk."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.capabilities.scale import leaf_areas
from apps.core.scale import Plan, bilingual_text, in_batches, set_search_columns, skewed_choice
from apps.opportunities.models import Follow, Opportunity, Response
from apps.organizations.models import Membership
from apps.taxonomy.models import TechnologyArea

S = Opportunity.Status
RESPONSE_SHARE = 0.05  # of opportunities, each with one to three responses
FOLLOW_SHARE = 0.10


def seed(plan: Plan, agencies: list[int], firms: list[int]) -> None:
    prefix = f"S{plan.seed}-"
    existing = set(
        Opportunity.objects.filter(reference_number__startswith=prefix).values_list(
            "reference_number", flat=True
        )
    )
    missing = [i for i in range(plan.opportunities) if f"{prefix}{i:07d}" not in existing]
    areas = leaf_areas()
    names = {a.pk: f"{a.name_en} {a.name_ja}" for a in TechnologyArea.objects.all()}
    rng = plan.rng
    now = timezone.now()
    through = Opportunity.areas.through
    firm_members = dict(
        Membership.objects.filter(organization_id__in=firms).values_list(
            "organization_id", "user_id"
        )
    )

    def make(start, stop):
        for i in missing[start:stop]:
            title_en, title_ja, summary_en, summary_ja, words = bilingual_text(rng)
            deadline = now + timedelta(days=rng.uniform(-365, 365))
            published = deadline - timedelta(days=rng.uniform(20, 90))
            roll = rng.random()
            if deadline < now:
                status = S.AWARDED if roll < 0.2 else S.CLOSED
            else:
                status = S.DRAFT if roll < 0.03 else S.CANCELLED if roll < 0.05 else S.PUBLISHED
            trl_min = rng.randint(2, 7)
            opportunity = Opportunity(
                organization_id=agencies[i % len(agencies)],
                reference_number=f"{prefix}{i:07d}",
                title_en=title_en,
                title_ja=title_ja if rng.random() < 0.6 else "",
                summary_en=summary_en,
                summary_ja=summary_ja if rng.random() < 0.6 else "",
                vehicle=rng.choice(list(Opportunity.Vehicle.values)),
                trl_min=trl_min,
                trl_max=rng.randint(trl_min, 9),
                funding_min=Decimal(rng.choice([50, 100, 250, 500]) * 1000),
                funding_max=Decimal(rng.choice([1, 2, 5, 10]) * 1_000_000),
                response_deadline=deadline,
                question_deadline=deadline - timedelta(days=7),
                foreign_participation=rng.choice(list(Opportunity.ForeignParticipation.values)),
                export_authorization_required=rng.random() < 0.3,
                status=status,
                published_at=None if status == S.DRAFT else published,
            )
            opportunity._areas = {skewed_choice(rng, areas) for _ in range(rng.randint(1, 3))}
            opportunity._words = words
            yield opportunity

    def write(rows):
        created = Opportunity.objects.bulk_create(rows, batch_size=1000)
        through.objects.bulk_create(
            [through(opportunity_id=o.pk, technologyarea_id=a) for o in created for a in o._areas],
            batch_size=5000,
        )
        set_search_columns(
            Opportunity,
            [
                (
                    o.pk,
                    [o.title_en, o.title_ja, o.summary_en, o.summary_ja, o.reference_number]
                    + [names[a] for a in o._areas],
                )
                for o in created
            ],
            {o.pk: o._areas for o in created},
        )
        answered = [o for o in created if o.status != S.DRAFT and rng.random() < RESPONSE_SHARE]
        responses = []
        for o in answered:
            for firm in rng.sample(firms, k=min(len(firms), rng.randint(1, 3))):
                responses.append(
                    Response(
                        opportunity_id=o.pk,
                        organization_id=firm,
                        kind=rng.choice(list(Response.Kind.values)),
                        body=f"{o.title_en}: our approach.",
                        status=rng.choice(list(Response.Status.values)),
                        submitted_by_id=firm_members.get(firm),
                        submitted_at=o.published_at + timedelta(days=rng.uniform(1, 15)),
                    )
                )
        Response.objects.bulk_create(responses, batch_size=2000, ignore_conflicts=True)
        followed = [o for o in created if o.status == S.PUBLISHED and rng.random() < FOLLOW_SHARE]
        Follow.objects.bulk_create(
            [
                Follow(user_id=firm_members[firm], opportunity_id=o.pk)
                for o in followed
                for firm in rng.sample(firms, k=min(len(firms), 2))
                if firm in firm_members
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )

    in_batches(plan, "opportunities", len(missing), make, write)
