"""Load the shipped starter taxonomies (idempotent: what ops staff edited is kept)."""

from django.core.management.base import BaseCommand, CommandError

from analysis.services import taxonomy_load_starter


class Command(BaseCommand):
    help = "Load the starter taxonomies from analysis/data/taxonomies (missing taxonomies and topics only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("names", nargs="*", help="Taxonomy names (default: all).")

    def handle(self, *args, **options) -> None:
        try:
            result = taxonomy_load_starter(names=options["names"] or None)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{result.taxonomies_created} taxonomies and {result.topics_created} topics added.")
