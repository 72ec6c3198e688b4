"""How long the publish check and a whole publish take, against a plain JSON round trip.

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python benchmarks/survey_publish.py [--questions N]

Baseline, measured in the same run: ``json.loads(json.dumps(definition))`` of the same
definition, the least any publish must do with it. Publishing runs against a throwaway SQLite
database (or DATABASE_URL when set), inside a transaction that is rolled back.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def timed(function, repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def big_definition(template: dict, questions: int) -> dict:
    """The template with its questions repeated under new keys until there are ``questions``."""
    source = template["questions"]
    out = []
    for n in range(questions):
        question = json.loads(json.dumps(source[n % len(source)]))
        suffix = f"-{n // len(source)}" if n >= len(source) else ""
        question["key"] += suffix
        condition = question.get("condition")
        if condition and suffix:
            clauses = condition.get("all") or condition.get("any") or [condition]
            for clause in clauses:
                clause["question"] += suffix
        out.append(question)
    return {**template, "version": 1, "questions": out}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from surveys import services
    from surveys.starter_templates import template_definition
    from surveys.validation import definition_errors

    template = template_definition("customer-after-delivery")
    definition = big_definition(template, args.questions)
    assert definition_errors(definition, allowed_locales=["zh-hans", "en"]) == []

    baseline = timed(lambda: json.loads(json.dumps(definition)), args.repeat)
    check = timed(lambda: definition_errors(definition, allowed_locales=["zh-hans", "en"]), args.repeat)

    call_command("migrate", verbosity=0)

    def publish_once() -> None:
        with transaction.atomic():
            survey = services.survey_from_definition(definition=definition, key="bench-survey")
            start = time.perf_counter()
            services.survey_publish(survey=survey)
            publish_once.ms.append((time.perf_counter() - start) * 1000)
            transaction.set_rollback(True)

    publish_once.ms = []
    for _ in range(max(3, args.repeat // 10)):
        publish_once()
    publish = statistics.median(publish_once.ms)

    print(f"database: {connection.vendor}; questions: {args.questions}; repeat: {args.repeat}")
    print(f"baseline json round trip: {baseline:.2f} ms")
    print(f"definition_errors:        {check:.2f} ms ({check / baseline:.1f}x baseline)")
    print(f"survey_publish:           {publish:.2f} ms (build + check + checksum + insert)")


if __name__ == "__main__":
    main()
