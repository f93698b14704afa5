"""Settings for the Celery worker subprocesses that test_crash.py starts and kills: the test
settings, with mail sent over SMTP to the test's aiosmtpd server (EMAIL_URL, read by
base.py; test.py switches the backend back to locmem, which a separate process cannot
share), tasks taken from the test's own queue, and abandoned sendings reclaimed after
two seconds instead of ten minutes."""

import os

from portal.settings.test import *  # noqa: F403

if not os.environ.get("EMAIL_URL"):
    raise RuntimeError("crash_settings needs EMAIL_URL=smtp://host:port (the test's SMTP server)")

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_USE_TLS = False
EMAIL_TIMEOUT = 5
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["CRASH_TEST_QUEUE"]
NOTIFICATIONS_STALE_SENDING = 2
