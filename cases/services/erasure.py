"""What cases keep of a respondent's words, removed for an erasure or retention.

Registered in ``responses.hooks.personal_data_erase`` (cases/apps.py). The cases stay (their
counts, states and deadlines are the team's record); their notes and resolution may quote the
answer or the contact data, so their text is emptied. The contact data itself lives only on the
respondent, which the erasure empties.
"""

from django.db.models import Q

from cases.models import Case, CaseNote


def cases_text_erase(*, response_ids: list[int], respondent_ids: list[int]) -> dict[str, int]:
    cases = Case.objects.filter(Q(response_id__in=response_ids) | Q(respondent_id__in=respondent_ids))
    resolutions = cases.exclude(resolution="").update(resolution="")
    notes = CaseNote.objects.filter(case__in=cases).exclude(text="").update(text="")
    return {"cases.case": resolutions, "cases.casenote": notes}
