"""What analysis keeps of a response's free text, removed for an erasure or retention.

Registered in ``responses.hooks.personal_data_erase`` (analysis/apps.py). A comment keeps its
row, its topics, polarity, segments and discovered topics (the anonymous counts: facts and daily
aggregates are untouched); its text, tokens and phrases go, the matched terms of its taxonomy
topics go, and it is taken out of every emerging topic's examples (the examples quote it).
"""

from django.db.models import Q

from analysis.models import CommentAnalysis, CommentTopic, EmergingTopic, ResponseFacts
from analysis.services.aggregates import counts_changed


def comments_text_erase(*, response_ids: list[int], respondent_ids: list[int]) -> dict[str, int]:
    comments = CommentAnalysis.objects.filter(response_id__in=response_ids)
    comment_ids = set(comments.values_list("id", flat=True))
    counts_changed(
        set(comments.values_list("survey_id", flat=True))
        | set(ResponseFacts.objects.filter(response_id__in=response_ids).values_list("survey_id", flat=True))
    )
    erased = comments.filter(~Q(text="") | ~Q(tokens=[]) | ~Q(phrases=[])).update(
        text="", tokens=[], phrases=[]
    )
    terms = (
        CommentTopic.objects.filter(comment_id__in=comment_ids)
        .exclude(matched_terms=[])
        .update(matched_terms=[])
    )
    examples = 0
    if comment_ids:
        surveys = set(comments.values_list("survey_id", flat=True))
        for topic in EmergingTopic.objects.filter(survey_id__in=surveys).only("id", "example_comment_ids"):
            kept = [pk for pk in topic.example_comment_ids if pk not in comment_ids]
            if len(kept) != len(topic.example_comment_ids):
                EmergingTopic.objects.filter(pk=topic.pk).update(example_comment_ids=kept)
                examples += 1
    return {
        "analysis.commentanalysis": erased,
        "analysis.commenttopic": terms,
        "analysis.emergingtopic": examples,
    }
