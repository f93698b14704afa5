"""seed_scale: a digest subscription for each seeded firm's member (most daily, some
weekly), following the areas of the firm's capabilities as an empty choice does."""

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
