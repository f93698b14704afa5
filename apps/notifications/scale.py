"""seed_scale: a digest subscription for each seeded firm's member (most daily, some
weekly), following the areas of the firm's capabilities as an empty choice does."""

import random

from apps.core.scale import Plan, in_batches
from apps.notifications.models import Subscription
from apps.organizations.models import Membership


def seed(plan: Plan, firms: list[int]) -> None:
    members = list(
        Membership.objects.filter(organization_id__in=firms).values_list("user_id", flat=True)
    )
    have = set(Subscription.objects.filter(user_id__in=members).values_list("user_id", flat=True))
    missing = [uid for uid in members if uid not in have]
    rng = plan.rng

    def make(start, stop):
        for uid in missing[start:stop]:
            yield Subscription(
                user_id=uid,
                frequency=Subscription.Frequency.DAILY
                if rng.random() < 0.7
                else Subscription.Frequency.WEEKLY,
            )

    def write(rows):
        Subscription.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)

    in_batches(plan, "subscriptions", len(missing), make, write)


NETWORK_SIZE = 2_000  # partner firms of each intermediary (at most)
TARGETED_PER_INTERMEDIARY = 40  # published opportunities each brings to a slice of it
TARGETED_FIRMS = 150  # firms of the network each of them is targeted at
OPENED_SHARE = 0.25  # targeted members who open the e-mail's link


def seed_outreach(plan: Plan, intermediaries: list[int], firms: list[int]) -> None:
    """Each intermediary's partner network, the opportunities it targeted at slices of
    it, and the openings of their e-mail links: what its dashboard shows. Idempotent:
    every row has a unique key and is inserted with ignore_conflicts."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.notifications.models import LinkOpen
    from apps.opportunities.models import Opportunity, Target
    from apps.organizations.models import Organization, Partnership

    numbers = dict(Organization.objects.filter(pk__in=firms).values_list("pk", "corporate_number"))
    members = dict(
        Membership.objects.filter(organization_id__in=firms).values_list(
            "organization_id", "user_id"
        )
    )
    published = list(
        Opportunity.objects.filter(status=Opportunity.Status.PUBLISHED)
        .order_by("-published_at")
        .values_list("pk", flat=True)[: TARGETED_PER_INTERMEDIARY * 10]
    )
    now = timezone.now()
    for intermediary in intermediaries:
        # A generator of its own, so that a second run draws the same network.
        rng = random.Random(f"{plan.seed}-outreach-{intermediary}")  # noqa: S311 - test data
        network = rng.sample(firms, k=min(len(firms), NETWORK_SIZE))
        Partnership.objects.bulk_create(
            [
                Partnership(
                    intermediary_id=intermediary,
                    firm_id=firm,
                    name=f"Partner {numbers[firm]}",
                    email=f"contact-{firm}@{plan.key('partners')}.example",
                    corporate_number=numbers[firm],
                    sent_at=now - timedelta(days=rng.randint(30, 400)),
                    joined_at=now - timedelta(days=rng.randint(1, 30)),
                )
                for firm in network
                if numbers.get(firm)
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        chosen = rng.sample(published, k=min(len(published), TARGETED_PER_INTERMEDIARY))
        targets, opened = [], []
        for opportunity_id in chosen:
            when = now - timedelta(days=rng.uniform(1, 300))
            for firm in rng.sample(network, k=min(len(network), TARGETED_FIRMS)):
                targets.append(
                    Target(
                        opportunity_id=opportunity_id,
                        firm_id=firm,
                        targeted_by_organization_id=intermediary,
                        via_network=True,
                        created_at=when,
                    )
                )
                if firm in members and rng.random() < OPENED_SHARE:
                    opened.append(LinkOpen(user_id=members[firm], opportunity_id=opportunity_id))
        Target.objects.bulk_create(targets, batch_size=5000, ignore_conflicts=True)
        LinkOpen.objects.bulk_create(opened, batch_size=5000, ignore_conflicts=True)
    plan.say(
        f"outreach: {len(intermediaries)} intermediaries, networks of up to "
        f"{NETWORK_SIZE:,} firms, {TARGETED_PER_INTERMEDIARY} targeted opportunities each"
    )
