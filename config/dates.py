"""The calendar the API accepts in date filters.

A filter day far from today is never meaningful, and days near ``date.min`` / ``date.max``
overflow when a range is widened (the day after ``to``, the period before ``from``, the Monday
of a week). Every API that filters on days refuses a day outside these bounds with a 400 that
names the field, before any arithmetic.
"""

import datetime as dt

from django.utils.translation import gettext as _
from rest_framework import exceptions

API_DATE_MIN = dt.date(1970, 1, 1)
API_DATE_MAX = dt.date(2999, 12, 31)
DATE_OUT_OF_RANGE = "date_out_of_range"
# The schema of a date filter: a day, or empty for the default (a form's empty field).
DAY_OR_EMPTY = {"type": "string", "anyOf": [{"format": "date"}, {"enum": [""]}]}


def date_out_of_range_message(field: str) -> str:
    return _("%(name)s must be between %(min)s and %(max)s.") % {
        "name": field,
        "min": API_DATE_MIN.isoformat(),
        "max": API_DATE_MAX.isoformat(),
    }


def api_date_check(value: dt.date, *, field: str) -> dt.date:
    """``value`` itself, or a ValidationError on ``field`` when it is outside the bounds."""
    if not API_DATE_MIN <= value <= API_DATE_MAX:
        raise exceptions.ValidationError(
            {field: [exceptions.ErrorDetail(date_out_of_range_message(field), code=DATE_OUT_OF_RANGE)]}
        )
    return value
