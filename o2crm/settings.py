"""o2crm settings: one file, read from the environment.

Development needs nothing set: SQLite in the project folder, DEBUG on, a dev-only secret key.
Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; with those,
`manage.py check --deploy` is clean (see docs/decisions/0002-settings-from-environment.md).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as e:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from e


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-o2crm-key-never-used-in-production-3f9c1a7e5b2d4c6e8a0f"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "o2crm",  # the platform floor: its commands (backup, restore, run_worker), jobs, exports
    "accounts",
    "hospitals",
    "pipeline",
    "visits",
    "proposals",
    "reports",
    "reminders",
    "people",
    "imports",
    "relations",
    "placements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "o2crm.middleware.refuse_nul_in_query",
    "o2crm.middleware.private_answers",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.password_change_required",
    "accounts.middleware.read_only",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last, as django-axes asks: it turns a lockout raised in authenticate() into a response
    "axes.middleware.AxesMiddleware",
]

if envbool("O2CRM_BENCH", False):  # server time and query count headers for bench/run.py
    MIDDLEWARE.insert(0, "o2crm.bench.timing_middleware")

# Content-Security-Policy (django-csp): scripts only from the app's own files (htmx and
# static/js; no inline script anywhere), nothing framed, no plugins. Inline style attributes
# stay allowed: the templates size bars and charts with them, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "o2crm.urls"
WSGI_APPLICATION = "o2crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the national reports' aggregates cross its cost threshold and spent
    # much of their time compiling code that runs once (docs/decisions/0013-no-jit.md).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A small team writing at once (docs/decisions/0018-sqlite-for-a-team.md): readers never
    # wait for the writer (WAL); a transaction takes the write lock when it begins, so two
    # writers queue instead of failing halfway ("database is locked"), for up to the timeout.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("transaction_mode", "IMMEDIATE")
    options.setdefault("timeout", envint("SQLITE_BUSY_TIMEOUT", 20))
    options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    # the tests' database is a file too, so that they meet the locks users meet
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", BASE_DIR / "test-db.sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# API tokens expire this many days after they are issued; 0: only when revoked, or when the
# password changes (accounts.models.ApiToken).
API_TOKEN_DAYS = envint("API_TOKEN_DAYS", 0)

# Failed-login lockout: 5 failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# How many proxies (load balancers) stand in front of the app and append X-Forwarded-For:
# the lockout keys on the client's address they saw, not on theirs (accounts/addresses.py).
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.addresses.client_address"
AXES_VERBOSE = False

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["o2crm.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")

# Covering indexes (INCLUDE) serve PostgreSQL; SQLite keeps the key columns and that is enough.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# The company that places the plants: the "乙方" of every proposal document.
O2CRM_COMPANY_NAME = os.environ.get("O2CRM_COMPANY_NAME", "浙江氧源医疗气体有限公司")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (signed contract scans, meter photos): never served as static files; each is
# read through the view of the row it belongs to, by that row's visibility rule.
MEDIA_ROOT = os.environ.get("O2CRM_MEDIA_ROOT") or str(BASE_DIR / "media")
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

NINJA_PAGINATION_PER_PAGE = 25
NINJA_MAX_PER_PAGE_SIZE = 200  # django-ninja's name for it

SIMPLE_HISTORY_REVERT_DISABLED = True

# Background jobs (o2crm/jobs.py, decision 0024): the Tasks API's database backend, so a worker
# on any host takes them (`python manage.py run_worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# 公海: how many hospitals a sales manager may claim from the pool in 30 days.
POOL_CLAIM_LIMIT = envint("POOL_CLAIM_LIMIT", 10)
# 公海: a hospital whose projects have had no contact for this many days goes back to the pool
# (its owner warned a week before); 0 keeps hospitals with their owners (the default).
POOL_RETURN_DAYS = envint("POOL_RETURN_DAYS", 0)
# Sheets of more rows than this are checked and imported by a worker, with progress.
IMPORT_INLINE_ROWS = envint("IMPORT_INLINE_ROWS", 1000)
# Finished background exports are kept this many days, then deleted.
EXPORT_KEEP_DAYS = envint("EXPORT_KEEP_DAYS", 7)
# a list download with more rows than this is made in the background (decision 0029)
EXPORT_INLINE_ROWS = envint("EXPORT_INLINE_ROWS", 5000)

# E-mail (the reminders' e-mail channel): SMTP from the environment; without EMAIL_HOST the
# messages are printed by the worker (development).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 465)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "o2crm <noreply@localhost>")
# The address links in e-mails and robot messages point at (no request to ask there).
O2CRM_BASE_URL = os.environ.get("O2CRM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Production hardening: on unless DEBUG, each switchable for a host that terminates TLS itself.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 14 * 24 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # a group robot's address is a secret: the libraries that send to it log it at DEBUG
    # and INFO, so they never log below WARNING, whatever LOG_LEVEL says
    "loggers": {
        "apprise": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "requests": {"level": "WARNING"},
    },
}
