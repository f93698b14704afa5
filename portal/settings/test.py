"""Settings for pytest. DATABASE_URL and REDIS_URL are honoured when set (CI sets both)."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests that need a real worker switch this off for themselves (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES["private"] = {
    **PRIVATE_STORAGE,
    "OPTIONS": {"location": str(VAR_DIR / "test-private")},
}
CACHES["default"]["KEY_PREFIX"] = "kakehashi-test"
# Serve static files from the finders without a collectstatic run.
WHITENOISE_AUTOREFRESH = True
