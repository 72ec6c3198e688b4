"""``manage.py simulate --rate N``: keep posting order events to the events API, so the funnel
moves while a person watches (`make run` in another terminal).

The events go over HTTP with the demo source's key, through the same API and rules as any
source system's; the answer of each post is tallied on one status line. Ctrl-C stops it.
"""

import json
import random
import time
import urllib.parse
from http.client import HTTPConnection, HTTPException, HTTPSConnection

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from responses.demo import DEMO_API_KEY, DEMO_SOURCE
from responses.simulation import Simulation, Tally, batches, order_event


class Command(BaseCommand):
    help = "Post simulated order events to the events API at a steady rate (the demo's source key)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rate", type=float, default=2.0, help="events per second (default 2)")
        parser.add_argument("--count", type=int, default=0, help="stop after this many (0: until Ctrl-C)")
        parser.add_argument("--url", default="", help="the site (default: SITE_URL)")
        parser.add_argument("--key", default=DEMO_API_KEY, help="the source's API key (default: the demo's)")
        parser.add_argument("--source", default=DEMO_SOURCE, help="the source's name (default: the demo's)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--prefix", default="", help="external ids start with this (default: sim-<time>)")

    def handle(self, *args, **options) -> None:
        if options["rate"] <= 0:
            raise CommandError("--rate must be a positive number of events per second")
        if options["count"] < 0:
            raise CommandError("--count must be 0 (no limit) or more")
        site = urllib.parse.urlsplit(options["url"] or settings.SITE_URL)
        if site.scheme not in ("http", "https") or not site.hostname:
            raise CommandError(f"--url must be an http(s) address, not {options['url']!r}")
        connection_class = HTTPSConnection if site.scheme == "https" else HTTPConnection
        path = site.path.rstrip("/") + "/api/v1/events/"
        sim = Simulation(
            source=options["source"],
            prefix=options["prefix"] or f"sim-{int(time.time())}",
            seed=options["seed"],
        )
        rng = random.Random(sim.seed)  # noqa: S311 - simulated orders, not secrets
        tally = Tally()
        posted, limit = 0, options["count"]
        self.stdout.write(
            f"Posting about {options['rate']:g} events/s to {site.scheme}://{site.netloc}{path}"
        )
        started = time.monotonic()
        try:
            for tick, size in enumerate(batches(options["rate"])):
                if limit:
                    size = min(size, limit - posted)
                if size:
                    now = timezone.now()
                    items = [order_event(sim, rng, posted + i + 1, now) for i in range(size)]
                    results = self._post(connection_class, site, path, options["key"], items)
                    tally.add(results)
                    posted += size
                    self.stdout.write(f"\r{posted} posted | {tally.line()}", ending="")
                    self.stdout.flush()
                if limit and posted >= limit:
                    break
                # Keep to the clock, not to the time each post took.
                time.sleep(max(0.0, started + tick + 1 - time.monotonic()))
        except KeyboardInterrupt:
            pass
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"{posted} events posted. {tally.line()}"))

    def _post(self, connection_class, site, path: str, key: str, items: list[dict]) -> list[dict]:
        body = json.dumps({"events": items}, ensure_ascii=False).encode()
        connection = connection_class(site.hostname, site.port, timeout=30)
        try:
            connection.request(
                "POST",
                path,
                body=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            payload = response.read()
        except (OSError, HTTPException) as exc:
            raise CommandError(f"Cannot reach {site.geturl()}: {exc}. Is `make run` running?") from exc
        finally:
            connection.close()
        if response.status != 200:
            text = payload[:500].decode(errors="replace")
            raise CommandError(f"The events API answered {response.status}: {text}")
        return json.loads(payload)["results"]
