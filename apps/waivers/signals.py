"""Events other apps (notifications, insights) listen to. Each is sent after the
transaction that caused it commits, with what a listener needs and nothing else."""

from django.db import transaction
from django.dispatch import Signal

# request_id, event_id, firm_id, reference, action, to_status, comment
waiver_status_changed = Signal()
# request_id, reference, user_ids, target_date (ISO), days_left
waiver_reminder_due = Signal()


def send_on_commit(signal: Signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))
