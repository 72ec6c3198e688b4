"""The first pass over comments, in batches: text pipeline, topic tags, detractor likelihood.

``analyse_many`` is what a bulk job runs over a stream of comments: each comment is processed
and tagged as it comes, and the detractor likelihoods of a batch (``BATCH`` comments) are
computed together by ``DetractorModel.score_many``, which is several times cheaper per
comment than scoring one at a time. Results come out in input order, one per comment, lazily:
memory holds one batch beyond what the caller keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import NamedTuple

from analysis.detractor import DetractorModel
from analysis.taxonomy import TopicMatch, TopicTagger
from analysis.text.pipeline import ProcessedComment, TextPipeline

BATCH = 500


class Analysed(NamedTuple):
    """One comment after the first pass."""

    doc: ProcessedComment
    topics: tuple[TopicMatch, ...]
    likelihood: float | None  # None without a model


def analyse_many(
    texts: Iterable[str | None],
    *,
    pipeline: TextPipeline,
    tagger: TopicTagger | None = None,
    model: DetractorModel | None = None,
    batch: int = BATCH,
) -> Iterator[Analysed]:
    """Process, tag and score ``texts``; one ``Analysed`` per text, in order."""
    process = pipeline.process
    tag = tagger.tag if tagger is not None else None
    stream = iter(texts)
    while chunk := list(islice(stream, batch)):
        docs = [process(text) for text in chunk]
        topics = [tag(doc) for doc in docs] if tag is not None else [()] * len(docs)
        if model is None:
            yield from map(Analysed, docs, topics, [None] * len(docs))
        else:
            yield from map(Analysed, docs, topics, model.score_many(docs).tolist())
