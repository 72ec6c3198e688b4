"""``manage.py import_events FILE``: backfill service events from a CSV or XLSX file."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from responses.distribution.ingestion import MAX_BATCH
from responses.services.imports import ImportFileError, event_rows_read, events_import

COLUMNS_HELP = """
Columns (header row first, case-insensitive, empty cells left out):
  source, external_id, type, occurred_at (ISO 8601 with offset, e.g. 2026-05-01T12:30:00+08:00),
  respondent_type (customer|merchant|rider), respondent_ref, respondent_email, respondent_phone,
  respondent_locale (zh-hans|en), respondent_timezone (IANA),
  attr_<name> (one attribute per column, e.g. attr_city, attr_district_type),
  attributes (all attributes as a JSON object; attr_ columns win).
Rows go through the same validation and rules as POST /api/v1/events/; repeated rows are
reported as duplicate and create nothing, so an interrupted import can simply be run again.
Row numbers are the spreadsheet's (header = row 1).
"""


class Command(BaseCommand):
    help = "Import service events from a CSV or XLSX file (backfills)." + COLUMNS_HELP

    def create_parser(self, *args, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(*args, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument("--source", default="", help="source for rows whose source column is empty")
        parser.add_argument(
            "--errors",
            default="",
            help="where to write the per-row error report (default: FILE.errors.csv beside the file)",
        )
        parser.add_argument("--batch-size", type=int, default=MAX_BATCH, help="events per transaction")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if not 1 <= options["batch_size"] <= MAX_BATCH:
            raise CommandError(f"--batch-size must be between 1 and {MAX_BATCH}")
        with path.open("rb") as stream:
            try:
                rows = list(
                    event_rows_read(stream=stream, filename=path.name, default_source=options["source"])
                )
            except ImportFileError as exc:
                raise CommandError(f"{path}: {exc} ({exc.code})") from exc

        with tqdm(
            total=len(rows), unit="event", disable=options["no_progress"], file=self.stderr._out
        ) as bar:
            results = events_import(rows=rows, batch_size=options["batch_size"], progress=bar.update)

        counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
        for row in results:
            counts[row.result.status] += 1
        report = Path(options["errors"]) if options["errors"] else path.with_name(path.name + ".errors.csv")
        if counts["rejected"]:
            with report.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["row", "external_id", "field", "code", "message"])
                for row in results:
                    for error in row.result.errors:
                        writer.writerow(
                            [
                                row.row_number,
                                row.result.external_id or "",
                                error.field,
                                error.code,
                                error.message,
                            ]
                        )
        self.stdout.write(
            f"{len(results)} rows: {counts['accepted']} accepted, {counts['duplicate']} duplicate, "
            f"{counts['rejected']} rejected"
        )
        if counts["rejected"]:
            self.stdout.write(f"errors per row: {report}")
