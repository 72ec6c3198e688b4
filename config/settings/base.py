"""Settings shared by every environment; each value can be set from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.contact_keys import DEVELOPMENT_ENCRYPTION_KEY, DEVELOPMENT_HASH_KEY

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me")
# Previous secret keys, comma-separated: what was signed with them (sessions, signed cookies,
# opt-out and invitation links) still verifies; new signatures use SECRET_KEY. docs/security.md.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The absolute address respondents' links are built on (emails, SMS, webhooks, API answers).
# Respondents' email and phone are encrypted at rest (Fernet; the first key encrypts, all decrypt)
# and looked up by a keyed hash (HMAC-SHA256). Development and tests fall back to fixed public
# keys; production refuses to start without its own (config/contact_keys.py, docs/operations.md).
CONTACT_ENCRYPTION_KEYS = env.list("CONTACT_ENCRYPTION_KEYS", default=[DEVELOPMENT_ENCRYPTION_KEY])
CONTACT_HASH_KEY = env("CONTACT_HASH_KEY", default=DEVELOPMENT_HASH_KEY)

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Key of the HMAC that derives respondent tokens (responses/tokens.py); empty: derived from
# SECRET_KEY. When changing it, keep the old one in INVITATION_TOKEN_KEY_FALLBACKS (comma-separated)
# until the links sent with it have expired, or they stop working.
INVITATION_TOKEN_KEY = env("INVITATION_TOKEN_KEY", default="")
INVITATION_TOKEN_KEY_FALLBACKS = env.list("INVITATION_TOKEN_KEY_FALLBACKS", default=[])
# Whether the demo commands (demo_load and what it calls) may write their users, whose passwords
# are published, and a source system with a published API key. False in production.
DEMO_DATA_ALLOWED = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before whitenoise: its runserver command reads chunked request bodies (config/devserver.py).
    "config",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI and Redoc served from this site's static files, never from a CDN.
    "drf_spectacular_sidecar",
    # Failed logins per client address, lockout with a cool-off (docs/security.md).
    "axes",
    "surveys",
    "responses",
    "analysis",
    "exports",
    "workspace",
    "cases",
    "ops",
]

MIDDLEWARE = [
    # First: one log line per request with its id and time (covering every other middleware).
    "config.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A body declared in a codec that is no text encoding (rot13) is a 400, before anything reads it.
    "config.middleware.request_charset_middleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Sends a Content-Security-Policy only for views that declare one (the respondent pages,
    # RESPONDENT_CONTENT_SECURITY_POLICY below); other pages are unchanged.
    "config.middleware.CSPMiddleware",
    # Turns a login refused by axes (too many failures from the address) into its 429 answer.
    "config.middleware.LoginLockoutMiddleware",
]
# axes.W002 asks for axes' own middleware by name; LoginLockoutMiddleware is a leaner subclass.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

# AxesStandaloneBackend first: it refuses a locked-out address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# DATABASE_URL unset: an SQLite file beside the code, so a fresh machine needs no server.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The respondent pages' per-request statements run as server-side prepared statements on
# PostgreSQL (responses/sql/answering.py). Turn off behind a connection pooler that cannot keep them
# (PgBouncer before 1.21 in transaction mode).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)


def database_prepared_statements_allow(database: dict) -> None:
    """Let ``prepared_cursor`` prepare on this PostgreSQL database (when the setting is on).

    Django turns psycopg's preparation off (threshold None). With a number, only the statements
    run through ``prepared_cursor`` are prepared: Django's own cursors bind on the client side
    and never prepare, whatever the threshold.
    """
    if DATABASE_PREPARED_STATEMENTS and database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 1_000_000)


# PostgreSQL's JIT compiles a query whose estimated cost is high (the grouped reads of a 90-day
# scope) and spends 50-70 ms doing it, more than the query runs: off for this application's
# connections. Behind a pooler that refuses startup options (PgBouncer), set ``jit = off`` in
# postgresql.conf and DATABASE_JIT=true here. docs/operations.md, "Databases".
DATABASE_JIT = env.bool("DATABASE_JIT", default=False)

# Independent reads of one request (a pain-point report's comment sample, coverage and pair rows
# beside its counts) run on connections of their own on PostgreSQL (``ops.databases.alongside``):
# a request may then hold up to four connections at once. docs/operations.md, "Databases".
DATABASE_SIDE_READS = env.bool("DATABASE_SIDE_READS", default=True)


def database_jit_off(database: dict) -> None:
    """Turn PostgreSQL's JIT off on this database's connections (unless ``DATABASE_JIT``)."""
    if not DATABASE_JIT and database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()


database_prepared_statements_allow(DATABASES["default"])
database_jit_off(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Simplified Chinese first, English second. Survey content carries its own
# locale maps; SURVEY_LOCALES lists the locales a survey may declare (a third one is a settings
# change, not a schema change).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
SURVEY_LOCALES = env.list("SURVEY_LOCALES", default=["zh-hans", "en"])
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "voc_language"
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
# Number and date formats of a language where the platform's differ from Django's
# (config/formats/zh_Hans: 12,345 and 5月4日). Numbers are grouped where a page asks for it
# (workspace_format's filters), not everywhere: USE_THOUSAND_SEPARATOR would also group ids.
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
# Files of background exports (exports app). Never under a URL: each file is served by the API
# to the user who made it. Shared by the web and worker machines (a network volume) at scale.
EXPORTS_ROOT = Path(env("EXPORTS_ROOT", default=str(MEDIA_ROOT / "exports")))

LOGIN_URL = "admin:login"

# Email: a file backend by default so a person running the demo can read what was sent.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="survey@voc.local")

# Redis: broker and cache. Unset, the local default; `make run` starts an embedded server and
# sets REDIS_URL for every process it starts.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Seconds a web request waits for Redis (connect, then each reply) before it goes on without it:
# the throttle counters and the analysis hand-off fail open (docs/operations.md).
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)
# After a failure, calls of that kind skip Redis for this long (one slow request per window).
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=10.0)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": REDIS_SOCKET_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT},
    }
}

# Celery: one app, three queues split by workload; JSON only; every task has time limits.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Long waits are rows swept by beat, never broker ETAs; the visibility timeout only has to
# outlast the longest task.
# Socket timeouts: without them a publish to a Redis that stopped answering (failover, a full
# network path) waits forever; the read timeout stays above the workers' 1 s BRPOP.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
}
CELERY_TASK_ROUTES = {
    # Before "responses.*": a long retention run must not hold up the sends.
    "responses.retention_run": {"queue": "default"},
    "responses.*": {"queue": "distribution"},
    "analysis.*": {"queue": "analysis"},
    "surveys.*": {"queue": "default"},
    "exports.*": {"queue": "default"},
    "cases.*": {"queue": "default"},
    "workspace.*": {"queue": "default"},
}
# Periodic tasks, all in one place. Apps add their entries here, never elsewhere.
CELERY_BEAT_SCHEDULE: dict = {
    # A row in the database that /healthz/worker reads: beat, the broker and a worker all ran.
    "ops-heartbeat": {"task": "ops.heartbeat_record", "schedule": 60.0},
    # Invitations: due sends (deferred, retried, or whose worker died), reminders, expiry.
    "responses-dispatch-due": {"task": "responses.invitations_dispatch_due", "schedule": 30.0},
    # Analysis: completed responses handed over by submits (backup of the scheduled drain), and
    # any whose hand-off was lost (see analysis/services/pending.py).
    "analysis-pending-drain": {"task": "analysis.pending_drain", "schedule": 30.0},
    "analysis-unanalysed-sweep": {"task": "analysis.unanalysed_sweep", "schedule": 3600.0},
    "responses-remind-due": {"task": "responses.invitations_remind_due", "schedule": 300.0},
    "responses-expire": {"task": "responses.invitations_expire", "schedule": 600.0},
    # Analysis: emerging topics daily, the detractor model weekly (both at night, Shanghai time).
    "analysis-emerging-discover": {
        "task": "analysis.emerging_discover",
        "schedule": crontab(hour=3, minute=10),
    },
    "analysis-detractor-train": {
        "task": "analysis.detractor_model_train",
        "schedule": crontab(hour=4, minute=20, day_of_week="mon"),
    },
    # Cases: overdue ones escalate (mail the team lead, mark the level, once per level).
    "cases-escalate": {"task": "cases.cases_escalate", "schedule": 300.0},
    # The weekly digest: every 15 minutes, to the owners whose local time is Monday 09:00 on and
    # who have not had this week's (docs/digest.md).
    "workspace-digests-send-due": {
        "task": "workspace.digests_send_due",
        "schedule": crontab(minute="*/15"),
    },
    "cases-evaluate-sweep": {"task": "cases.responses_evaluate_sweep", "schedule": 300.0},
    # Retention: surveys with retention on anonymise or delete their old responses (at night).
    "responses-retention": {"task": "responses.retention_run", "schedule": crontab(hour=2, minute=40)},
}

# Cases: the highest escalation level an overdue case reaches (one level per SLA period late).
CASES_ESCALATION_MAX_LEVEL = env.int("CASES_ESCALATION_MAX_LEVEL", default=3)
# Only responses completed within this many days open cases: re-analysing a survey's history
# (after a taxonomy edit) evaluates the rules again, and answers older than this are past
# following up.
CASES_OPEN_WITHIN_DAYS = env.int("CASES_OPEN_WITHIN_DAYS", default=14)
# The weekly digest leaves on Monday from this hour on, in each reader's time zone.
DIGEST_SEND_HOUR = env.int("DIGEST_SEND_HOUR", default=9)
# The sweep of analysed responses the rules never saw (a hand-over lost while the broker was
# down): those completed more than this many minutes ago (the normal path has had its chance),
# at most this many per run (every 5 minutes).
CASES_SWEEP_GRACE_MINUTES = env.int("CASES_SWEEP_GRACE_MINUTES", default=10)
CASES_SWEEP_BATCH = env.int("CASES_SWEEP_BATCH", default=1000)

# Analysis: segment keys counted in the daily aggregates (a dashboard filter on one of these is
# answered from aggregates; any other attribute falls back to scanning ResponseFacts). Each key
# adds rows per response: keep high-cardinality ids (rider_id, store_id) out. docs/scaling.md.
ANALYSIS_SEGMENT_KEYS = env.list(
    "ANALYSIS_SEGMENT_KEYS",
    default=["city", "district_type", "merchant_type", "scenario", "channel", "respondent_type", "locale"],
)

# Seconds a count table of a scope (the aggregates or facts summed for the pain points, metrics
# and workspace pages) stays in the cache. Entries are keyed by the survey's counts version,
# which every write of its facts and aggregates replaces, so they are never older than the rows;
# this bounds only how long an unread entry takes memory. 0 turns the cache off.
ANALYSIS_COUNTS_CACHE_SECONDS = env.int("ANALYSIS_COUNTS_CACHE_SECONDS", default=600)

# Seconds between the first submit of a burst and the task that hands the burst's responses to
# the analysis queue in batches (analysis/services/pending.py).
ANALYSIS_PENDING_DELAY = env.float("ANALYSIS_PENDING_DELAY", default=1.0)

# Emerging topics: a cluster holding more than this share of a scope's clustered comments is
# stored as its sub-topics when it has any, each of at least ANALYSIS_SUBTOPIC_MIN_SIZE comments
# (analysis/clustering.py). A share of 1 turns sub-topics off.
ANALYSIS_SUBTOPIC_SHARE = env.float("ANALYSIS_SUBTOPIC_SHARE", default=0.2)
ANALYSIS_SUBTOPIC_MIN_SIZE = env.int("ANALYSIS_SUBTOPIC_MIN_SIZE", default=30)

# At most this many BLAS/OpenMP threads per clustering fit (k-means, SVD) in any process that
# clusters (workers, the painpoints command); 0 leaves the libraries' defaults (one per core).
# One thread is the fast choice on a shared host: docs/analysis-platform.md.
ANALYSIS_CLUSTERING_THREADS = env.int("ANALYSIS_CLUSTERING_THREADS", default=1)
if ANALYSIS_CLUSTERING_THREADS < 0:
    raise ImproperlyConfigured(
        "ANALYSIS_CLUSTERING_THREADS must be 0 (the libraries' defaults) or more, "
        f"not {ANALYSIS_CLUSTERING_THREADS}"
    )

# Health endpoints (ops/views.py): each dependency check of /healthz gives up after this many
# seconds; /healthz/worker answers 503 when the beat heartbeat is older than the max age.
HEALTHZ_TIMEOUT_SECONDS = env.float("HEALTHZ_TIMEOUT_SECONDS", default=0.5)
HEALTHZ_BEAT_MAX_AGE_SECONDS = env.int("HEALTHZ_BEAT_MAX_AGE_SECONDS", default=180)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "responses.authentication.GuardedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The API takes JSON only (nested locale maps and lists have no form encoding); any other
    # content type is a 415 with the error body.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "respondent": "60/min",
        "anon": "120/min",
        # Failed API credentials (user tokens, source-system keys) per client address; past it,
        # 429 until the window ends, even with the right credentials (responses/authentication.py).
        "auth_failure": env("API_AUTH_FAILURE_RATE", default="20/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Every list: {"count", "next", "previous", "results"}; ?page= and ?page_size= (at most the max).
    "DEFAULT_PAGINATION_CLASS": "config.pagination.ApiPagination",
}
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=500)

SPECTACULAR_SETTINGS = {
    "TITLE": "Voice of Customer API",
    "DESCRIPTION": "Bilingual surveys after service events, and the pain points they reveal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads Swagger UI from this site's static files (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The survey audience and the respondent type share one choice set: one schema name for both.
    "ENUM_NAME_OVERRIDES": {
        "RespondentTypeEnum": "surveys.models.Audience",
        # A respondent's locale and a survey's locales: one choice set, one name.
        "LocaleEnum": [(code, code) for code in SURVEY_LOCALES],
        # A question's kind keeps its name beside the kind of an export.
        "KindEnum": "surveys.models.Question.Kind",
        # A follow-up case's status, and the process stage (a topic's, a case's root cause).
        "CaseStatusEnum": "cases.models.Case.Status",
        "StageEnum": "analysis.models.Topic.Stage",
    },
    # 401, 403, 404, 429 (and 400) with the error body on every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.error_responses_hook",
    ],
}

# Largest API request body accepted (event batches of up to 1,000 items fit well inside).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
# Django's own logging adds a console handler to "django" under DEBUG, and its records also
# reach the root's: each 4xx was printed twice. "django" logs through the root's handler
# only; a 4xx is one line without a traceback (config/log_filters.py).
# Logs: one line per request (voc.request) and per Celery task (voc.task), in plain text or, with
# LOG_FORMAT=json, one JSON object per line carrying request_id, user, task_id and task_name.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {
        "client_error_one_line": {"()": "config.log_filters.ClientErrorOneLine"},
        "context": {"()": "ops.log_context.ContextFilter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.request": {"filters": ["client_error_one_line"], "level": LOG_LEVEL, "propagate": True},
        # voc.task says it once: Celery's own "received" and "succeeded in" lines are left out.
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
    },
}
# The worker logs through LOGGING above, not Celery's own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# /metrics (Prometheus) answers only these addresses or networks; the scraper connects directly.
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=["127.0.0.1", "::1"])

# Error reporting: with a DSN, errors of the web and worker processes go to Sentry (no personal
# data: send_default_pii stays off).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

ADMIN_SITE_HEADER = _("Voice of Customer")

# Distribution: channels by name (a dotted class path each; swap one without code changes),
# their providers, and the retry and claim policy of distribution/delivery.py.
DELIVERY_CHANNELS = {
    "email": "responses.channels.email.EmailChannel",
    "sms": "responses.channels.sms.SmsChannel",
    "webhook": "responses.channels.webhook.WebhookChannel",
    "link": "responses.channels.link.LinkChannel",
    **env.json("DELIVERY_CHANNELS", default={}),
}
SMS_BACKEND = env("SMS_BACKEND", default="responses.channels.sms.FileSmsBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms"))
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_API_KEY = env("SMS_GATEWAY_API_KEY", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)
# In-app push: the URL to POST invitations to, per event source ({"order-platform": "https://..."}),
# and the shared secret of the X-Signature-256 HMAC.
WEBHOOK_URLS = env.json("WEBHOOK_URLS", default={})
WEBHOOK_SECRET = env("WEBHOOK_SECRET", default="")
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# Attempts per channel before falling back to the rule's next channel; backoff base * 2^(n-1).
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=3)
DELIVERY_RETRY_BASE_SECONDS = env.int("DELIVERY_RETRY_BASE_SECONDS", default=60)
DELIVERY_RETRY_MAX_SECONDS = env.int("DELIVERY_RETRY_MAX_SECONDS", default=3600)
# A claimed send is not taken over before this many seconds; keep it above the send task's hard
# time limit (90 s) so only a dead worker's claim is ever taken over.
DELIVERY_CLAIM_TIMEOUT_SECONDS = env.int("DELIVERY_CLAIM_TIMEOUT_SECONDS", default=300)
DELIVERY_SWEEP_BATCH = env.int("DELIVERY_SWEEP_BATCH", default=1000)
# Ids per send task enqueued by ingestion and the sweep: one claim for the whole task.
DELIVERY_SEND_BATCH = env.int("DELIVERY_SEND_BATCH", default=50)
# Sent rows of a batch get their status at least this often. 0 (the default): after every
# send, so a killed worker resends nothing; more: fewer writes, but a crash can resend (with the
# same message id) what went out in the last interval.
DELIVERY_MARK_INTERVAL_SECONDS = env.float("DELIVERY_MARK_INTERVAL_SECONDS", default=0.0)
DELIVERY_SWEEP_GRACE_SECONDS = env.int("DELIVERY_SWEEP_GRACE_SECONDS", default=60)

# Respondent pages (/s/<token>/, /o/<slug>/): their Content-Security-Policy (no inline script or
# style, nothing from other hosts) and throttles per client IP and per token, as "N/period".
RESPONDENT_CONTENT_SECURITY_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}
RESPONDENT_THROTTLE_RATES = env.json(
    "RESPONDENT_THROTTLE_RATES",
    default={"page_ip": "300/min", "post_ip": "120/min", "post_token": "60/min"},
)
# The site's own reverse proxies (addresses or CIDR networks, comma-separated in the
# environment: "10.0.0.0/8,2001:db8::/32"). The client address of the throttles is read from
# X-Forwarded-For only when the request comes from one of these; empty: REMOTE_ADDR, always.
# responses/client_address.py.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Brute-force protection of password logins (the admin, which is also the workspace's login):
# django-axes counts failures per client address (the same address the throttles use, behind
# TRUSTED_PROXIES) and refuses that address, right password or not, for the cool-off.
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "responses.authentication.login_client_ip"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# Not reset by a success: somebody with one working account could otherwise clear the count
# between guesses at another. Failures older than the cool-off no longer count.
AXES_RESET_ON_SUCCESS = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_COOLOFF_MESSAGE = _("Too many failed logins from your address. Please try again later.")
# Log lockouts by the address only (no usernames or user agents), and no banner at startup.
AXES_VERBOSE = False
