"""Shared setup of the distribution benchmarks: Django on the database named by DATABASE_URL."""

import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # DEBUG keeps every query in memory: never measure with it on.
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def machine() -> dict:
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
        except OSError:
            return ""

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in run("lscpu").splitlines()
            if line.startswith("Model name")
        ),
        "?",
    )
    memory = next(
        (line.split()[1] for line in run("free", "-h").splitlines() if line.startswith("Mem:")), "?"
    )
    return {
        "nproc": run("nproc").strip(),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "load": " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if Path("/proc/loadavg").exists()
        else "?",
    }


def survey_with_rule(
    *, key: str, channels: list[str], delay_minutes: int, definition: dict | None = None, **rule_options
):
    """A published survey and one rule inviting every customer after order.delivered.

    ``definition`` (a survey definition, e.g. a starter template's) replaces the empty one when
    the survey is first made; ``rule_options`` override the rule's other fields (sampling,
    fatigue, quotas)."""
    from django.utils import timezone

    from responses.distribution.models import DistributionRule
    from surveys.models import Survey, SurveyVersion

    survey, _ = Survey.objects.get_or_create(
        key=key,
        defaults={
            "audience": "customer",
            "title": {"zh-hans": "基准", "en": "Benchmark"},
            "status": "published",
        },
    )
    if not SurveyVersion.objects.filter(survey=survey).exists():
        SurveyVersion.objects.create(
            survey=survey,
            number=1,
            checksum="0" * 64,
            published_at=timezone.now(),
            definition={**definition, "key": key, "version": 1}
            if definition
            else {
                "schema": 1,
                "key": key,
                "version": 1,
                "audience": "customer",
                "locales": ["zh-hans", "en"],
                "default_locale": "zh-hans",
                "title": {"zh-hans": "配送体验调查", "en": "Delivery experience"},
                "introduction": {},
                "thank_you": {"zh-hans": "感谢您的反馈！", "en": "Thank you!"},
                "primary_question": "nps",
                "questions": [],
            },
        )
    DistributionRule.objects.filter(survey=survey).delete()
    options = {
        "event_types": ["order.delivered"],
        "audience": "customer",
        "sampling_rate": 1.0,
        "fatigue_days": 0,
        "max_event_age_hours": 72,
        "link_expiry_hours": 168,
        "reminder_count": 0,
        **rule_options,
    }
    return DistributionRule.objects.create(
        name=f"{key} rule", survey=survey, delay_minutes=delay_minutes, channels=channels, **options
    )


def events(count: int, *, prefix: str, source: str = "bench") -> list[dict]:
    from django.utils import timezone

    occurred = timezone.now().isoformat()
    return [
        {
            "source": source,
            "external_id": f"{prefix}-{n}",
            "type": "order.delivered",
            "occurred_at": occurred,
            "respondent": {
                "type": "customer",
                "ref": f"{prefix}-c{n}",
                "email": f"c{n}@example.com",
                "locale": "zh-hans" if n % 2 else "en",
            },
            "attributes": {"city": "上海", "district_type": "office", "scenario": "peak"},
        }
        for n in range(count)
    ]


def clean(source: str = "bench") -> None:
    from responses.models import Invitation, Respondent, ServiceEvent, Suppression

    Invitation.objects.filter(event__source=source).delete()
    Suppression.objects.filter(event__source=source).delete()
    ServiceEvent.objects.filter(source=source).delete()
    Respondent.objects.filter(events__isnull=True, invitations__isnull=True, ref__contains="-c").delete()
