"""Load starter templates as draft surveys: ``survey_templates_load [--all | KEY ...] [--publish]``."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys import selectors, services


class Command(BaseCommand):
    help = "Create draft surveys from starter templates (a template whose survey key exists is skipped)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("keys", nargs="*", metavar="KEY", help="template keys; see --list")
        parser.add_argument("--all", action="store_true", help="load every starter template")
        parser.add_argument("--publish", action="store_true", help="publish each survey after loading it")
        parser.add_argument("--list", action="store_true", help="list the templates and exit")

    def handle(self, *args, keys: list[str], **options) -> None:
        templates = {info.key: info for info in selectors.survey_templates()}
        if options["list"]:
            for info in templates.values():
                self.stdout.write(f"{info.key}\t{info.audience}\t{info.title.get('en', '')}")
            return
        if options["all"] == bool(keys):
            raise CommandError("Give template keys or --all (not both). Known: " + ", ".join(templates))
        unknown = [key for key in keys if key not in templates]
        if unknown:
            raise CommandError(f"Unknown template(s): {', '.join(unknown)}. Known: {', '.join(templates)}")
        selected = list(templates) if options["all"] else keys
        failed = 0
        for position, key in enumerate(selected, start=1):
            prefix = f"[{position}/{len(selected)}] {key}:"
            if selectors.survey_get_by_key(key=key) is not None:
                self.stdout.write(f"{prefix} skipped, a survey with this key exists")
                continue
            try:
                survey = services.survey_template_load(template_key=key)
                line = f"{prefix} loaded as draft ({templates[key].question_count} questions)"
                if options["publish"]:
                    version = services.survey_publish(survey=survey, note="starter template")
                    line += f", published v{version.number}"
            except ValidationError as exc:
                failed += 1
                self.stderr.write(f"{prefix} failed: {'; '.join(exc.messages)}")
                continue
            self.stdout.write(self.style.SUCCESS(line))
        if failed:
            raise CommandError(f"{failed} template(s) failed")
