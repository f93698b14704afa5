"""seed_scale: published capabilities of the seeded firms, bilingual, in technology areas
with a realistic skew, written in bulk with their search columns."""

from django.utils import timezone

from apps.capabilities.models import Capability
from apps.core.scale import Plan, bilingual_text, in_batches, set_search_columns, skewed_choice
from apps.taxonomy.models import TechnologyArea


def leaf_areas() -> list[int]:
    parents = set(TechnologyArea.objects.exclude(parent=None).values_list("parent_id", flat=True))
    return [
        pk
        for pk in TechnologyArea.objects.order_by("pk").values_list("pk", flat=True)
        if pk not in parents
    ]


def seed(plan: Plan, firms: list[int]) -> None:
    key = plan.key("cap")
    existing = {
        int(k.split(",", 1)[0].rsplit("-", 1)[1])
        for k in Capability.objects.filter(keywords__startswith=f"{key}-").values_list(
            "keywords", flat=True
        )
    }
    missing = [i for i in range(plan.capabilities) if i not in existing]
    areas = leaf_areas()
    names = {a.pk: f"{a.name_en} {a.name_ja}" for a in TechnologyArea.objects.all()}
    rng = plan.rng
    now = timezone.now()
    through = Capability.areas.through

    def make(start, stop):
        for i in missing[start:stop]:
            title_en, title_ja, summary_en, summary_ja, words = bilingual_text(rng)
            capability = Capability(
                organization_id=firms[i % len(firms)],
                title_en=title_en,
                title_ja=title_ja if rng.random() < 0.8 else "",
                summary_en=summary_en,
                summary_ja=summary_ja,
                trl=rng.randint(2, 9),
                export_control_status=rng.choice(list(Capability.ExportControl.values)),
                keywords=f"{key}-{i}, {words}",
                visibility=Capability.Visibility.PUBLIC
                if rng.random() < 0.7
                else Capability.Visibility.AGENCIES,
                status=Capability.Status.PUBLISHED,
                published_at=now,
            )
            capability._areas = {skewed_choice(rng, areas) for _ in range(rng.randint(1, 2))}
            yield capability

    def write(rows):
        created = Capability.objects.bulk_create(rows, batch_size=1000)
        through.objects.bulk_create(
            [
                through(capability_id=c.pk, technologyarea_id=area)
                for c in created
                for area in c._areas
            ],
            batch_size=5000,
        )
        set_search_columns(
            Capability,
            [
                (
                    c.pk,
                    [c.title_en, c.title_ja, c.summary_en, c.summary_ja, c.keywords]
                    + [names[a] for a in c._areas],
                )
                for c in created
            ],
            {c.pk: c._areas for c in created},
        )

    in_batches(plan, "capabilities", len(missing), make, write)
