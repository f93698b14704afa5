"""Settings shared by every mode. Everything that differs between machines comes from the
environment (see README.md, "Configuration"); the modules beside this one only choose
defaults for a mode."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from portal import postgresql

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-only-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "apps.core.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.organizations",
    "apps.taxonomy",
    "apps.capabilities",
    "apps.opportunities",
    "apps.matching",
    "apps.notifications",
    "apps.waivers",
    "apps.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Data ----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A read replica for anonymous visitors' public pages (portal/db_router.py), if any.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["portal.db_router.ReplicaRouter"]
# Django's PostgreSQL backend, sparing the health check of a connection that has just
# answered (portal/postgresql/base.py).
postgresql.use_for(DATABASES)

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # The shared cache backs login rate limits, so every web process must see the same
    # counters: Redis, never a per-process cache, whenever Redis is configured.
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="kakehashi"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions are read from the shared cache and written through to the database,
    # which stays the record (a signed-in page then costs no query for its session).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Anonymous visitors' public list, feed and calendar pages come from the shared cache,
# keyed by the generation of their content (apps/core/pagecache.py). Off: always render.
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)
# The release being served (e.g. its commit id): cached pages of another release are not
# served, so a deploy never shows pages that name the old static files.
RELEASE = env("RELEASE", default="")

# --- Tasks (see portal/celery.py for why each reliability setting is there) -----------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Every 15 minutes: recipients whose local 08:00 has passed get their digest row.
    "enqueue-due-digests": {
        "task": "apps.notifications.tasks.enqueue_due_digests",
        "schedule": 15 * 60,
    },
    # Daily, just after midnight in Tokyo: approved export-control requests past expiry.
    "expire-waivers": {
        "task": "apps.waivers.tasks.expire_waivers",
        "schedule": crontab(minute=5, hour=15),  # 00:05 Asia/Tokyo (CELERY_TIMEZONE is UTC)
    },
    # Daily, at 09:00 in Tokyo: reviewers of requests nearing the service-level target.
    "remind-waiver-reviewers": {
        "task": "apps.waivers.tasks.remind_reviewers",
        "schedule": crontab(minute=0, hour=0),  # 09:00 Asia/Tokyo
    },
    # Every minute: the outbox sweep (lost tasks, SMTP retries, abandoned sendings).
    "redispatch-deliveries": {
        "task": "apps.notifications.tasks.redispatch_deliveries",
        "schedule": 60,
    },
}
# A delivery left "sending" this long by a dead worker goes back to pending.
NOTIFICATIONS_STALE_SENDING = env.int("NOTIFICATIONS_STALE_SENDING", default=600)

# --- Auth ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, reading the signed-in user with a statement compiled
# once (apps/accounts/backends.py). A session records the path of the backend that signed
# it in: sessions from before a path here changed are signed out once.
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "apps.accounts.backends.ModelBackend",
    "apps.accounts.backends.AuthenticationBackend",
]
# Passwords: at least PASSWORD_MIN_LENGTH characters (12 by default, as OWASP ASVS 4 asks
# of every user-chosen password) and no maximum, so long passphrases are welcome; Django's
# common-password list, and offline checks for what breach corpora are full of: common
# words dressed with digits or symbols, keyboard walks, and the person's own name or e-mail
# address (apps.accounts.validators). No composition rules (NIST SP 800-63B): most accounts
# sign in with a password alone, so length and unguessability carry the weight.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=12)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "display_name", "display_name_kana")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "apps.accounts.validators.DecoratedCommonPasswordValidator"},
    {"NAME": "apps.accounts.validators.KeyboardPatternPasswordValidator"},
    {
        "NAME": "apps.accounts.validators.PersonalInformationPasswordValidator",
        "OPTIONS": {"extra_words": ["kakehashi", "架け橋", "かけはし"]},
    },
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "organizations:dashboard"

ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "apps.accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kakehashi] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
# Counted in the shared cache (Redis whenever REDIS_URL is set, so every web process sees
# the same counters): five wrong passwords for one address lock it for 15 minutes, the
# right password included (and 10 failures a minute from one IP address lock that address).
LOGIN_ATTEMPTS_LIMIT = env.int("LOGIN_ATTEMPTS_LIMIT", default=5)
LOGIN_ATTEMPTS_TIMEOUT = env.int("LOGIN_ATTEMPTS_TIMEOUT", default=15 * 60)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"10/m/ip,{LOGIN_ATTEMPTS_LIMIT}/{LOGIN_ATTEMPTS_TIMEOUT}s/key",
}
# How many proxies (load balancers) stand in front of the web processes: the client's
# address for rate limits (allauth's and the API's) is read from X-Forwarded-For that many
# hops back, never from a header the client could forge. Left at 0 behind a proxy, every
# visitor would share the proxy's address and one visitor's failures would lock out all.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES
# Sessions: the cookie ends with the browser ("remember me" is not offered), and
# apps.accounts.middleware.SessionTimeoutMiddleware signs a user out after
# SESSION_IDLE_TIMEOUT seconds without a request (SESSION_IDLE_TIMEOUT_STAFF for staff,
# who reach the admin) and SESSION_ABSOLUTE_TIMEOUT seconds after signing in, whatever the
# activity. NIST SP 800-63B asks for at most 12 hours at AAL2 and an idle limit between
# 30 minutes (revision 3) and an hour (revision 4): staff get the stricter one.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=60 * 60)
SESSION_IDLE_TIMEOUT_STAFF = env.int("SESSION_IDLE_TIMEOUT_STAFF", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
ACCOUNT_SESSION_REMEMBER = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kakehashi"
# Staff must have an authenticator app to use the admin (enforced by apps.core.admin_site).
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=True)
TERMS_VERSION = "2026-11"
# Export-control requests: the service-level target, counted in days from (re)submission,
# and how many days before it the assigned reviewer (or all reviewers) get a reminder.
WAIVER_SLA_DAYS = env.int("WAIVER_SLA_DAYS", default=90)
WAIVER_REMINDER_DAYS = env.int("WAIVER_REMINDER_DAYS", default=14)
# Where the firm onboarding wizard sends a firm when it is done.
FIRM_ONBOARDING_DONE_URL = "capabilities:mine"
# seed_demo creates accounts with a published password: never in production.
DEMO_DATA_ALLOWED = True

# --- API (read-only for now; anonymous reads are rate-limited in the shared cache) ------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 25,
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", default="60/minute"),
        "user": env("API_USER_RATE", default="600/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kakehashi API",
    "DESCRIPTION": "Published dual-use opportunities and the technology taxonomy.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Export-control documents: a separate root with no URL at all; they are read only by the
# permission-checked views of apps.waivers. In production, point it at a private bucket
# (django-storages) instead.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
PRIVATE_STORAGE = {
    "BACKEND": "apps.core.storage.PrivateFileSystemStorage",
    "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- E-mail ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Kakehashi <no-reply@kakehashi.example>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Security (production tightens these further) --------------------------------------
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Cookies: no script reads any of them (forms carry the CSRF token), so all are HttpOnly.
# SameSite=Lax rather than Strict: a signed-in user who follows a link from a portal
# e-mail (a digest, a notice) arrives signed in; cross-site POSTs never carry them.
# Production adds Secure and the __Host- prefix (portal/settings/production.py).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# No inline script or style anywhere (tests/core/test_hardening.py scans the templates and
# rendered pages); downloads add their own stricter "sandbox" policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
