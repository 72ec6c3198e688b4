"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

from config.wsgi_input import TerminatedInputMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

# A chunked body (no Content-Length) is read, within DATA_UPLOAD_MAX_MEMORY_SIZE: Django alone
# would read it as empty (config/wsgi_input.py).
application = TerminatedInputMiddleware(get_wsgi_application())

# Everything loaded so far (Django, the apps, their libraries: a few hundred thousand objects)
# lives as long as the process. Moving it out of the collector's generations means a full
# collection no longer walks it on every request that allocates a lot (an event batch, a
# submit); the Python documentation recommends this for servers that load then serve.
gc.collect()
gc.freeze()
