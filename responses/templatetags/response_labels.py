"""``{{ reason|code_label:"suppression_reason" }}``: a stored code as a person reads it.

The labels are in responses/labels.py.
"""

from django import template

from responses import labels

register = template.Library()


@register.filter
def code_label(code, kind: str) -> str:
    return labels.code_label(kind, code)
