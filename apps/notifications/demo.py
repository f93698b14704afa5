"""Demo e-mail settings: the demo firm member reads Japanese in Tokyo and gets a daily
digest; everyone else keeps the default weekly one (run by `seed_demo`)."""

from apps.accounts.models import User
from apps.notifications.models import Subscription


def seed(*, stdout) -> list[str]:
    member = User.objects.filter(email="member@tsubasa-aero.example").first()
    if member is None:
        return []
    User.objects.filter(pk=member.pk).update(preferred_language="ja", time_zone="Asia/Tokyo")
    Subscription.objects.update_or_create(user=member, defaults={"frequency": "daily"})
    return [
        "Digests: member@tsubasa-aero.example gets a daily digest in Japanese at 08:00 Tokyo "
        "time; send the due ones now with `python manage.py send_digests --frequency daily`."
    ]
