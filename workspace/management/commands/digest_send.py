"""``manage.py digest_send --user <name> [--dry-run]``: send one user's weekly digest now."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workspace.digest.content import reader_of
from workspace.digest.mail import digest_render
from workspace.digest.services import digest_send_now


class Command(BaseCommand):
    help = (
        "Send a user's weekly digest now (a copy: the scheduled Monday digest still goes out). "
        "--dry-run prints the plain-text version and sends nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="the username")
        parser.add_argument("--dry-run", action="store_true", help="print the text version, send nothing")

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"--user: no user {options['user']!r}.")
        if options["dry_run"]:
            rendered = digest_render(user=user, now=timezone.now())
            self.stdout.write(f"Subject: {rendered.subject}\n\n{rendered.text}")
            return
        if not user.email:
            raise CommandError(f"--user: {user.get_username()} has no email address.")
        if not reader_of(user).enabled:
            raise CommandError(f"--user: {user.get_username()} has turned the weekly digest off.")
        rendered = digest_send_now(user=user)
        self.stdout.write(f"Weekly digest sent to {user.email}: {rendered.subject}")
