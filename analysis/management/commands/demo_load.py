"""Load the demo that `make run` shows: users for each role, surveys, events, responses.

Safe to run again: every step updates or skips what is already there.
"""

import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from config.demo import demo_data_refuse_unless_allowed
from surveys.roles import roles_ensure

DEMO_USERS = [
    # username, password, superuser, group
    ("admin", "demo-admin-2026", True, None),
    ("ops", "demo-ops-2026", False, "survey_designers"),
    ("owner", "demo-owner-2026", False, "process_owners"),
    ("viewer", "demo-viewer-2026", False, "viewers"),
]


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def handle(self, *args, **options) -> None:
        # First, before anything is written: never under production settings.
        demo_data_refuse_unless_allowed()
        with transaction.atomic():
            self._users()
        # Every starter template as a published survey; an existing survey key is skipped.
        call_command("survey_templates_load", "--all", "--publish", stdout=self.stdout)
        self._distribution()
        # A respondent link and an open link (QR) to try the survey pages, written to
        # var/demo_links.txt; `make run` prints them once, with the other links, when it is ready.
        call_command("respondent_demo_links", stdout=io.StringIO())
        self.stdout.write("Respondent links written to var/demo_links.txt")
        # Starter taxonomies linked to the surveys, and eight weeks of analysed responses.
        call_command("analysis_demo_load", stdout=self.stdout)
        # An improvement action whose review shows a planted problem's significant drop.
        call_command("cases_demo_load", stdout=self.stdout)
        # The demo owner's weekly digest, a mail file in var/mail/ (docs/digest.md).
        call_command("digest_demo_send", stdout=self.stdout)
        # A background export of the comments: the audit trail shows who took which data out.
        call_command("exports_demo_load", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def _distribution(self) -> None:
        """A source system with its API key, a rule for the after-delivery survey, some events."""
        from responses.demo import demo_distribution_load

        loaded = demo_distribution_load()
        self.stdout.write(f"Source system {loaded['source']}, API key: {loaded['api_key']}")
        if loaded["rule"] is None:
            self.stdout.write("No after-delivery survey published yet: demo events recorded as no_rule.")
        outcomes = [
            f"{r['external_id']}: {r['status']}"
            + "".join(f" -> {i['status']} {i.get('reason', '')}".rstrip() for i in r.get("invitations", []))
            for r in loaded["results"]
        ]
        self.stdout.write("Demo events: " + "; ".join(outcomes))

    def _users(self) -> None:
        roles_ensure()  # the role groups with their grants, even on a database without them
        user_model = get_user_model()
        for username, password, is_superuser, group_name in DEMO_USERS:
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": is_superuser}
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
