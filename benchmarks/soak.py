"""Soak: events at a steady rate while respondents answer and the analysis runs, for N minutes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_soak \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python benchmarks/soak.py \\
        [--minutes 2] [--rate 20] [--answer-share 0.6]

Starts, on 127.0.0.1 only, a real gunicorn (gunicorn.conf.py: gthread workers), a Celery worker
on every queue (distribution, analysis, default) and beat, as subprocesses, with the file mail
and SMS backends writing into a temporary folder (PROMETHEUS_MULTIPROC_DIR is passed through when
set). Then, for --minutes:

- one loop posts `order.delivered` events (responses/simulation.py's `order_event`, paced by
  `batches`) through `POST /api/v1/events/` with the demo source's key, one post per --tick;
- a second loop reads the mails and SMS as they are written, opens their survey links
  (`GET /s/<token>/`) and submits an answer (`POST /s/<token>/`, as benchmarks/respondent_load.py
  does), which hands the response to the analysis queue;
- a probe GETs Django's minimal view (benchmarks/bench_urls.py) twice a second: the floor of
  the latencies, on the same server at the same moment;
- every --sample seconds: queue depths (ops.health.queue_depths), invitations by status,
  responses completed and analysed.

Then it drains (bounded by --drain seconds: queues empty, nothing due unsent, no response left
unanalysed) and checks:

- every event the API accepted is stored, and every stored event has exactly one decision (an
  invitation or a suppression);
- that decision is the one the rules give (rule, reason, channels and expiry): every event is
  decided again with the same engine (`event_decide`; the respondent's contact data merged as
  ingestion merges it, fatigue and quota counts carried from the events before it, `now` the
  event's stored `received_at`), in the order the events were posted;
- no message id (the invitation's) was mailed or texted twice, and every sent invitation has
  exactly one message;
- every completed response was analysed exactly once (ResponseFacts = completed responses) and
  every submit the server answered 302 is a completed response.

It prints the samples, a summary table and a JSON report, and exits 1 when a check fails.
The rule: email then SMS, no delay, 1-day fatigue, 90 % sampling, at most --quota invitations
per city and day (the first 20 bypass sampling), so every kind of decision occurs.
"""

import argparse
import datetime as dt
import email
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from _setup import ROOT, django_setup, machine, survey_with_rule
from latency import duplicates, latency_summary, text_table

SURVEY_KEY = "bench-soak"
BROWSER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
TOKEN_LINK = re.compile(r"/s/(?!optout/)([A-Za-z0-9_-]{20,})/")
FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
COMMENTS = (
    "骑手态度很好，送得很快",
    "餐洒了，包装太差",
    "配送太慢了，等了一个小时",
    "The rider was late and rude",
    "",
)


