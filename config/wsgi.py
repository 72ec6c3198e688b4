"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their libraries: a few hundred thousand objects)
# lives as long as the process. Moving it out of the collector's generations means a full
# collection no longer walks it on every request that allocates a lot (an event batch, a
# submit); the Python documentation recommends this for servers that load then serve.
gc.collect()
gc.freeze()
