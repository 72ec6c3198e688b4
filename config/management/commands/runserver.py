"""``runserver`` that reads chunked request bodies (``config.devserver``); static files stay
with WhiteNoise, as ``whitenoise.runserver_nostatic`` (listed after ``config``) sets up."""

from whitenoise.runserver_nostatic.management.commands.runserver import Command as WhiteNoiseRunserver

from config.devserver import ChunkedWSGIServer


class Command(WhiteNoiseRunserver):
    server_cls = ChunkedWSGIServer
