"""Text pipeline for comments: normalise, detect language, segment, stopwords, phrases."""

from analysis.text.language import language_detect
from analysis.text.normalise import MAX_COMMENT_CHARS, normalise_text
from analysis.text.pipeline import PIPELINE_VERSION, ProcessedComment, TextPipeline, pipeline_process

__all__ = [
    "MAX_COMMENT_CHARS",
    "PIPELINE_VERSION",
    "ProcessedComment",
    "TextPipeline",
    "language_detect",
    "normalise_text",
    "pipeline_process",
]