class Client:
    """One keep-alive connection to the server; reconnects after an error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                reply = self.connection.getresponse()
                payload = reply.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if reply.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return reply, payload, time.perf_counter() - started
        raise AssertionError("unreachable")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_messages(folder: Path, *, sms: bool, settled_before: float | None = None) -> list[dict]:
    """Every message written in ``folder``: its id, recipient and survey token.

    The file backend writes one file per connection (messages separated by a line of 79 dashes);
    the SMS file backend one file per message. ``settled_before`` skips files modified later
    (still being written)."""
    found = []
    for path in sorted(folder.glob("*")):
        if path.suffix == ".tmp" or (settled_before and path.stat().st_mtime > settled_before):
            continue
        raw = path.read_bytes()
        if sms:
            head, _blank, text = raw.decode("utf-8").partition("\n\n")
            fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
            match = TOKEN_LINK.search(text)
            found.append(
                {"file": path.name, "id": fields.get("Message-ID", ""), "to": fields.get("To", ""),
                 "token": match.group(1) if match else ""}
            )  # fmt: skip
            continue
        for chunk in raw.split(MAIL_SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk)
            text = ""
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    text += part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            match = TOKEN_LINK.search(text)
            found.append(
                {"file": path.name, "id": message.get("Message-ID", "").strip("<>").partition("@")[0],
                 "to": message.get("To", ""), "token": match.group(1) if match else ""}
            )  # fmt: skip
    return found


class Soak:
    def __init__(self, args, port: int, folder: Path, prefix: str) -> None:
        self.args = args
        self.port = port
        self.mail = folder / "mail"
        self.sms = folder / "sms"
        self.prefix = prefix
        self.latencies: dict[str, list[float]] = {"events": [], "page": [], "submit": [], "minimal": []}
        self.statuses: dict[str, Counter] = {name: Counter() for name in self.latencies}
        self.posted: list[list[dict]] = []  # the batches, in the order they were posted
        self.accepted: set[str] = set()
        self.decisions = Counter()
        self.samples: list[dict] = []
        self.submitted = 0
        self.started = time.monotonic()
        self.events_seconds = 0.0  # from the first post to the end of the events loop
        self.stop = threading.Event()

    # --- the loops -------------------------------------------------------------------------

    def post_events(self, until: float) -> None:
        from responses.demo import DEMO_API_KEY, DEMO_SOURCE
        from responses.simulation import Simulation, batches, order_event

        sim = Simulation(
            source=DEMO_SOURCE, prefix=self.prefix, seed=self.args.seed, customers=self.args.customers
        )
        rng = random.Random(sim.seed)
        client = Client(self.port)
        headers = {"Authorization": f"Bearer {DEMO_API_KEY}", "Content-Type": "application/json"}
        number = 0
        started = time.monotonic()
        for tick, size in enumerate(batches(self.args.rate, tick=self.args.tick)):
            if time.monotonic() >= until:
                break
            if size:
                now = dt.datetime.now(dt.UTC)
                items = [order_event(sim, rng, number + i + 1, now) for i in range(size)]
                number += size
                self.posted.append(items)
                body = json.dumps({"events": items}, ensure_ascii=False).encode()
                try:
                    reply, payload, seconds = client.request("POST", "/api/v1/events/", body, headers)
                except (OSError, http.client.HTTPException):
                    self.statuses["events"]["error"] += 1
                    continue
                self.latencies["events"].append(seconds)
                self.statuses["events"][reply.status] += 1
                if reply.status == 200:
                    for result in json.loads(payload)["results"]:
                        if result["status"] == "accepted":
                            self.accepted.add(result["external_id"])
                            for decision in result["invitations"]:
                                self.decisions[decision.get("reason") or decision["status"]] += 1
            time.sleep(max(0.0, started + (tick + 1) * self.args.tick - time.monotonic()))
        self.events_seconds = time.monotonic() - started

    def answer(self, until: float) -> None:
        """Open the links of the messages written so far and answer some of them."""
        rng = random.Random(self.args.seed + 1)
        client = Client(self.port)
        seen: set[str] = set()
        while time.monotonic() < until:
            settled = time.time() - 0.3
            fresh = []
            for folder, sms in ((self.mail, False), (self.sms, True)):
                for message in read_messages(folder, sms=sms, settled_before=settled):
                    if message["token"] and message["token"] not in seen:
                        seen.add(message["token"])
                        fresh.append(message["token"])
            for token in fresh:
                if time.monotonic() >= until:
                    return
                if rng.random() >= self.args.answer_share:
                    continue
                self._answer_one(client, token, rng)
            time.sleep(0.5)

    def _answer_one(self, client: Client, token: str, rng: random.Random) -> None:
        headers = {"User-Agent": BROWSER, "Accept-Language": "zh-CN,zh;q=0.9"}
        try:
            reply, payload, seconds = client.request("GET", f"/s/{token}/", headers=headers)
        except (OSError, http.client.HTTPException):
            self.statuses["page"]["error"] += 1
            return
        self.latencies["page"].append(seconds)
        self.statuses["page"][reply.status] += 1
        cookie = next(
            (
                c.split(";", 1)[0]
                for c in reply.headers.get_all("Set-Cookie") or []
                if c.startswith("csrftoken=")
            ),
            "",
        )
        form = FORM_TOKEN.search(payload.decode("utf-8", "replace"))
        if reply.status != 200 or not cookie or not form:
            return
        fields = {"q_nps": str(rng.randint(0, 10)), "locale": "zh-hans", "csrfmiddlewaretoken": form.group(1)}
        comment = rng.choice(COMMENTS)
        if comment:
            fields["q_why"] = comment
        body = urllib.parse.urlencode(fields).encode()
        try:
            reply, _payload, seconds = client.request(
                "POST", f"/s/{token}/", body,
                {**headers, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
        except (OSError, http.client.HTTPException):
            self.statuses["submit"]["error"] += 1
            return
        self.latencies["submit"].append(seconds)
        self.statuses["submit"][reply.status] += 1
        if reply.status == 302:
            self.submitted += 1

    def probe(self, until: float) -> None:
        client = Client(self.port)
        while time.monotonic() < until:
            try:
                reply, _payload, seconds = client.request("GET", "/bench/minimal/")
                self.latencies["minimal"].append(seconds)
                self.statuses["minimal"][reply.status] += 1
            except (OSError, http.client.HTTPException):
                self.statuses["minimal"]["error"] += 1
            time.sleep(0.5)

    def sample(self, started: float) -> dict:
        from django.db.models import Count

        from analysis.models import ResponseFacts
        from ops.health import queue_depths
        from responses.models import Invitation, Response

        run = {"event__source": "order-platform", "event__external_id__startswith": f"{self.prefix}-"}
        statuses = dict(
            Invitation.objects.filter(**run)
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        responses = Response.objects.filter(**{f"invitation__{k}": v for k, v in run.items()})
        completed = responses.filter(status="completed").count()
        analysed = ResponseFacts.objects.filter(response__in=responses).count()
        row = {
            "t": round(time.monotonic() - started, 1),
            "events_posted": sum(len(batch) for batch in self.posted),
            "queues": queue_depths(),
            "invitations": statuses,
            "completed": completed,
            "analysed": analysed,
        }
        self.samples.append(row)
        return row

    def sampler(self, started: float, until: float) -> None:
        from django.db import connection

        while time.monotonic() < until and not self.stop.is_set():
            self._print_sample(self.sample(started))
            self.stop.wait(self.args.sample)
        connection.close()

    @staticmethod
    def _print_sample(row: dict) -> None:
        queues = " ".join(f"{name}={depth}" for name, depth in row["queues"].items())
        invitations = " ".join(f"{name}={n}" for name, n in sorted(row["invitations"].items()))
        print(
            f"t={row['t']:>6}s events={row['events_posted']:>6} queues[{queues}] "
            f"invitations[{invitations}] completed={row['completed']} analysed={row['analysed']}",
            flush=True,
        )

    # --- drain and check -------------------------------------------------------------------

    def drained(self) -> bool:
        from django.utils import timezone

        from analysis.services.pending import pending_count
        from responses.models import Invitation

        row = self.sample(self.started)
        unsent = Invitation.objects.filter(
            event__external_id__startswith=f"{self.prefix}-", status="scheduled", due_at__lte=timezone.now()
        ).count()
        return (
            not any(row["queues"].values())
            and unsent == 0
            and pending_count() == 0
            and row["analysed"] == row["completed"]
        )

    def check(self) -> tuple[list[str], dict]:
        from django.conf import settings

        from analysis.models import ResponseFacts
        from responses import selectors
        from responses.distribution.dry_run import respondent_as_merged
        from responses.distribution.ingestion import event_facts
        from responses.distribution.rules import PastInvitation, event_decide
        from responses.models import Invitation, Response, ServiceEvent, Suppression
        from responses.services.validation import event_validate

        failures: list[str] = []
        stored = {
            external_id: (pk, received)
            for pk, external_id, received in ServiceEvent.objects.filter(
                source="order-platform", external_id__startswith=f"{self.prefix}-"
            ).values_list("id", "external_id", "received_at")
        }
        if set(stored) != self.accepted:
            failures.append(
                f"events: {len(self.accepted)} accepted by the API, {len(stored)} stored, "
                f"{len(self.accepted - set(stored))} accepted but missing, "
                f"{len(set(stored) - self.accepted)} stored but not answered accepted"
            )
        ids = [pk for pk, _received in stored.values()]
        invitations: dict[int, list[tuple]] = {}
        for row in Invitation.objects.filter(event_id__in=ids).values_list(
            "event_id", "rule_id", "channels", "expires_at", "public_id", "status", "sent_at"
        ):
            invitations.setdefault(row[0], []).append(row)
        suppressions: dict[int, list[tuple]] = {}
        for row in Suppression.objects.filter(event_id__in=ids).values_list("event_id", "rule_id", "reason"):
            suppressions.setdefault(row[0], []).append(row)
        not_one = [pk for pk in ids if len(invitations.get(pk, [])) + len(suppressions.get(pk, [])) != 1]
        if not_one:
            failures.append(
                f"{len(not_one)} events without exactly one decision (first event id {not_one[0]})"
            )

        # Decide every event again, in the order posted, with the same engine and inputs.
        rules = selectors.rule_specs_load()
        default_tz = settings.TIME_ZONE
        respondents: dict[tuple[str, str], object] = {}
        history: dict[tuple[str, str], list[PastInvitation]] = {}
        counts: dict = {}
        differ: list[str] = []
        replayed = 0
        for batch in self.posted:
            found = [(item, stored[item["external_id"]]) for item in batch if item["external_id"] in stored]
            valid = [
                (event_validate(item, now=received, allowed_source=None), pk, received)
                for item, (pk, received) in found
            ]
            # Ingestion merges the whole batch's contact data before deciding any of its events.
            for event, _pk, _received in valid:
                key = (event.respondent.type, event.respondent.ref)
                respondents[key] = respondent_as_merged(respondents.get(key), event)
            for event, pk, received in valid:
                key = (event.respondent.type, event.respondent.ref)
                decision = event_decide(
                    event_facts(event, respondents[key], default_tz),
                    rules=rules, history=history.get(key, []), quota_counts=counts,
                    now=received, default_timezone=default_tz,
                )  # fmt: skip
                replayed += 1
                rule_id = decision.rule.id if decision.rule else None
                if decision.invites:
                    history.setdefault(key, []).append(
                        PastInvitation(decision.due_at, decision.rule.survey_id, decision.rule.survey_family)
                    )
                    if decision.quota_key:
                        counts[decision.quota_key] = counts.get(decision.quota_key, 0) + 1
                    # due_at becomes the send's lease and then its time; expires_at keeps the decision's.
                    expected = ("invitation", rule_id, list(decision.channels), decision.expires_at)
                else:
                    expected = ("suppression", rule_id, decision.reason)
                got = [("invitation", r[1], r[2], r[3]) for r in invitations.get(pk, [])]
                got += [("suppression", r[1], r[2]) for r in suppressions.get(pk, [])]
                if got != [expected]:
                    differ.append(f"{event.external_id}: stored {got}, the rules give {expected}")
        if differ:
            failures.append(f"{len(differ)} decisions differ from the rules' (first: {differ[0]})")

        # Messages: one per sent invitation, none twice.
        messages = read_messages(self.mail, sms=False) + read_messages(self.sms, sms=True)
        twice = duplicates(message["id"] for message in messages)
        if twice:
            failures.append(f"{len(twice)} message ids sent more than once (first: {next(iter(twice))})")
        sent_ids = {f"inv-{row[4]}" for rows in invitations.values() for row in rows if row[6] is not None}
        message_ids = {message["id"] for message in messages}
        if sent_ids != message_ids:
            failures.append(
                f"{len(sent_ids)} invitations sent, {len(message_ids)} message ids written: "
                f"{len(sent_ids - message_ids)} sent without a message, "
                f"{len(message_ids - sent_ids)} messages of no sent invitation"
            )

        responses = Response.objects.filter(invitation__event_id__in=ids)
        completed = responses.filter(status="completed").count()
        analysed = ResponseFacts.objects.filter(response__in=responses).count()
        not_completed = ResponseFacts.objects.filter(response__in=responses).exclude(
            response__status="completed"
        )
        if analysed != completed or not_completed.exists():
            failures.append(f"{completed} responses completed, {analysed} analysed")
        if completed != self.submitted:
            failures.append(f"{self.submitted} submits answered 302, {completed} responses completed")
        statuses = Counter(row[5] for rows in invitations.values() for row in rows)
        reasons = Counter(row[2] for rows in suppressions.values() for row in rows)
        return failures, {
            "events_stored": len(stored),
            "events_replayed": replayed,
            "invitations": dict(sorted(statuses.items())),
            "suppressions": dict(sorted(reasons.items())),
            "messages": len(messages),
            "responses_completed": completed,
            "responses_analysed": analysed,
        }


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(condition, *, timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=20.0, help="events per second")
    parser.add_argument(
        "--tick", type=float, default=0.25, help="seconds between posts (rate x tick per post)"
    )
    parser.add_argument("--answer-share", type=float, default=0.6, help="of the messages, the share answered")
    parser.add_argument("--customers", type=int, default=5000, help="repeat customers meet the fatigue rule")
    parser.add_argument("--quota", type=int, default=400, help="invitations per city and day at most")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--drain", type=float, default=180.0, help="seconds at most to drain")
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's processes")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the folder of logs, mails and SMS")
    args = parser.parse_args()
    if not 0 < args.minutes <= 60 or args.rate <= 0 or args.rate > 2000:
        parser.error("--minutes must be in (0, 60] and --rate in (0, 2000]")

    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    port = free_port()
    prefix = f"soak{int(time.time())}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
            "DJANGO_DEBUG": "false",
            "DATABASE_CONN_MAX_AGE": "600",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(folder / "mail"),
            "SMS_BACKEND": "responses.channels.sms.FileSmsBackend",
            "SMS_FILE_PATH": str(folder / "sms"),
            "RESPONDENT_THROTTLE_RATES": json.dumps(
                {"page_ip": "10000000/min", "post_ip": "10000000/min", "post_token": "100/min"}
            ),
            "PYTHONPATH": str(ROOT),
        }
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
    (folder / "mail").mkdir()
    (folder / "sms").mkdir()
    django_setup()
    import redis
    from django.db import connection

    from config.celery import app
    from ops.health import QUEUES
    from responses.demo import demo_source_system

    app.conf.task_always_eager = False
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.delete(*QUEUES, "unacked", "unacked_index")
    demo_source_system()
    definition = json.loads(
        (ROOT / "surveys/starter_templates/customer-after-delivery.json").read_text("utf-8")
    )
    survey_with_rule(
        key=SURVEY_KEY, channels=["email", "sms"], delay_minutes=0, definition=definition,
        sampling_rate=0.9, fatigue_days=1, quota_attribute="city", quota_min_per_day=20,
        quota_max_per_day=args.quota,
    )  # fmt: skip
    connection.close()

    env = dict(os.environ)
    bin_dir = Path(sys.executable).parent
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    processes = [
        start(
            [str(bin_dir / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--access-logfile", "/dev/null", "--log-level", "warning"],
            env, folder / "gunicorn.log",
        ),
        start(
            [*celery, "worker", "-Q", ",".join(QUEUES), "-c", str(args.concurrency), "--pool", "prefork",
             "-l", "WARNING", "-n", f"{prefix}@%h", "--without-gossip", "--without-mingle"],
            env, folder / "worker.log",
        ),
        start(
            [*celery, "beat", "-s", str(folder / "beat-schedule"), "-l", "WARNING"],
            env, folder / "beat.log",
        ),
    ]  # fmt: skip
    soak = Soak(args, port, folder, prefix)
    failures: list[str] = []
    load_before = os.getloadavg()
    try:
        probe = Client(port)

        def up() -> bool:
            try:
                return probe.request("GET", "/bench/minimal/")[0].status == 200
            except (OSError, http.client.HTTPException):
                return False

        if not wait_for(up, timeout=120):
            raise SystemExit(f"gunicorn did not answer; see {folder / 'gunicorn.log'}")
        started = soak.started = time.monotonic()
        until = started + args.minutes * 60
        threads = [
            threading.Thread(target=soak.post_events, args=(until,), name="events"),
            threading.Thread(target=soak.answer, args=(until,), name="answers"),
            threading.Thread(target=soak.probe, args=(until,), name="probe"),
            threading.Thread(target=soak.sampler, args=(started, until), name="sampler"),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        drain_started = time.monotonic()
        if not wait_for(soak.drained, timeout=args.drain, every=2.0):
            failures.append(f"not drained within {args.drain:.0f} s: {soak.samples[-1]}")
        drain_seconds = time.monotonic() - drain_started
        soak._print_sample(soak.samples[-1])
        found, counts = soak.check()
        failures += found
    finally:
        for process in reversed(processes):
            stop(process)
    for name in ("gunicorn", "worker", "beat"):
        log = (folder / f"{name}.log").read_text(errors="replace")
        if "Traceback" in log:
            print(f"--- {name}.log has a traceback (last lines) ---\n" + "\n".join(log.splitlines()[-30:]))

    accepted = len(soak.accepted)
    summaries = {name: latency_summary(values) for name, values in soak.latencies.items()}
    minimal = summaries["minimal"]
    rate = accepted / max(soak.events_seconds, 0.001)
    rows = [
        ("events accepted /s", f"{rate:.1f}", f"{args.rate:g} (target)", f"{rate / args.rate:.2f}"),
    ]
    for name, what in (("events", "events POST"), ("page", "page GET"), ("submit", "submit POST")):
        summary = summaries[name]
        rows.append(
            (
                f"{what} p50 / p99 ms ({summary['count']})",
                f"{summary['p50_ms']} / {summary['p99_ms']}",
                f"{minimal['p50_ms']} / {minimal['p99_ms']} (minimal view)",
                f"{summary['p50_ms'] / max(minimal['p50_ms'], 0.1):.1f} / "
                f"{summary['p99_ms'] / max(minimal['p99_ms'], 0.1):.1f}",
            )
        )
    depths = [sum(row["queues"].values()) for row in soak.samples]
    rows.append(
        ("queue depth max / last", f"{max(depths, default=0)} / {depths[-1] if depths else 0}", "", "")
    )
    rows.append(("drain s", f"{drain_seconds:.1f}", "", ""))
    rows.append(("check", "FAILED" if failures else "ok", "", ""))
    print()
    print(text_table(("figure", "value", "floor", "ratio"), rows))
    report = {
        "benchmark": "soak",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "minutes": args.minutes,
        "rate_target": args.rate,
        "seconds": round(elapsed, 1),
        "events_seconds": round(soak.events_seconds, 1),
        "events_posted": sum(len(batch) for batch in soak.posted),
        "events_accepted": accepted,
        "events_accepted_per_s": round(rate, 2),
        "decisions_answered": dict(sorted(soak.decisions.items())),
        "latency": summaries,
        "statuses": {
            name: {str(k): v for k, v in counter.items()} for name, counter in soak.statuses.items()
        },
        "queue_depth_max": {q: max((row["queues"][q] for row in soak.samples), default=0) for q in QUEUES},
        "drain_seconds": round(drain_seconds, 1),
        "submitted": soak.submitted,
        **counts,
        "failures": failures,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    if args.keep:
        print(f"logs, mails and SMS kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    for failure in failures:
        print(f"CHECK FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
