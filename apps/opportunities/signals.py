"""Events other apps (notifications, insights) listen to. Each is sent after the
transaction that caused it commits, with primary keys only."""

from django.dispatch import Signal

opportunity_published = Signal()  # opportunity_id
opportunity_amended = Signal()  # opportunity_id, amendment_id
opportunity_targeted = Signal()  # opportunity_id, target_id
opportunity_targeted_at_network = Signal()  # opportunity_id, target_ids (one per firm)
question_answered = Signal()  # opportunity_id, question_id
response_submitted = Signal()  # response_id
response_status_changed = Signal()  # response_id, event_id


def send_on_commit(signal: Signal, **kwargs) -> None:
    from django.db import transaction

    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))
