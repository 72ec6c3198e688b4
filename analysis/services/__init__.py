"""Writes of the analysis app (one owner per state change); re-exported here."""

from analysis.services.aggregates import aggregates_apply, aggregates_rebuild
from analysis.services.batch import comments_reanalyse, responses_analyse
from analysis.services.comments import response_analyse, response_segments
from analysis.services.detractor import detractor_model_train
from analysis.services.emerging import (
    cluster_discover,
    emerging_dismiss,
    emerging_merge,
    emerging_promote,
    emerging_rename,
)
from analysis.services.pending import BATCH_SIZE as PENDING_BATCH_SIZE
from analysis.services.pending import pending_add, pending_count, pending_drain, unanalysed_find
from analysis.services.taxonomy import survey_taxonomy_link, taxonomy_load_starter

__all__ = [
    "PENDING_BATCH_SIZE",
    "aggregates_apply",
    "aggregates_rebuild",
    "cluster_discover",
    "comments_reanalyse",
    "detractor_model_train",
    "emerging_dismiss",
    "emerging_merge",
    "emerging_promote",
    "emerging_rename",
    "pending_add",
    "pending_count",
    "pending_drain",
    "response_analyse",
    "response_segments",
    "responses_analyse",
    "survey_taxonomy_link",
    "taxonomy_load_starter",
    "unanalysed_find",
]
