"""Herstelpad settings. Everything that differs between machines comes from the environment.

Environment variables:
  HERSTELPAD_ENV   development (default) | production | test
  DATABASE_URL     database URL; default: SQLite (WAL) at var/herstelpad.sqlite3
  SECRET_KEY       required in production (>= 50 characters, not an insecure default)
  ALLOWED_HOSTS    comma-separated; default 127.0.0.1,localhost
  DEBUG            true/false; default true in development, false otherwise (refused in production)
  LANGUAGE_CODE    nl (default) or en
  HERSTELPAD_HOME  folder holding var/ (database, uploads); default the source checkout
  HERSTELPAD_REQUIRE_2FA  true/false; default true in production, false in development
  HERSTELPAD_AUDIT_KEY    key for the audit trail's HMAC chain; default derived from SECRET_KEY
  HERSTELPAD_MEDIATION_KEY  Fernet key(s) of the sealed mediation compartment (victim data),
                   comma-separated: the first encrypts, every key decrypts (rotation: put the new
                   key first, run `herstelpad mediation rekey`, then drop the old one). Required
                   in production. In development and tests a key is derived from SECRET_KEY
                   with its own salt (`herstelpad-mediation-compartment`), so a development
                   database is readable only with the same SECRET_KEY.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
_checkout = PACKAGE_DIR.parent.parent
if os.environ.get("HERSTELPAD_HOME"):
    BASE_DIR = Path(os.environ["HERSTELPAD_HOME"]).resolve()
elif (_checkout / "pyproject.toml").exists():
    BASE_DIR = _checkout
else:
    BASE_DIR = Path.cwd()
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


HERSTELPAD_ENV = os.environ.get("HERSTELPAD_ENV", "development").strip().lower()
if HERSTELPAD_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"HERSTELPAD_ENV must be development, production or test, not {HERSTELPAD_ENV!r}"
    )
PRODUCTION = HERSTELPAD_ENV == "production"

INSECURE_SECRET_KEY = "django-insecure-herstelpad-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_SECRET_KEY)
DEBUG = env_bool("DEBUG", HERSTELPAD_ENV == "development")

if PRODUCTION:
    if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "HERSTELPAD_ENV=production refuses to start with an insecure SECRET_KEY: "
            "set SECRET_KEY to a random value of at least 50 characters."
        )
    if DEBUG:
        raise ImproperlyConfigured("HERSTELPAD_ENV=production refuses to start with DEBUG on.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",  # the site's name is the issuer shown in authenticator apps
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # Herstelpad, one app per part of the domain
    "herstelpad.reference",
    "herstelpad.organisations",
    "herstelpad.accounts",
    "herstelpad.audit",
    "herstelpad.participants",
    "herstelpad.plans",
    "herstelpad.consent",
    # After the dossier apps: its demo enrols the demo participants.
    "herstelpad.interventions",
    "herstelpad.mediation",
    # After participants and reference (facility stays, codes, institutions).
    "herstelpad.facilities",
    "herstelpad.imports",
    "herstelpad.reports",
    "herstelpad.web",
    "herstelpad.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "herstelpad.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "herstelpad.audit.middleware.AuditContextMiddleware",
    "herstelpad.accounts.middleware.AccessPolicyMiddleware",
    # Axes must be last: it turns lock-outs into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "herstelpad.urls"
WSGI_APPLICATION = "herstelpad.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The shell's templates first, so they override those of libraries (two-factor, admin).
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "herstelpad.web.context_processors.shell",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE_PATH = VAR_DIR / "herstelpad.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE transactions take the write lock
    # at the start, so concurrent writers queue instead of failing half-way (the audit chain
    # depends on that).
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if _db["NAME"] and _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "two_factor:login"
TWO_FACTOR_PATCH_ADMIN = False
TWO_FACTOR_REMEMBER_COOKIE_AGE = None
# Staff must enrol a TOTP device before they can use the application (production default).
REQUIRE_2FA = env_bool("HERSTELPAD_REQUIRE_2FA", PRODUCTION)
OTP_TOTP_ISSUER = "Herstelpad"
SITE_ID = 1

# Login throttling: five failures per user name and address lock for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "herstelpad.accounts.throttle.axes_username"

SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy: no inline script, no third-party origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "nl")
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
if LANGUAGE_CODE not in {code for code, _label in LANGUAGES}:
    raise ImproperlyConfigured("LANGUAGE_CODE must be nl or en")
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "herstelpad_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (prefix, NODE_MODULES / sub)
    for prefix, sub in [
        ("vendor/rhc", "@rijkshuisstijl-community/components-css/dist"),
        ("vendor/rhc-tokens", "@rijkshuisstijl-community/design-tokens/dist"),
        ("vendor/htmx", "htmx.org/dist"),
    ]
    if (NODE_MODULES / sub).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": (
        "whitenoise.storage.CompressedManifestStaticFilesStorage" if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    )},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # keeps WhiteNoise from warning

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["herstelpad.api.permissions.PolicyPermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle",
                                 "rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "5000/hour", "anon": "60/hour"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Herstelpad API",
    "DESCRIPTION": (
        "Integration API of Herstelpad. Authenticate with a token "
        "(`Authorization: Token <key>`). Every endpoint is scoped by the access policy; "
        "reads of person-level objects are recorded in the audit trail. Give a purpose "
        "with the `X-Purpose` header."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["herstelpad.api.permissions.PolicyPermission"],
}

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend" if HERSTELPAD_ENV == "test"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

# --- Audit ----------------------------------------------------------------------------------
AUDIT_KEY = os.environ.get("HERSTELPAD_AUDIT_KEY", "")

# --- The sealed mediation compartment ------------------------------------------------------
# Victim data of herstelbemiddeling is encrypted at rest (Fernet) with keys from the
# environment, never from the database. See `herstelpad.mediation.crypto`.
MEDIATION_KEYS = env_list("HERSTELPAD_MEDIATION_KEY", "")


def _check_fernet_key(position: int, key: str) -> None:
    import base64
    import binascii

    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        # Never echo the key itself.
        raise ImproperlyConfigured(
            f"HERSTELPAD_MEDIATION_KEY: key number {position} is not a Fernet key (32 bytes, "
            "URL-safe base64). Make one with: python -c \"from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())\"")


for _position, _key in enumerate(MEDIATION_KEYS, start=1):
    _check_fernet_key(_position, _key)
if PRODUCTION and not MEDIATION_KEYS:
    raise ImproperlyConfigured(
        "HERSTELPAD_ENV=production refuses to start without HERSTELPAD_MEDIATION_KEY: the "
        "mediation compartment (victim data) is encrypted with a key from the environment. "
        "Make one with: python -c \"from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())\" and keep it outside the database.")

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Request errors are logged without request bodies or parameters.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

FORM_RENDERER = "herstelpad.web.forms.FormRenderer"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
