"""Zero-setup development mode: `make run`. SQLite in var/, e-mail to var/mail/, tasks run
eagerly unless REDIS_URL is set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
WHITENOISE_AUTOREFRESH = DEBUG
