"""Load the demo export (``exports.demo``); called by ``demo_load``."""

from django.core.management.base import BaseCommand

from config.demo import demo_data_refuse_unless_allowed
from exports.demo import demo_export_load


class Command(BaseCommand):
    help = "Load the demo background export of the after-delivery comments (idempotent)."

    def handle(self, *args, **options) -> None:
        demo_data_refuse_unless_allowed()  # never under production settings
        export = demo_export_load()
        if export is None:
            self.stdout.write("No after-delivery survey or no demo owner yet: no demo export.")
            return
        self.stdout.write(f"Demo export {export.public_id}: {export.status}, {export.rows} rows")
