"""Re-encrypt every respondent's email and phone with the first of CONTACT_ENCRYPTION_KEYS.

    python manage.py contacts_rotate_key [--batch-size 1000] [--no-progress]

Put the new key first in CONTACT_ENCRYPTION_KEYS (keep the old ones after it), deploy, run this,
then remove the old keys. Safe to rerun and to run while ingestion goes on (docs/operations.md).
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from responses.services.contact_keys import contacts_rotate, contacts_to_rotate


class Command(BaseCommand):
    help = "Re-encrypt respondents' contact data with the first key of CONTACT_ENCRYPTION_KEYS."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=1_000)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options) -> None:
        if not 1 <= options["batch_size"] <= 10_000:
            raise CommandError("--batch-size must be between 1 and 10000")
        with tqdm(
            total=contacts_to_rotate(),
            unit="respondent",
            disable=options["no_progress"],
            file=self.stderr._out,
        ) as bar:
            result = contacts_rotate(batch_size=options["batch_size"], progress=bar.update)
        self.stdout.write(
            f"{result.checked} respondents with contact data checked, "
            f"{result.rotated} re-encrypted with the first key."
        )
