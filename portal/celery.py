"""The Celery application. Configuration comes from Django settings (CELERY_* names).

The queue carries e-mail, so a task must survive a worker that dies mid-way and must
never be run twice by accident of configuration:

- task_acks_late: the broker forgets a message only after the task has finished, not
  when a worker takes it, so a crash mid-task leaves the message to be delivered again.
- task_reject_on_worker_lost: if the worker process is killed (OOM, SIGKILL, a deploy),
  the message is rejected back to the queue instead of being acknowledged as failed.
- worker_prefetch_multiplier = 1: a worker holds one unacknowledged message at a time,
  so a dying worker strands as few messages as possible and long tasks do not block
  others queued behind them on the same worker.
- visibility_timeout (Redis transport): how long Redis waits for an acknowledgement
  before it hands the message to another worker. It must be longer than the longest
  task (task_time_limit) and longer than any countdown/ETA, or a task still running
  would be started a second time. Tasks themselves are idempotent (STYLE.md rule 6),
  so a re-delivery after a real crash is harmless.
- task_time_limit / soft limit: a hung SMTP connection cannot hold a worker forever,
  and stays well inside the visibility timeout.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")


# Reliability settings for a mail-carrying queue (explained in the module docstring).
# The visibility timeout and time limits are in settings/base.py because operators tune
# them through the environment; their order is checked in apps.core.checks.
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    accept_content=["json"],
)

app.autodiscover_tasks()
