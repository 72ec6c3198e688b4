"""Production: every secret comes from the environment, transport is secure.

The documented environment, and what ``manage.py check --deploy`` says with it:
docs/security.md, "Production settings".
"""

from django.core.exceptions import ImproperlyConfigured

from config.contact_keys import contact_keys_problems
from config.secret_key import secret_keys_problems
from config.settings.base import *  # noqa: F403
from config.settings.base import env

SECRET_KEY = env("DJANGO_SECRET_KEY")
# Old keys, still accepted when verifying what was signed before a rotation (sessions, signed
# cookies, opt-out links; invitation links are rebuilt with them). New signatures use SECRET_KEY.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
_secret_key_problems = secret_keys_problems(key=SECRET_KEY, fallbacks=SECRET_KEY_FALLBACKS)
if _secret_key_problems:
    raise ImproperlyConfigured(" ".join(_secret_key_problems))
# No default: without its own keys production would encrypt with the public development key.
CONTACT_ENCRYPTION_KEYS = env.list("CONTACT_ENCRYPTION_KEYS", default=[])
CONTACT_HASH_KEY = env("CONTACT_HASH_KEY", default="")
_contact_key_problems = contact_keys_problems(
    encryption_keys=CONTACT_ENCRYPTION_KEYS, hash_key=CONTACT_HASH_KEY
)
if _contact_key_problems:
    raise ImproperlyConfigured(" ".join(_contact_key_problems))

DEBUG = False
# Demo users have published passwords and the demo source system a published API key.
DEMO_DATA_ALLOWED = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# HSTS: a day by default. Including subdomains and asking for the browsers' preload list are
# commitments for the whole domain (every subdomain must serve HTTPS, and leaving the preload
# list takes months), so they are off until the environment turns them on; the documented
# production environment does (docs/security.md).
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
