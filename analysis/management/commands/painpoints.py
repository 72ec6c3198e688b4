"""``manage.py painpoints FILE``: the whole text analysis of a CSV/XLSX export, offline.

Needs no database and no broker: system checks are off and nothing here touches the ORM.
Messages follow the user's language (``LANGUAGE``/``LC_ALL``/``LANG`` starting with ``zh``
means Chinese, ``en`` English; otherwise the site default).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from analysis.discovery import AUTO, NONE
from analysis.report_io import ReportInputError, read_table
from analysis.report_render import (
    LANGS,
    ranking_statement,
    report_language,
    report_to_csv,
    report_to_html,
    report_to_json,
    taxonomy_statement,
)
from analysis.services.emerging import clustering_threads
from analysis.taxonomy import TaxonomyNotFoundError, taxonomy_load, taxonomy_names
from analysis.voc_analysis import comments_analyse

METRICS = ("nps", "csat", "ces", "rating")
FORMATS = ("json", "html", "csv")
DEFAULT_TAXONOMY = "food_delivery"  # what --taxonomy auto measures, and uses where it covers
COMMENTS_COLUMNS = ("row", "language", "topics", "cluster", "detractor_likelihood", "topic_polarity")
# read_table's messages for inputs that hold no response: those give an empty report.
EMPTY_INPUT_MARKERS = ("the file is empty", "has a header but no rows")


def user_language() -> str:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").strip().lower()
        if value.startswith("zh"):
            return "zh-hans"
        if value.startswith("en"):
            return "en"
    return "zh-hans" if settings.LANGUAGE_CODE.lower().startswith("zh") else "en"


def empty_report() -> dict:
    return {
        "topics": [],
        "emerging": [],
        "metrics": {},
        "summary": {"rows": 0, "comments": 0, "languages": {}, "truncated": 0},
    }


class Command(BaseCommand):
    help = "Analyse the comments of a CSV/XLSX export: pain points, emerging topics, metrics."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--text-column")
        parser.add_argument("--score-column")
        parser.add_argument("--metric", help="nps, csat, ces or rating (guessed from the scores if left out)")
        parser.add_argument("--segment-columns", default="", help="comma-separated column names")
        parser.add_argument("--format", default="json", help="json, html or csv")
        parser.add_argument("--out", help="write the report here instead of the standard output")
        parser.add_argument("--comments-out", help="write one CSV row per input row here")
        parser.add_argument(
            "--taxonomy",
            default=AUTO,
            help=f"auto (default: {DEFAULT_TAXONOMY} where it covers the comments), a taxonomy name, or none",
        )
        parser.add_argument("--language", help="zh-hans or en: the report's language (default: the data's)")
        parser.add_argument("--clusters", help="force the number of emerging topics")

    def handle(self, *args, **options) -> None:
        lang = user_language()
        with translation.override(lang):
            self._run(options, lang)

    def _run(self, options: dict, lang: str) -> None:
        metric = options["metric"]
        if metric is not None and metric not in METRICS:
            raise CommandError(
                _("Unknown metric %(metric)s: use one of %(choices)s.")
                % {"metric": metric, "choices": ", ".join(METRICS)}
            )
        output_format = options["format"]
        if output_format not in FORMATS:
            raise CommandError(
                _("Unknown format %(format)s: use one of %(choices)s.")
                % {"format": output_format, "choices": ", ".join(FORMATS)}
            )
        clusters = None
        if options["clusters"] is not None:
            try:
                clusters = int(options["clusters"])
            except ValueError:
                clusters = 0
            if clusters < 1:
                raise CommandError(
                    _("--clusters must be a whole number of 1 or more, not %(value)s.")
                    % {"value": options["clusters"]}
                )
        language = options.get("language")
        if language is not None and language not in LANGS:
            raise CommandError(
                _("Unknown language %(language)s: use one of %(choices)s.")
                % {"language": language, "choices": ", ".join(LANGS)}
            )
        taxonomy = None
        requested = options["taxonomy"].strip()
        mode = requested.lower() if requested.lower() in (AUTO, NONE) else requested
        if mode != NONE:
            try:
                taxonomy = taxonomy_load(DEFAULT_TAXONOMY if mode == AUTO else requested)
            except TaxonomyNotFoundError:
                raise CommandError(
                    _("Unknown taxonomy %(name)s: available are %(names)s, auto or none.")
                    % {"name": options["taxonomy"], "names": ", ".join(taxonomy_names())}
                ) from None
        segment_columns = [c.strip() for c in options["segment_columns"].split(",") if c.strip()]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})

        try:
            table = read_table(
                path,
                text_column=options["text_column"],
                score_column=options["score_column"],
                segment_columns=segment_columns,
            )
        except ReportInputError as exc:
            if any(marker in str(exc) for marker in EMPTY_INPUT_MARKERS):
                self._write(empty_report(), (), options, output_format, lang)
                return
            raise CommandError(_("Cannot use %(path)s: %(reason)s") % {"path": path, "reason": exc}) from None
        for warning in table.warnings:
            self.stderr.write(_("Warning: %(message)s") % {"message": warning})

        frame = table.frame
        progress_stream = options.get("stderr") or sys.stderr
        scores = frame[table.score_column].tolist() if table.score_column else None
        segments = (
            frame[[frame.columns[frame.columns.get_loc(c)] for c in segment_columns]]
            if segment_columns
            else None
        )
        try:
            analysis = comments_analyse(
                frame[table.text_column].tolist(),
                scores=scores,
                metric=metric,
                segments=segments,
                taxonomy=taxonomy,
                taxonomy_mode=mode,
                clusters=clusters,
                clustering_threads=clustering_threads(),
                progress=lambda items: tqdm(
                    items, total=len(frame), desc=_("Comments"), file=progress_stream, unit=""
                ),
            )
        except ValueError as exc:  # e.g. a score outside the metric's scale
            raise CommandError(
                _("Cannot analyse %(path)s: %(reason)s") % {"path": path, "reason": exc}
            ) from None
        statement = taxonomy_statement(analysis.report)
        if statement:
            self.stderr.write(statement)
        outcome = ranking_statement(
            analysis.report, lang=report_language(analysis.report, options.get("language"))
        )
        if outcome:
            self.stderr.write(outcome)
        self._write(analysis.report, analysis.rows, options, output_format, lang)

    def _write(self, report: dict, rows, options: dict, output_format: str, lang: str) -> None:
        render = {"json": report_to_json, "html": report_to_html, "csv": report_to_csv}[output_format]
        # The report follows the data's language unless --language forces one; messages follow the user's.
        text = render(report, lang=report_language(report, options.get("language")))
        if options["out"]:
            Path(options["out"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
        if options["comments_out"]:
            with open(options["comments_out"], "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(COMMENTS_COLUMNS)
                for row in rows:
                    likelihood = "" if row.detractor_likelihood is None else f"{row.detractor_likelihood:.4f}"
                    # topic key -> -1 complaint, 0 neutral, 1 praise, in the order of ``topics``
                    polarity = json.dumps(row.topic_polarity, ensure_ascii=False, separators=(",", ":"))
                    writer.writerow(
                        [row.row, row.language, ";".join(row.topics), row.cluster or "", likelihood, polarity]
                    )
