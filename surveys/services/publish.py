"""Publishing: validate the draft and freeze it as the next immutable ``SurveyVersion``, with
its audit entry (``surveys.survey.published``: who, when, the version before and after).

Nothing here (or anywhere) updates a ``SurveyVersion`` row once it is written.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ops.services import audit_record
from surveys.errors import SurveyErrorCode as Code
from surveys.models import Survey, SurveyVersion
from surveys.services.checks import Actor
from surveys.services.definition import as_validation_error, definition_checksum, survey_definition_build
from surveys.validation import definition_errors


def survey_publish(*, survey: Survey, user: Actor = None, note: str = "") -> SurveyVersion:
    """Validate the draft and freeze it as the next version; refuse an invalid or unchanged one."""
    with transaction.atomic():
        # The row lock serialises publishes of one survey, so two never compute the same
        # number; the unique constraint on (survey, number) is the backstop.
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        definition = survey_definition_build(survey=locked)
        errors = definition_errors(definition, allowed_locales=settings.SURVEY_LOCALES)
        if errors:
            raise as_validation_error(errors)
        checksum = definition_checksum(definition)
        latest = SurveyVersion.objects.filter(survey=locked).order_by("-number").first()
        if latest is not None and latest.checksum == checksum:
            raise ValidationError(
                _("Nothing changed since version %(number)d: there is nothing to publish.")
                % {"number": latest.number},
                code=Code.NO_CHANGES,
            )
        version = SurveyVersion.objects.create(
            survey=locked,
            number=definition["version"],
            definition=definition,
            checksum=checksum,
            published_at=timezone.now(),
            published_by=user if user is not None and user.is_authenticated else None,
            note=note[:255],
        )
        before = {"status": locked.status, "version": latest.number if latest else None}
        locked.status = Survey.Status.PUBLISHED
        locked.has_unpublished_changes = False
        locked.save(update_fields=["status", "has_unpublished_changes", "updated_at"])
        audit_record(
            action="surveys.survey.published",
            instance=locked,
            actor=user,
            before=before,
            after={
                "status": locked.status,
                "version": version.number,
                "checksum": checksum,
                "note": version.note,
            },
            now=version.published_at,
        )
    survey.status = locked.status
    survey.has_unpublished_changes = False
    return version
